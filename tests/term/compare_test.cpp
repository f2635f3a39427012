#include <enode/term/compare.hpp>

#include <enode/term/integer.hpp>
#include <enode/term/print.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

namespace term = enode::term;
using term::atom;
using term::value;

namespace {
value pid(char const* node, std::uint32_t creation, std::uint32_t id, std::uint32_t serial) {
  return value(term::pid{atom(node), id, serial, creation});
}
value ref(char const* node, std::uint32_t creation, std::vector<std::uint32_t> words) {
  term::reference r{atom(node), creation, static_cast<std::uint8_t>(words.size()), {}};
  std::copy(words.begin(), words.end(), r.words.begin());
  return value(r);
}
value port(char const* node, std::uint32_t creation, std::uint64_t id) {
  return value(term::port{atom(node), id, creation});
}
value bits(std::vector<int> bytes, unsigned trailing) {
  std::vector<std::byte> b;
  for (int x : bytes) b.push_back(static_cast<std::byte>(x));
  return value(term::binary::bitstring(b, trailing));
}
} // namespace

TEST_SUITE("term") {
  TEST_CASE("compare: kinds follow Erlang's term order") {
    // number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring
    std::vector<value> ordered = {
        value(1),          value(atom("a")),    ref("a@h", 1, {1}),  value(term::external_fun{atom("m"), atom("f"), 1}),
        port("a@h", 1, 1), pid("a@h", 1, 1, 0), term::tuple_of({}),  term::map_of({}),
        value(),           term::list_of({1}),  term::binary_of(""),
    };
    for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
      CAPTURE(i);
      CHECK(term::compare(ordered[i], ordered[i + 1]) < 0);
      CHECK(ordered[i] < ordered[i + 1]);
    }
  }

  TEST_CASE("compare: numbers compare by value, exact order puts integers first") {
    CHECK(term::equal(value(1), value(1.0)));
    CHECK(value(1) != value(1.0));
    CHECK(value(1) < value(1.0));
    CHECK(value(2) < value(0.5)); // map key order: every integer before every float
    CHECK(term::compare(value(2), value(0.5)) > 0);
    CHECK(term::equal(value(0.0), value(-0.0)));
    CHECK(value(0.0) != value(-0.0));
    CHECK(value(-0.0) < value(0.0));
    term::big_int two64 = term::big_int(1) << 64;
    CHECK(term::equal(term::make_integer(two64), value(18446744073709551616.0)));
    CHECK(term::compare(term::make_integer(two64 + 1), value(18446744073709551616.0)) > 0);
    CHECK(term::compare(term::make_integer(-two64), value(-1.0e300)) > 0);
    CHECK(term::compare(value(INT64_MAX), value(9223372036854775808.0)) < 0);
    CHECK(term::compare(value(3), value(2.5)) > 0);
    CHECK(term::compare(value(-3), value(-2.5)) < 0);
    CHECK(term::compare(term::make_integer(-two64), value(1)) < 0);
  }

  TEST_CASE("compare: pids by serial, id, node, creation (as OTP 25 sorts them)") {
    CHECK(pid("b@h", 9, 1, 0) < pid("a@h", 1, 2, 0));
    CHECK(pid("b@h", 9, 9, 0) < pid("a@h", 1, 1, 1));
    CHECK(pid("a@h", 2, 1, 0) < pid("ab@h", 1, 1, 0));
    CHECK(pid("a@h", 1, 1, 0) < pid("a@h", 2, 1, 0));
  }

  TEST_CASE("compare: references by node, creation, size, then words from the last") {
    CHECK(ref("a@h", 1, {5}) < ref("a@h", 1, {1, 1}));
    CHECK(ref("a@h", 1, {2, 1, 3}) < ref("a@h", 1, {1, 2, 3}));
    CHECK(ref("a@h", 1, {1, 2, 4}) < ref("a@h", 1, {0, 0, 0, 0, 1}));
    CHECK(ref("a@h", 1, {0, 0, 0, 0, 1}) < ref("a@h", 2, {5}));
    CHECK(ref("a@h", 2, {5}) < ref("b@h", 1, {5}));
  }

  TEST_CASE("compare: ports by node, creation, id") {
    CHECK(port("a@h", 1, 1ull << 40) < port("a@h", 2, 1));
    CHECK(port("a@h", 2, 1) < port("b@h", 1, 1));
  }

  TEST_CASE("compare: tuples by arity first, maps by size then keys then values") {
    CHECK(term::tuple_of({atom("z")}) < term::tuple_of({1, 1}));
    CHECK(term::map_of({{atom("z"), 1}}) < term::map_of({{1, 1}, {2, 2}}));
    CHECK(term::map_of({{1, 9}}) < term::map_of({{2, 0}}));
    CHECK(term::map_of({{1, 0}}) < term::map_of({{1, 9}}));
    // Keys compare exactly even under arithmetic comparison.
    CHECK(term::compare(term::map_of({{1, 0}}), term::map_of({{1.0, 0}})) < 0);
    CHECK(term::equal(term::map_of({{1, 1}}), term::map_of({{1, 1.0}})));
  }

  TEST_CASE("compare: lists compare like cons cells") {
    CHECK(term::list_of({1, 2}) < term::list_of({1, 2, 3}));
    CHECK(term::list_of({1, 3}) > term::list_of({1, 2, 3}));
    CHECK(term::list_of(std::vector<value>{1}, atom("x")) < term::list_of({1, 2}));
    CHECK(term::list_of(std::vector<value>{1}, term::binary_of("")) > term::list_of({1, 2}));
    CHECK(value() < term::list_of({1}));
  }

  TEST_CASE("compare: bitstrings bit by bit, a prefix first") {
    CHECK(term::binary_of("ab") < term::binary_of("abc"));
    CHECK(term::binary_of("abc") < term::binary_of("abd"));
    CHECK(bits({1}, 1) < term::binary_of(std::string_view("\x80", 1)));
    CHECK(bits({0x80}, 1) < term::binary_of(std::string_view("\x80", 1)));
    CHECK(term::binary_of("") < bits({0}, 1));
  }

  TEST_CASE("compare: sorting mixed numbers orders them by value") {
    std::vector<value> xs = {2, 1.0, 1, 0.5};
    std::stable_sort(xs.begin(), xs.end(), [](value const& a, value const& b) { return term::compare(a, b) < 0; });
    CHECK(xs.front() == value(0.5));
    CHECK(xs.back() == value(2));
    std::sort(xs.begin(), xs.end()); // exact order: integers, then floats
    CHECK(term::to_string(term::list_of(xs)) == "[1,2,0.5,1.0]");
  }
}
