#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace enode::term {

/// Where and why text failed to parse.
struct parse_failure {
  std::size_t line = 1;
  std::size_t column = 1;
  std::string message;
};

/// Parses one Erlang term literal, optionally followed by a full stop:
/// atoms (bare, quoted with escapes), integers (any size, `Base#Digits`, `$c`, `_`
/// separators), floats, strings (adjacent strings concatenate), binaries `<<...>>` with
/// integer, float, string and `/utf8`-`/utf16`-`/utf32` segments and sizes, tuples,
/// lists (improper too), maps, `fun M:F/A`, and the printed forms of pids, ports and
/// references that print.hpp documents. UTF-8 text.
/// Errors: `error::syntax_error` (details in `failure`), `error::too_deep`, and the atom errors.
[[nodiscard]] result<value> parse(std::string_view text, parse_failure* failure = nullptr);

} // namespace enode::term

#pragma GCC visibility pop
