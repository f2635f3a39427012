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

namespace {

// A struct of someone else's: its conversion is a specialisation.
struct stats {
  double mean;
  double max;
};

// Structs that name their fields themselves.
struct point {
  int x;
  int y;
  static auto term_fields() {
    return term::record_fields<point, "point", term::field<"x", &point::x>, term::field<"y", &point::y>>{};
  }
};

struct shape {
  std::string name;
  point origin;
  std::vector<point> corners;
  std::optional<stats> sizes;
  static auto term_fields() {
    return term::map_fields<shape, term::field<"name", &shape::name>, term::field<"origin", &shape::origin>,
                            term::field<"corners", &shape::corners>, term::field<"sizes", &shape::sizes>>{};
  }
};

// The text of the bad_conversion that converting `v` to T throws.
template <class T>
std::string failure(value const& v) {
  try {
    (void)from_term<T>(v);
  } catch (term::bad_conversion const& e) {
    return e.what();
  }
  return "no exception";
}

} // namespace

template <>
struct term::convert<stats>
    : term::map_fields<stats, term::field<"mean", &stats::mean>, term::field<"max", &stats::max>> {};

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

  TEST_CASE("convert: a struct as a map with atom keys") {
    CHECK(to_term(stats{1.5, 3.0}) == parsed("#{mean => 1.5, max => 3.0}"));
    auto s = from_term<stats>(parsed("#{mean => 1.5, max => 3}"));
    CHECK(s.mean == 1.5);
    CHECK(s.max == 3.0);
    // Extra keys are ignored: an Elixir struct's __struct__, say.
    s = from_term<stats>(parsed("#{'__struct__' => 'Elixir.Stats', max => 2.0, mean => 0.5, other => x}"));
    CHECK(s.mean == 0.5);
    CHECK(s.max == 2.0);
    CHECK(failure<stats>(parsed("#{mean => 1.5}")) ==
          "expected a map with keys mean, max (key max missing), got #{mean => 1.5}");
    CHECK(failure<stats>(parsed("#{<<\"mean\">> => 1.5, <<\"max\">> => 3.0}")) ==
          "expected a map with keys mean, max (key mean missing), got #{<<\"max\">> => 3.0,<<\"mean\">> => 1.5}");
    CHECK(failure<stats>(parsed("{1.5, 3.0}")) == "expected a map with keys mean, max, got {1.5,3.0}");
  }

  TEST_CASE("convert: a struct as a record") {
    CHECK(to_term(point{1, -2}) == parsed("{point, 1, -2}"));
    auto p = from_term<point>(parsed("{point, 3, 4}"));
    CHECK(p.x == 3);
    CHECK(p.y == 4);
    CHECK(failure<point>(parsed("{point, 3}")) == "expected a record {point, X, Y}, got {point,3}");
    CHECK(failure<point>(parsed("{pt, 3, 4}")) == "expected a record {point, X, Y}, got {pt,3,4}");
    CHECK(failure<point>(parsed("#{x => 3, y => 4}")) == "expected a record {point, X, Y}, got #{x => 3,y => 4}");
    static_assert(term::convertible<point>);
    static_assert(term::convertible<std::vector<stats>>);
  }

  TEST_CASE("convert: nested structs, vectors of structs and optional fields") {
    shape sh{"box", {0, 0}, {{0, 0}, {2, 1}}, stats{1.0, 2.0}};
    auto const t = parsed("#{name => <<\"box\">>, origin => {point, 0, 0}, corners => [{point, 0, 0}, {point, 2, 1}],"
                          "  sizes => #{mean => 1.0, max => 2.0}}");
    CHECK(to_term(sh) == t);
    auto back = from_term<shape>(t);
    CHECK(back.name == "box");
    CHECK(back.origin.x == 0);
    REQUIRE(back.corners.size() == 2);
    CHECK(back.corners[1].x == 2);
    CHECK(back.corners[1].y == 1);
    REQUIRE(back.sizes.has_value());
    CHECK(back.sizes->max == 2.0);

    sh.sizes.reset();
    CHECK(to_term(sh).find(value(atom("sizes")))->is_atom("undefined"));
    CHECK(!from_term<shape>(to_term(sh)).sizes.has_value());
    auto const elixir = parsed("#{'__struct__' => 'Elixir.Shape', name => \"box\", origin => {point, 0, 0}, "
                               "corners => [], sizes => nil}");
    CHECK(from_term<shape>(elixir).corners.empty());
  }

  TEST_CASE("convert: a field that does not convert is named, with the term that came") {
    try {
      (void)from_term<stats>(parsed("#{mean => foo, max => 3.0}"));
      FAIL("no exception");
    } catch (term::bad_conversion const& e) {
      CHECK(std::string(e.what()) == "expected a number in field mean of a map with keys mean, max, got foo");
      CHECK(e.expected() == "a number in field mean of a map with keys mean, max");
      CHECK(e.got() == value(atom("foo")));
    }
    CHECK(failure<point>(parsed("{point, 1, 2.5}")) ==
          "expected an integer in -2147483648..2147483647 in field y of a record {point, X, Y}, got 2.5");
    auto const bad_corner = parsed("#{name => <<>>, origin => {point, 0, 0}, corners => [{point, 0, 0}, {point, a, 1}],"
                                   "  sizes => undefined}");
    try {
      (void)from_term<shape>(bad_corner);
      FAIL("no exception");
    } catch (term::bad_conversion const& e) {
      CHECK(std::string(e.what()) == "expected an integer in -2147483648..2147483647 in field x of a record "
                                     "{point, X, Y} in field corners of a map with keys name, origin, corners, "
                                     "sizes, got a");
      CHECK(e.got() == value(atom("a")));
    }
    CHECK(failure<shape>(parsed("#{name => <<>>, origin => {point, 0, 0}, corners => [], sizes => #{mean => 1.0}}")) ==
          "expected a map with keys mean, max (key max missing) in field sizes of a map with keys name, origin, "
          "corners, sizes, got #{mean => 1.0}");
  }

  TEST_CASE("convert: a local struct names its fields inside itself") {
    struct sample {
      std::string host;
      std::vector<double> values;
      static auto term_fields() {
        return term::record_fields<sample, "sample", term::field<"host", &sample::host>,
                                   term::field<"values", &sample::values>>{};
      }
    };
    CHECK(to_term(sample{"a", {1.0}}) == parsed("{sample, <<\"a\">>, [1.0]}"));
    auto s = from_term<sample>(parsed("{sample, \"b\", [2, 3.5]}"));
    CHECK(s.host == "b");
    CHECK(s.values == std::vector<double>{2.0, 3.5});
  }
}
