#include <enode/runtime/pattern.hpp>

#include "common/term.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

namespace enode::runtime {

namespace {
using testing::t;
} // namespace

TEST_SUITE("runtime") {

  TEST_CASE("pattern: literals match equal terms only") {
    pattern p{"{ok, 1, <<\"x\">>}"};
    CHECK(p.matches(t("{ok, 1, <<\"x\">>}")));
    CHECK(!p.matches(t("{ok, 1.0, <<\"x\">>}")));
    CHECK(!p.matches(t("{ok, 1}")));
  }

  TEST_CASE("pattern: '_' matches anything, '$N' binds") {
    pattern p{"{reply, '$1', '_', '$2'}"};
    auto m = p.match(t("{reply, [1,2], whatever, #{a => b}}"));
    REQUIRE(m);
    REQUIRE(m->size() == 2);
    CHECK((*m)[0] == t("[1,2]"));
    CHECK((*m)[1] == t("#{a => b}"));
    CHECK(!p.match(t("{reply, 1, 2}")));
    CHECK(!p.matches(t("[reply, 1, 2, 3]")));
  }

  TEST_CASE("pattern: a variable used twice matches equal terms, [] included") {
    pattern p{"{'$1', '$1'}"};
    CHECK(p.matches(t("{a, a}")));
    CHECK(!p.matches(t("{a, b}")));
    CHECK(p.matches(t("{[], []}")));
    CHECK(!p.matches(t("{[], 5}")));
  }

  TEST_CASE("pattern: lists match element-wise and the tail takes the rest") {
    pattern p{"['$1' | '$2']"};
    auto m = p.match(t("[1, 2, 3]"));
    REQUIRE(m);
    CHECK((*m)[0] == t("1"));
    CHECK((*m)[1] == t("[2, 3]"));
    CHECK(!p.matches(t("[]")));
    pattern exact{"[a, '_']"};
    CHECK(exact.matches(t("[a, b]")));
    CHECK(!exact.matches(t("[a, b, c]")));
    CHECK(pattern{"[alias | '_']"}.matches(t("[alias | #Ref<'a@b':1.2.3.4>]")));
  }

  TEST_CASE("pattern: maps match when the pattern's keys are present with matching values") {
    CHECK(!pattern::parse("#{type := x}")); // := is Erlang pattern syntax, not a term: refused
    pattern q{"#{type => '$1'}"};
    auto m = q.match(t("#{type => click, x => 3}"));
    REQUIRE(m);
    CHECK((*m)[0] == t("click"));
    CHECK(!q.matches(t("#{x => 3}")));
  }

  TEST_CASE("pattern: bad text is refused") {
    CHECK(!pattern::parse("{unclosed"));
    CHECK_THROWS_AS(pattern{"{unclosed"}, std::invalid_argument);
  }

} // TEST_SUITE
} // namespace enode::runtime
