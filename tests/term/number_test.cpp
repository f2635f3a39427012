#include <enode/term/number.hpp>

#include "term/test_util.hpp"
#include <enode/term/print.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace term = enode::term;
using term::number;
using term::value;
using term::test::parsed;

namespace {
constexpr auto max64 = std::numeric_limits<std::int64_t>::max();
constexpr auto min64 = std::numeric_limits<std::int64_t>::min();

// 2 to the power of `n`, a bignum beyond 63.
term::big_int pow2(unsigned n) { return term::big_int(term::big_int(1) << n); }

// The number as Erlang prints it: tells 42 from 42.0.
std::string shown(number const& n) { return term::to_string(term::to_term(n)); }
} // namespace

TEST_SUITE("term") {
  TEST_CASE("number: an integer term stays an integer, a float a float") {
    auto i = term::from_term<number>(value(42));
    CHECK(i.is_integer());
    CHECK(!i.is_float());
    CHECK(i.is_small());
    CHECK(i.as_int() == 42);
    CHECK(term::to_term(i) == value(42));

    auto f = term::from_term<number>(value(42.0));
    CHECK(f.is_float());
    CHECK(!f.is_integer());
    CHECK(f.as_float() == 42.0);
    CHECK(term::to_term(f) == value(42.0));

    auto big = parsed("1267650600228229401496703205376"); // 1 bsl 100
    auto b = term::from_term<number>(big);
    CHECK(b.is_integer());
    CHECK(!b.is_small());
    CHECK(b.to_int() == std::nullopt);
    CHECK(b.as_big_int() == pow2(100));
    CHECK(term::to_term(b) == big);
  }

  TEST_CASE("number: anything but a number is a bad_conversion") {
    for (auto const* text : {"foo", "\"42\"", "<<\"42\">>", "{1}", "[]"}) {
      CAPTURE(text);
      try {
        (void)term::from_term<number>(parsed(text));
        FAIL("no exception");
      } catch (term::bad_conversion const& e) {
        CHECK(e.expected() == "a number");
        CHECK(e.got() == parsed(text));
        CHECK(std::string(e.what()).starts_with("expected a number, got "));
      }
    }
  }

  TEST_CASE("number: integer op integer stays an integer, any float makes a float") {
    number six = 6, seven = 7, six_f = 6.0;
    CHECK(shown(six * seven) == "42");
    CHECK(shown(six_f * seven) == "42.0");
    CHECK(shown(seven * six_f) == "42.0");
    CHECK(shown(six + seven) == "13");
    CHECK(shown(six - seven) == "-1");
    CHECK(shown(six + 0.5) == "6.5");
    CHECK(shown(1.5 - six) == "-4.5");
    CHECK(shown(-six) == "-6");
    CHECK(shown(-six_f) == "-6.0");
    auto n = six;
    n += 1;
    n *= 2;
    n -= 4;
    CHECK(shown(n) == "10");
    n /= 4;
    CHECK(shown(n) == "2.5");
  }

  TEST_CASE("number: / is always a float, and / 0 is badarith") {
    CHECK(shown(number(6) / 3) == "2.0");
    CHECK(shown(number(7) / 2) == "3.5");
    CHECK((number(6) / number(3)).is_float());
    CHECK_THROWS_AS(number(1) / 0, term::bad_arithmetic);
    CHECK_THROWS_AS(number(1) / 0.0, term::bad_arithmetic);
    CHECK_THROWS_AS(number(1.0) / -0.0, term::bad_arithmetic);
    CHECK_THROWS_AS(number(1e308) * 10, term::bad_arithmetic); // no infinities in Erlang
    CHECK_THROWS_AS((void)number(std::numeric_limits<double>::infinity()), std::invalid_argument);
  }

  TEST_CASE("number: overflowing 64 bits makes a bignum, and back") {
    auto over = number(max64) + 1;
    CHECK(over.is_integer());
    CHECK(!over.is_small());
    CHECK(shown(over) == "9223372036854775808");
    CHECK(term::to_term(over) == parsed("9223372036854775808"));
    auto back = over - 1;
    CHECK(back.is_small());
    CHECK(back.as_int() == max64);
    CHECK(shown(number(min64) - 1) == "-9223372036854775809");
    CHECK(shown(-number(min64)) == "9223372036854775808");
    CHECK(shown(number(max64) * max64) == "85070591730234615847396907784232501249");
    auto big = number(pow2(100));
    CHECK(shown(big * big - pow2(200)) == "0");
    CHECK((big * big - pow2(200)).is_small());
    CHECK(shown(big + 0.5) == "1.2676506002282294e30");
    CHECK(number(std::numeric_limits<std::uint64_t>::max()).as_big_int() ==
          term::big_int(std::numeric_limits<std::uint64_t>::max()));
    auto huge = number(pow2(1100)); // beyond the doubles
    CHECK_THROWS_AS(huge + 1.0, term::bad_arithmetic);
    CHECK_THROWS_AS(huge / 2, term::bad_arithmetic);
    CHECK((huge + 1).is_integer());
  }

  TEST_CASE("number: == and <=> compare as Erlang's == and <, =:= is exactly_equal") {
    CHECK(number(1) == number(1.0));
    CHECK(!exactly_equal(number(1), number(1.0)));
    CHECK(exactly_equal(number(1), number(1)));
    CHECK(number(0.0) == number(-0.0));
    CHECK(!exactly_equal(number(0.0), number(-0.0)));
    CHECK(number(1) < number(1.5));
    CHECK(number(2) > number(1.5));
    CHECK(number(-3) < 2);
    CHECK(number(max64) + 1 > number(max64));
    CHECK(number(min64) - 1 < number(min64));
    // 2^53 + 1 is no double: Erlang compares exactly, it does not round the integer.
    auto two53 = std::int64_t{1} << 53;
    CHECK(number(two53 + 1) > number(static_cast<double>(two53)));
    CHECK(number(two53 + 1) != number(static_cast<double>(two53)));
    auto big = number(pow2(100));
    CHECK(big == number(1267650600228229401496703205376.0));
    CHECK(big + 1 > number(1267650600228229401496703205376.0));
    CHECK(big > 1e20);
    CHECK(-big < -1e20);
  }

  TEST_CASE("number: accessors and printing") {
    CHECK(number().is_integer());
    CHECK(number().as_int() == 0);
    CHECK(number(2.5).to_double() == 2.5);
    CHECK(number(7).to_double() == 7.0);
    CHECK(number(pow2(70)).to_double() == 1180591620717411303424.0);
    CHECK(number(7).to_int() == 7);
    CHECK(number(7.0).to_int() == std::nullopt);
    CHECK(number(std::uint8_t{200}).as_int() == 200);
    CHECK(number(2.5f).as_float() == 2.5);
    std::ostringstream os;
    os << number(42) << ' ' << number(42.0);
    CHECK(os.str() == "42 42.0");
  }

  TEST_CASE("number: as the arguments and result of a function, as mathx:mul/2 sees it") {
    // What node/functions.hpp does for `[](number a, number b) { return a * b; }`.
    auto mul = [](std::vector<value> const& args) {
      auto const a = term::from_term<number>(args[0]);
      auto const b = term::from_term<number>(args[1]);
      return term::to_term(a * b);
    };
    CHECK(mul({value(6), value(7)}) == value(42));
    CHECK(mul({value(6.0), value(7)}) == value(42.0));
    CHECK(mul({value(max64), value(2)}) == parsed("18446744073709551614"));
    CHECK_THROWS_AS(mul({value(6), value(term::atom("seven"))}), term::bad_conversion);
    static_assert(term::convertible<number>);
    static_assert(term::convertible<std::vector<number>>);
  }
}
