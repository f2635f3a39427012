#include <enode/term/number.hpp>

#include <enode/term/compare.hpp>

#include <cmath>
#include <limits>
#include <ostream>

namespace enode::term {
namespace {

// An operand of float arithmetic: Erlang turns an integer into a float first, and a
// bignum beyond the doubles is badarith there.
double float_operand(number const& n) {
  auto const d = n.to_double();
  if (!std::isfinite(d)) throw bad_arithmetic();
  return d;
}

number float_result(double d) {
  if (!std::isfinite(d)) throw bad_arithmetic();
  return number(d);
}

// Integers in 64 bits while they fit (Small says whether it overflowed), else in big_int;
// any float makes a float.
template <class Small, class Big, class Float>
number arith(number const& a, number const& b, Small small, Big big, Float flt) {
  if (a.is_float() || b.is_float()) return float_result(flt(float_operand(a), float_operand(b)));
  if (a.is_small() && b.is_small()) {
    std::int64_t r = 0;
    if (!small(a.as_int(), b.as_int(), &r)) return number(r);
  }
  return number(big(a.as_big_int(), b.as_big_int()));
}

} // namespace

double number::to_double() const noexcept {
  if (v_.is_float()) return v_.as_float();
  if (v_.is_small()) return static_cast<double>(v_.as_int());
  return detail::big_to_double(v_);
}

number number::operator-() const {
  if (is_float()) return number(-as_float());
  if (is_small() && as_int() != std::numeric_limits<std::int64_t>::min()) return number(-as_int());
  return number(big_int(-as_big_int()));
}

number operator+(number const& a, number const& b) {
  return arith(
      a, b, [](std::int64_t x, std::int64_t y, std::int64_t* r) { return __builtin_add_overflow(x, y, r); },
      [](big_int const& x, big_int const& y) { return big_int(x + y); }, [](double x, double y) { return x + y; });
}

number operator-(number const& a, number const& b) {
  return arith(
      a, b, [](std::int64_t x, std::int64_t y, std::int64_t* r) { return __builtin_sub_overflow(x, y, r); },
      [](big_int const& x, big_int const& y) { return big_int(x - y); }, [](double x, double y) { return x - y; });
}

number operator*(number const& a, number const& b) {
  return arith(
      a, b, [](std::int64_t x, std::int64_t y, std::int64_t* r) { return __builtin_mul_overflow(x, y, r); },
      [](big_int const& x, big_int const& y) { return big_int(x * y); }, [](double x, double y) { return x * y; });
}

number operator/(number const& a, number const& b) {
  auto const divisor = float_operand(b);
  if (divisor == 0.0) throw bad_arithmetic(); // also -0.0, as in Erlang
  return float_result(float_operand(a) / divisor);
}

std::weak_ordering operator<=>(number const& a, number const& b) noexcept {
  if (a.is_small() && b.is_small()) return a.as_int() <=> b.as_int();
  return compare(to_term(a), to_term(b)); // exact between integers of any size and floats
}

std::ostream& operator<<(std::ostream& os, number const& n) { return os << to_term(n); }

} // namespace enode::term
