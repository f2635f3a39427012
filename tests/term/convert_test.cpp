#include <enode/term/convert.hpp>

#include "term/test_util.hpp"
#include <enode/term/integer.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace term = enode::term;
using term::atom;
using term::from_term;
using term::to_term;
using term::value;
using term::test::parsed;

TEST_SUITE("term") {
  TEST_CASE("convert: scalars both ways") {
    CHECK(to_term(42) == value(42));
    CHECK(from_term<int>(value(42)) == 42);
    CHECK(to_term(true) == value(atom("true")));
    CHECK(from_term<bool>(value(atom("false"))) == false);
    CHECK(to_term(2.5) == value(2.5));
    CHECK(from_term<double>(value(2.5)) == 2.5);
    CHECK(from_term<double>(value(3)) == 3.0); // an integer where a number is wanted
    CHECK(to_term(atom("x")) == value(atom("x")));
    CHECK(from_term<atom>(value(atom("x"))) == atom("x"));
    CHECK(to_term(std::string("héllo")) == term::binary_of("héllo"));
    CHECK(to_term("lit") == term::binary_of("lit"));
    CHECK(to_term(std::string_view("sv")) == term::binary_of("sv"));
  }

  TEST_CASE("convert: integers are range-checked, big ones kept whole") {
    CHECK_THROWS_AS(from_term<std::int8_t>(value(128)), term::bad_conversion);
    CHECK(from_term<std::int8_t>(value(-128)) == -128);
    CHECK_THROWS_AS(from_term<unsigned>(value(-1)), term::bad_conversion);
    CHECK(from_term<std::uint64_t>(value(UINT64_MAX)) == UINT64_MAX); // a bignum on the Erlang side
    auto big = parsed("1267650600228229401496703205377");             // (1 bsl 100) + 1
    CHECK_THROWS_AS(from_term<std::int64_t>(big), term::bad_conversion);
    auto b = from_term<term::big_int>(big);
    CHECK(to_term(term::big_int(b + 1)) == parsed("1267650600228229401496703205378"));
    CHECK_THROWS_AS(from_term<term::big_int>(value(1.0)), term::bad_conversion);
  }

  TEST_CASE("convert: strings from binaries, charlists and atoms") {
    CHECK(from_term<std::string>(term::binary_of("abc")) == "abc");
    CHECK(from_term<std::string>(term::string_of("añ€")) == "añ€");
    CHECK(from_term<std::string>(value(atom("ok"))) == "ok");
    CHECK(from_term<std::string>(value()) == "");
    CHECK_THROWS_AS(from_term<std::string>(parsed("[1|2]")), term::bad_conversion);
    CHECK_THROWS_AS(from_term<std::string>(parsed("[-1]")), term::bad_conversion);
    CHECK_THROWS_AS(from_term<std::string>(value(1)), term::bad_conversion);
    std::vector<std::byte> bytes{std::byte{0}, std::byte{255}};
    CHECK(from_term<std::vector<std::byte>>(to_term(bytes)) == bytes);
  }

  TEST_CASE("convert: containers") {
    std::vector<int> xs{1, 2, 3};
    CHECK(to_term(xs) == parsed("[1,2,3]"));
    CHECK(from_term<std::vector<int>>(parsed("[1,2,3]")) == xs);
    CHECK_THROWS_AS(from_term<std::vector<int>>(parsed("[1|2]")), term::bad_conversion);
    CHECK_THROWS_AS(from_term<std::vector<int>>(parsed("[1,a]")), term::bad_conversion);

    std::map<std::string, int> m{{"a", 1}, {"b", 2}};
    CHECK(to_term(m) == parsed("#{<<\"a\">> => 1, <<\"b\">> => 2}"));
    CHECK(from_term<std::map<std::string, int>>(to_term(m)) == m);
    std::unordered_map<int, double> um{{1, 0.5}};
    CHECK(from_term<std::unordered_map<int, double>>(parsed("#{1 => 0.5}")) == um);

    auto t = std::tuple<int, std::string, atom>{1, "x", atom("y")};
    CHECK(to_term(t) == parsed("{1,<<\"x\">>,y}"));
    CHECK(from_term<decltype(t)>(parsed("{1,\"x\",y}")) == t);
    CHECK_THROWS_AS(from_term<decltype(t)>(parsed("{1,\"x\"}")), term::bad_conversion);
    CHECK(to_term(std::pair{1, 2}) == parsed("{1,2}"));
    CHECK(from_term<std::pair<int, int>>(parsed("{1,2}")) == std::pair{1, 2});
  }

  TEST_CASE("convert: optional is undefined, or nil from Elixir") {
    CHECK(to_term(std::optional<int>{}) == value(atom("undefined")));
    CHECK(to_term(std::optional<int>{5}) == value(5));
    CHECK(from_term<std::optional<int>>(value(atom("undefined"))) == std::nullopt);
    CHECK(from_term<std::optional<int>>(value(atom("nil"))) == std::nullopt);
    CHECK(from_term<std::optional<int>>(value(7)) == 7);
  }

  TEST_CASE("convert: the error names what was expected and what came") {
    try {
      (void)from_term<int>(parsed("{a,b}"));
      FAIL("no exception");
    } catch (term::bad_conversion const& e) {
      CHECK(std::string(e.what()) == "expected an integer in -2147483648..2147483647, got {a,b}");
      CHECK(e.got() == parsed("{a,b}"));
    }
    try {
      (void)from_term<std::vector<std::string>>(parsed("[<<\"a\">>, 1]"));
      FAIL("no exception");
    } catch (term::bad_conversion const& e) {
      CHECK(std::string(e.what()) == "expected a string, got 1");
    }
    static_assert(term::convertible<std::map<int, std::vector<double>>>);
    static_assert(!term::convertible<std::string_view>);
  }
}
