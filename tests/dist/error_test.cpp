#include <enode/dist/error.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace dist = enode::dist;
using dist::error;

TEST_SUITE("dist") {
  TEST_CASE("error: the category is enode.dist and every enumerator has a message of its own") {
    CHECK(std::string(dist::dist_category().name()) == "enode.dist");
    CHECK(&dist::dist_category() == &dist::dist_category());
    std::set<std::string> seen;
    for (int e = static_cast<int>(error::need_more); e <= static_cast<int>(error::challenge_refused); ++e) {
      CAPTURE(e);
      auto const msg = dist::dist_category().message(e);
      CHECK(msg != "unknown dist error");
      CHECK(!msg.empty());
      CHECK(seen.insert(msg).second);
    }
    CHECK(seen.size() == 20);
    CHECK(dist::dist_category().message(0) == "unknown dist error");
    CHECK(dist::dist_category().message(999) == "unknown dist error");
  }

  TEST_CASE("error: enumerators convert to error codes of the dist category") {
    enode::error_code ec = error::bad_digest;
    CHECK(ec);
    CHECK(&ec.category() == &dist::dist_category());
    CHECK(ec == error::bad_digest);
    CHECK(ec != error::bad_packet);
    CHECK(ec.message() == "invalid challenge digest (wrong cookie)");
    CHECK(dist::make_error_code(error::tick_timeout).value() == static_cast<int>(error::tick_timeout));
    CHECK(static_cast<int>(error::need_more) == 1); // 0 would be success
  }

  TEST_CASE("error: a dist error is distinct from a generic error of the same value") {
    enode::error_code ec = error::need_more;
    CHECK(ec != enode::error_code(1, boost::system::generic_category()));
  }
}
