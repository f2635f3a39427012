#pragma once

// Helpers shared by the term tests.
#include <enode/term/parse.hpp>
#include <enode/term/value.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace enode::term::test {

inline std::vector<std::byte> bytes(std::initializer_list<int> xs) {
  std::vector<std::byte> v;
  for (int x : xs) v.push_back(static_cast<std::byte>(x));
  return v;
}

inline std::vector<std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<std::byte const*>(s.data()), reinterpret_cast<std::byte const*>(s.data()) + s.size()};
}

inline std::string hex(std::span<std::byte const> b) {
  static char const* digits = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    auto v = std::to_integer<unsigned>(x);
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

/// The term that `text` reads as; fails the test case when it does not parse.
inline value parsed(std::string_view text) {
  auto v = parse(text);
  REQUIRE_MESSAGE(v, "parse failed: " << text);
  return *v;
}

} // namespace enode::term::test
