#pragma once

// Terms written as Erlang text, for the tests of every module.
#include <enode/term/atom.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/value.hpp>

#include <doctest/doctest.h>

#include <string_view>

namespace enode::testing {

/// The term that `text` reads as; fails the test case when it does not parse.
inline term::value parsed(std::string_view text) {
  auto v = term::parse(text);
  REQUIRE_MESSAGE(v, "parse failed: " << text);
  return *v;
}

/// `parsed`, under the short name the process tests use.
inline term::value t(std::string_view text) { return parsed(text); }

inline term::atom a(std::string_view name) { return term::atom(name); }

} // namespace enode::testing
