#include <enode/core/result.hpp>

#include <doctest/doctest.h>

#include <boost/system/errc.hpp>

#include <string>

TEST_SUITE("core") {
  TEST_CASE("result: holds a value or an error_code") {
    enode::result<std::string> ok(std::string("x"));
    CHECK(ok.has_value());
    CHECK(*ok == "x");
    CHECK(ok->size() == 1);
    CHECK(!ok.error());

    enode::result<std::string> bad(enode::unexpected(make_error_code(boost::system::errc::invalid_argument)));
    CHECK(!bad);
    CHECK(bad.error() == boost::system::errc::invalid_argument);
  }

  TEST_CASE("result<void>: success or error") {
    enode::result<void> ok;
    CHECK(ok);
    enode::result<void> bad(enode::unexpected(make_error_code(boost::system::errc::timed_out)));
    CHECK(!bad);
    CHECK(bad.error() == boost::system::errc::timed_out);
  }

  TEST_CASE("result: moves its value out") {
    enode::result<std::string> r(std::string(100, 'a'));
    std::string s = std::move(r).value();
    CHECK(s.size() == 100);
  }
}
