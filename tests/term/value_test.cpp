#include <enode/term/value.hpp>

#include <enode/term/integer.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_set>

namespace term = enode::term;
using term::atom;
using term::value;

TEST_SUITE("term") {
  TEST_CASE("value: immediates and their kinds") {
    CHECK(value().is_nil());
    CHECK(value().type() == term::kind::nil);
    CHECK(value(42).as_int() == 42);
    CHECK(value(42).type() == term::kind::integer);
    CHECK(value(-1.5).as_float() == -1.5);
    CHECK(value(-1.5).type() == term::kind::float_);
    CHECK(value(atom("ok")).is_atom("ok"));
    CHECK(value(true).is_atom("true"));
    CHECK(value(false).is_boolean());
    CHECK(!value(atom("maybe")).is_boolean());
    CHECK(value('a').as_int() == 97);
    CHECK(sizeof(value) == 16);
  }

  TEST_CASE("value: unsigned 64-bit values past INT64_MAX become bignums") {
    value v(std::numeric_limits<std::uint64_t>::max());
    CHECK(v.is_integer());
    CHECK(!v.is_small());
    CHECK(term::to_big_int(v) == term::big_int("18446744073709551615"));
    CHECK(value(std::uint64_t{5}).is_small());
  }

  TEST_CASE("value: Erlang has no NaN or infinity") {
    CHECK_THROWS_AS(value(std::nan("")), std::invalid_argument);
    CHECK_THROWS_AS(value{std::numeric_limits<double>::infinity()}, std::invalid_argument);
  }

  TEST_CASE("value: tuples") {
    value t = term::tuple_of({atom("ok"), 1, 2.5});
    CHECK(t.is_tuple());
    CHECK(t.arity() == 3);
    CHECK(t[0].is_atom("ok"));
    CHECK(t[2].as_float() == 2.5);
    CHECK(term::tuple_of({}).arity() == 0);
  }

  TEST_CASE("value: lists are canonical whatever way they are built") {
    value l = term::list_of({1, 2, 3});
    CHECK(l.is_proper_list());
    CHECK(l.list_elements().size() == 3);
    value spliced = term::list_of(std::vector<value>{1}, term::list_of({2, 3}));
    CHECK(spliced == l);
    CHECK(spliced.list_elements().size() == 3);
    value improper = term::list_of(std::vector<value>{1, 2}, atom("x"));
    CHECK(improper.is_list());
    CHECK(!improper.is_proper_list());
    CHECK(improper.list_tail().is_atom("x"));
    CHECK(term::list_of(std::vector<value>{}, atom("x")).is_atom("x"));
    CHECK(term::list_of({}).is_nil());
  }

  TEST_CASE("value: maps sort keys and keep the last of repeated keys") {
    value m = term::map_of({{atom("b"), 1}, {atom("a"), 2}, {atom("b"), 3}});
    REQUIRE(m.map_entries().size() == 2);
    CHECK(m.map_entries()[0].key.is_atom("a"));
    CHECK(m.find(atom("b"))->as_int() == 3);
    CHECK(m.find(atom("c")) == nullptr);
    // Integer keys sort before float keys, as in OTP's map key order.
    value n = term::map_of({{1.0, atom("f")}, {2, atom("i")}});
    CHECK(n.map_entries()[0].key.as_int() == 2);
    CHECK(n.find(1) == nullptr);
    CHECK(n.find(1.0)->is_atom("f"));
  }

  TEST_CASE("value: strings are lists of code points") {
    value s = term::string_of("aж");
    REQUIRE(s.list_elements().size() == 2);
    CHECK(s.list_elements()[1].as_int() == 0x436);
    CHECK(term::string_of("").is_nil());
    CHECK_THROWS_AS(term::string_of("\xFF"), std::invalid_argument);
  }

  TEST_CASE("value: pids, ports, references and funs") {
    term::pid p{atom("a@h"), 1, 2, 3};
    value v(p);
    CHECK(v.is_pid());
    CHECK(v.as_pid() == p);
    term::port o{atom("a@h"), 1ull << 40, 7};
    CHECK(value(o).as_port().id == (1ull << 40));
    term::reference r{atom("a@h"), 9, 3, {1, 2, 3, 0, 0}};
    CHECK(value(r).as_reference().ids().size() == 3);
    term::external_fun f{atom("lists"), atom("map"), 2};
    CHECK(value(f).is_fun());
    CHECK(value(f).is_external_fun());
    CHECK(value(f).type() == term::kind::fun);
  }

  TEST_CASE("value: copies share nodes, moves leave []") {
    value a = term::tuple_of({1, 2});
    value b = a;
    CHECK(a.node() == b.node());
    value c = std::move(a);
    CHECK(a.is_nil()); // NOLINT(bugprone-use-after-move)
    CHECK(c == b);
    b = c;
    CHECK(b.node() == c.node());
  }

  TEST_CASE("value: dropping a deeply nested term does not recurse") {
    value v;
    for (int i = 0; i < 1'000'000; ++i) v = term::tuple_of({std::move(v)});
    CHECK(v.is_tuple());
    v = value(); // frees a million nested tuples without a deep call stack
    CHECK(v.is_nil());
  }

  TEST_CASE("value: hash agrees with ==") {
    std::unordered_set<value> set;
    set.insert(term::tuple_of({1, atom("a")}));
    set.insert(term::tuple_of({1, atom("a")}));
    set.insert(term::tuple_of({1.0, atom("a")}));
    set.insert(term::list_of(std::vector<value>{1}, term::list_of({2})));
    set.insert(term::list_of({1, 2}));
    CHECK(set.size() == 3);
    CHECK(value(0.0).hash() != value(-0.0).hash());
  }
}
