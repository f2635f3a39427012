#include <enode/version.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_SUITE("core") {
  TEST_CASE("version: the library's version is the headers' in every form") {
    std::string const parts = std::to_string(ENODE_VERSION_MAJOR) + "." + std::to_string(ENODE_VERSION_MINOR) + "." +
                              std::to_string(ENODE_VERSION_PATCH);
    CHECK(enode::version() == parts);
    CHECK(std::string(ENODE_VERSION_STRING) == parts);
    CHECK(ENODE_VERSION == ENODE_VERSION_MAJOR * 10000 + ENODE_VERSION_MINOR * 100 + ENODE_VERSION_PATCH);
    CHECK(ENODE_VERSION >= 200); // 0.2.0, the first release with a version
  }
}
