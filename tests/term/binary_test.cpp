#include <enode/term/binary.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using enode::term::binary;

TEST_SUITE("term") {
  TEST_CASE("binary: copies, shares and compares") {
    binary a(std::string_view("hello"));
    binary b = a;
    CHECK(a.data() == b.data());
    CHECK(a == binary(std::string_view("hello")));
    CHECK(!(a == binary(std::string_view("hellO"))));
    CHECK(a.size() == 5);
    CHECK(a.bit_size() == 40);
    CHECK(a.is_binary());
    CHECK(binary().empty());
  }

  TEST_CASE("binary: large sub-binaries share their parent's bytes") {
    std::string s(1000, 'x');
    s[500] = 'y';
    binary parent(s);
    binary sub = parent.sub(500, 200);
    CHECK(sub.data() == parent.data() + 500);
    CHECK(sub.size() == 200);
    CHECK(sub.view()[0] == 'y');
    binary subsub = sub.sub(10, 100);
    CHECK(subsub.data() == parent.data() + 510);
    binary small = parent.sub(0, 3);
    CHECK(small.data() != parent.data()); // short ones copy
    CHECK(small.view() == "xxx");
  }

  TEST_CASE("binary: a sub-binary keeps its storage alive") {
    binary sub;
    {
      binary parent(std::string(4096, 'q'));
      sub = parent.sub(1000, 1000);
    }
    CHECK(sub.view() == std::string(1000, 'q'));
  }

  TEST_CASE("binary: bitstrings clear the unused low bits") {
    std::byte b[2] = {std::byte{0xFF}, std::byte{0xFF}};
    binary bits = binary::bitstring(b, 3);
    CHECK(bits.bit_size() == 11);
    CHECK(!bits.is_binary());
    CHECK(bits.trailing_bits() == 3);
    CHECK(bits.data()[1] == std::byte{0xE0});
    CHECK_THROWS_AS(binary::bitstring(b, 8), std::invalid_argument);
    CHECK_THROWS_AS(binary::bitstring({}, 1), std::invalid_argument);
  }
}
