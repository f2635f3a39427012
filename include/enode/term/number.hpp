#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/convert.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/value.hpp>

#include <compare>
#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>

namespace enode::term {

/// What Erlang's `badarith` is in C++: a division by zero, or a float result (or a
/// bignum turned float) beyond the range of doubles.
class bad_arithmetic : public std::domain_error {
public:
  bad_arithmetic() : std::domain_error("bad argument in arithmetic expression") {}
};

/// An Erlang number in C++: an integer stays an integer (of any size) and a float a
/// float, through conversion and arithmetic, as in Erlang:
///
///     number a = 6, b = 7.0;
///     a * 7       // 42, an integer
///     a * b       // 42.0, a float: any float makes a float
///     a / 3       // 2.0: `/` always gives a float
///     number(INT64_MAX) + 1   // 9223372036854775808, a bignum
///
/// As a parameter of a function exposed to Erlang (node/functions.hpp) it takes any
/// number, and as a result it answers with the kind it holds: `[](number a, number b)
/// { return a * b; }` answers `42` for `(6, 7)` and `42.0` for `(6.0, 7)`.
///
/// Integer arithmetic that leaves 64 bits goes on in `big_int` (integer.hpp) and comes
/// back to 64 bits when it fits again. Division by zero and non-finite float results
/// throw `bad_arithmetic` (Erlang's `badarith`).
///
/// `==` and `<=>` compare as Erlang's `==` and `<` do: `number(1) == number(1.0)`,
/// exactly even between bignums and floats. `exactly_equal` is Erlang's `=:=`.
/// A number is a `value` inside, so copies are cheap and `to_term` costs nothing.
class number {
public:
  /// 0.
  number() noexcept : v_(std::int64_t{0}) {}
  /// An integer. Implicit, as for the built-in arithmetic types: `a * 2` works.
  template <std::integral I>
  requires(!std::same_as<I, bool>) number(I i) : v_(i) {}
  /// A float. @throws std::invalid_argument for NaN and infinities, which Erlang lacks.
  template <std::floating_point F>
  number(F d) : v_(static_cast<double>(d)) {}
  /// An integer of any size.
  number(big_int const& i) : v_(make_integer(i)) {}
  number(bool) = delete; // true and false are atoms in Erlang

  bool is_integer() const noexcept { return v_.is_integer(); }
  bool is_float() const noexcept { return v_.is_float(); }
  /// An integer that fits in 64 bits (else a bignum, or a float).
  bool is_small() const noexcept { return v_.is_small(); }

  /// @pre is_small()
  std::int64_t as_int() const noexcept { return v_.as_int(); }
  /// The integer if it fits in 64 bits; nothing for a bignum or a float.
  std::optional<std::int64_t> to_int() const noexcept { return v_.to_int(); }
  /// @pre is_float()
  double as_float() const noexcept { return v_.as_float(); }
  /// The integer, whatever its size. @pre is_integer()
  big_int as_big_int() const { return to_big_int(v_); }
  /// The nearest double, for any number (infinite for a bignum beyond the doubles).
  double to_double() const noexcept;

  number operator-() const;
  friend number operator+(number const& a, number const& b);
  friend number operator-(number const& a, number const& b);
  friend number operator*(number const& a, number const& b);
  /// Erlang's `/`: a float, even for two integers. @throws bad_arithmetic for `/ 0`.
  friend number operator/(number const& a, number const& b);
  number& operator+=(number const& o) { return *this = *this + o; }
  number& operator-=(number const& o) { return *this = *this - o; }
  number& operator*=(number const& o) { return *this = *this * o; }
  number& operator/=(number const& o) { return *this = *this / o; }

  /// Erlang's `==`: `number(1) == number(1.0)`.
  friend bool operator==(number const& a, number const& b) noexcept { return (a <=> b) == 0; }
  /// Erlang's `<` and `>`: by value, exactly, whatever the kinds.
  friend std::weak_ordering operator<=>(number const& a, number const& b) noexcept;
  /// Erlang's `=:=`: the same value of the same kind (`1 =/= 1.0`, `0.0 =/= -0.0`).
  friend bool exactly_equal(number const& a, number const& b) noexcept { return a.v_ == b.v_; }

private:
  struct from_term_t {};
  number(from_term_t, value v) noexcept : v_(std::move(v)) {}
  friend struct convert<number>;

  value v_; // an integer or a float
};

// Declared again outside the class: a function that only a friend declaration names is
// not exported from a shared build.
number operator+(number const& a, number const& b);
number operator-(number const& a, number const& b);
number operator*(number const& a, number const& b);
number operator/(number const& a, number const& b);
std::weak_ordering operator<=>(number const& a, number const& b) noexcept;

/// Prints the number as Erlang does (`42`, `42.0`).
std::ostream& operator<<(std::ostream& os, number const& n);

/// An integer term is an integer number, a float a float; anything else is
/// `bad_conversion` ("expected a number, got ...").
template <>
struct convert<number> {
  static value to(number const& n) { return n.v_; }
  static number from(value const& v) {
    if (!v.is_number()) throw bad_conversion("a number", v);
    return number(number::from_term_t{}, v);
  }
};

} // namespace enode::term

#pragma GCC visibility pop
