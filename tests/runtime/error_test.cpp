#include <enode/runtime/error.hpp>

#include <doctest/doctest.h>

namespace enode::runtime {

TEST_SUITE("runtime") {

  TEST_CASE("error: every runtime error has a message and the enode.runtime category") {
    for (int e = static_cast<int>(error::not_registered); e <= static_cast<int>(error::would_deadlock); ++e) {
      error_code ec = static_cast<error>(e);
      CAPTURE(e);
      CHECK(std::string(ec.category().name()) == "enode.runtime");
      CHECK(!ec.message().empty());
      CHECK(ec.message() != "unknown runtime error");
    }
  }

} // TEST_SUITE
} // namespace enode::runtime
