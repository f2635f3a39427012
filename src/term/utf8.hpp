#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// UTF-8 helpers shared by the term module. Validation lives in atom.hpp (utf8_length).
namespace enode::term::detail {

/// Appends code point `cp` (at most U+10FFFF) to `out`, UTF-8 encoded.
inline void append_utf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Calls f(code point) for each character of `s`, which must be valid UTF-8.
template <class F>
void for_each_code_point(std::string_view s, F&& f) {
  auto const* p = reinterpret_cast<unsigned char const*>(s.data());
  auto const* end = p + s.size();
  while (p < end) {
    std::uint32_t cp = *p;
    std::size_t len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
    if (len > 1) {
      cp &= (0x7Fu >> len);
      for (std::size_t i = 1; i < len && p + i < end; ++i) cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    f(cp);
    p += len;
  }
}

/// Writes Latin-1 `in` as UTF-8 into `out`, which has room for 2 * in.size() bytes;
/// returns the bytes written.
inline std::size_t latin1_to_utf8(std::string_view in, char* out) noexcept {
  std::size_t n = 0;
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out[n++] = static_cast<char>(c);
    } else {
      out[n++] = static_cast<char>(0xC0 | (c >> 6));
      out[n++] = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return n;
}

} // namespace enode::term::detail
