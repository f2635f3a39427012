#include <enode/term/integer.hpp>

#include <doctest/doctest.h>

#include <limits>

namespace term = enode::term;

TEST_SUITE("term") {
  TEST_CASE("integer: values that fit 64 bits are small, others bignums") {
    term::big_int max64 = std::numeric_limits<std::int64_t>::max();
    CHECK(term::make_integer(max64).is_small());
    CHECK(!term::make_integer(max64 + 1).is_small());
    term::big_int min64 = std::numeric_limits<std::int64_t>::min();
    CHECK(term::make_integer(min64).is_small());
    CHECK(!term::make_integer(min64 - 1).is_small());
    CHECK(term::make_integer(term::big_int(7)) == term::value(7));
  }

  TEST_CASE("integer: to_big_int round-trips") {
    term::big_int x("-123456789012345678901234567890");
    CHECK(term::to_big_int(term::make_integer(x)) == x);
    CHECK(term::to_big_int(term::value(-5)) == -5);
  }
}
