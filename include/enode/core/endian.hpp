#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

/// Big-endian loads and stores on raw bytes: every multi-byte integer on Erlang's wire
/// is big-endian. Callers check bounds; these never do.
namespace enode::endian {

namespace detail {
template <class U>
constexpr U byteswap(U v) noexcept {
  if constexpr (sizeof(U) == 2)
    return static_cast<U>(__builtin_bswap16(v));
  else if constexpr (sizeof(U) == 4)
    return static_cast<U>(__builtin_bswap32(v));
  else if constexpr (sizeof(U) == 8)
    return static_cast<U>(__builtin_bswap64(v));
  else
    return v;
}
} // namespace detail

template <class U>
inline U load_be(std::byte const* p) noexcept {
  U v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) v = detail::byteswap(v);
  return v;
}

template <class U>
inline void store_be(std::byte* p, U v) noexcept {
  if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) v = detail::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

inline std::uint8_t load_u8(std::byte const* p) noexcept { return std::to_integer<std::uint8_t>(*p); }
inline std::uint16_t load_u16(std::byte const* p) noexcept { return load_be<std::uint16_t>(p); }
inline std::uint32_t load_u32(std::byte const* p) noexcept { return load_be<std::uint32_t>(p); }
inline std::uint64_t load_u64(std::byte const* p) noexcept { return load_be<std::uint64_t>(p); }

} // namespace enode::endian

#pragma GCC visibility pop
