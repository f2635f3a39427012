#pragma once

// Byte literals and hex, for the tests of the codecs.
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace enode::testing {

inline std::vector<std::byte> bytes(std::initializer_list<int> xs) {
  std::vector<std::byte> v;
  for (int x : xs) v.push_back(static_cast<std::byte>(x));
  return v;
}

inline std::vector<std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<std::byte const*>(s.data()), reinterpret_cast<std::byte const*>(s.data()) + s.size()};
}

/// Lower-case hex, two digits a byte, no separators.
inline std::string hex(std::span<std::byte const> b) {
  static char const* digits = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    auto v = std::to_integer<unsigned>(x);
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

} // namespace enode::testing
