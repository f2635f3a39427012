#include <enode/core/endian.hpp>

#include <doctest/doctest.h>

#include <array>

TEST_SUITE("core") {
  TEST_CASE("endian: loads and stores big-endian integers") {
    std::array<std::byte, 8> b{};
    enode::endian::store_be<std::uint32_t>(b.data(), 0x01020304u);
    CHECK(b[0] == std::byte{1});
    CHECK(b[3] == std::byte{4});
    CHECK(enode::endian::load_u32(b.data()) == 0x01020304u);
    enode::endian::store_be<std::uint64_t>(b.data(), 0x0102030405060708ull);
    CHECK(enode::endian::load_u64(b.data()) == 0x0102030405060708ull);
    CHECK(enode::endian::load_u16(b.data()) == 0x0102);
    CHECK(enode::endian::load_u8(b.data() + 7) == 8);
  }
}
