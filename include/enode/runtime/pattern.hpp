#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace enode::runtime {

/// A receive pattern, written as `ets:match/2` writes its patterns: an Erlang term in
/// which the atom `'_'` matches anything and the atoms `'$1'`, `'$2'`, ... match anything
/// and bind it (a variable used twice must match equal terms). Tuples and lists match
/// element by element, maps match when each of the pattern's keys is present with a
/// matching value (as Erlang map patterns do); every other term matches what is `=:=`.
///
/// ```
/// pattern p{"{reply, '$1', '_'}"};
/// auto msg = co_await self.receive(p, 500ms);     // first message shaped so, or nullopt
/// auto bound = p.match(*msg);                      // {value of '$1'}
/// ```
class pattern {
public:
  /// The pattern `p`.
  explicit pattern(term::value p);
  /// Parses the pattern from Erlang syntax. @throws std::invalid_argument when it does not parse.
  explicit pattern(std::string_view text);
  explicit pattern(char const* text) : pattern(std::string_view(text)) {}
  /// Parses the pattern from Erlang syntax; the parser's errors on failure.
  [[nodiscard]] static result<pattern> parse(std::string_view text);

  /// Whether `t` matches.
  bool matches(term::value const& t) const;
  /// The values bound to `'$1'`, `'$2'`, ... (in that order, up to the highest variable
  /// used) when `t` matches; unused numbers stay `[]`.
  std::optional<std::vector<term::value>> match(term::value const& t) const;

  term::value const& term() const noexcept { return p_; }

private:
  term::value p_;
  std::size_t variables_ = 0; ///< highest '$N' used
  bool wild_ = false;         ///< contains '_' or a variable anywhere
};

} // namespace enode::runtime

#pragma GCC visibility pop
