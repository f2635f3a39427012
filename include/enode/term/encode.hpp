#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace enode::term {

/// How to encode. The output is what `term_to_binary(T, [{minor_version, 2}])` writes:
/// UTF-8 atom tags, NEW_FLOAT_EXT, NEW_PID_EXT, NEW_PORT_EXT or V4_PORT_EXT,
/// NEWER_REFERENCE_EXT, STRING_EXT for short lists of bytes.
struct encode_options {
  /// Ports: false writes NEW_PORT_EXT for port numbers below 2^28 and V4_PORT_EXT above,
  /// as OTP 25 does; true writes V4_PORT_EXT always, as OTP 26 and later do. Every
  /// release from OTP 24 on reads both.
  bool v4_ports = false;
  /// Compress with zlib at this level (0..9) as `term_to_binary(T, [{compressed, L}])`
  /// does: the compressed form (tag 80) is used only when it is smaller. -1: never.
  int compression_level = -1;
};

/// Bytes that `encode_body(v, out, opts)` writes (no version byte, no compression).
[[nodiscard]] std::size_t encoded_size(value const& v, encode_options const& opts = {});

/// Writes `v` without version byte into `out`, which must hold `encoded_size(v, opts)`
/// bytes; returns the bytes written. The form inside a distribution header.
std::size_t encode_body(value const& v, std::span<std::byte> out, encode_options const& opts = {}) noexcept;

/// A binary that a gathered encoding refers to instead of copying: its bytes belong at
/// `at` in the encoding; `owner`, the binary term, keeps them alive.
struct splice {
  std::size_t at = 0;
  std::span<std::byte const> bytes;
  value owner;
};

/// Bytes of `v`'s encoding that lie in binaries of at least `threshold` bytes: what
/// `encode_body_gathered` refers to rather than writes.
[[nodiscard]] std::size_t spliced_size(value const& v, std::size_t threshold);

/// As `encode_body`, but the bytes of binaries of at least `threshold` bytes are not
/// copied: `out`, which must hold `encoded_size(v, opts) - spliced_size(v, threshold)`
/// bytes, gets all the rest (their tags and lengths included), and `splices` one entry
/// per such binary, in order, its position counted in the whole encoding plus `base`.
/// Returns the bytes written to `out`. So a large binary goes to a socket from where it
/// lies, as one buffer of a gathered write.
std::size_t encode_body_gathered(value const& v, std::span<std::byte> out, std::size_t threshold,
                                 std::vector<splice>& splices, std::size_t base = 0, encode_options const& opts = {});

/// The standalone external form: version byte 131, then the term, compressed on request.
[[nodiscard]] std::vector<std::byte> encode(value const& v, encode_options const& opts = {});

/// Appends the standalone external form of `v` to `out`.
void encode_append(value const& v, std::vector<std::byte>& out, encode_options const& opts = {});

} // namespace enode::term

#pragma GCC visibility pop
