#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/value.hpp>

#include <compare>

namespace enode::term {

/// Erlang's term order with arithmetic comparison of numbers, as `<` and `==` compare
/// in Erlang: `1 == 1.0`, `0.0 == -0.0`. Returns less, equal or greater.
/// (`value`'s own `==` and `<=>` are the exact `=:=` and its total order.)
std::weak_ordering compare(value const& a, value const& b) noexcept;

/// Erlang's `==`.
inline bool equal(value const& a, value const& b) noexcept { return compare(a, b) == 0; }

} // namespace enode::term

#pragma GCC visibility pop
