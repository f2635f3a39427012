#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <cstdint>

namespace enode::term {

/// The version byte that starts a standalone external-format term.
inline constexpr std::uint8_t version_magic = 131;

/// Tags of the external term format (erts/doc/guides/erl_ext_dist.md), one table.
enum class tag : std::uint8_t {
  compressed = 80,           ///< 'P': u32 size, zlib stream
  atom_cache_ref = 82,       ///< 'R': index into the distribution header's atom list
  bit_binary_ext = 77,       ///< 'M'
  new_float_ext = 70,        ///< 'F': IEEE 754 big-endian
  new_pid_ext = 88,          ///< 'X': since OTP 19, 32-bit creation
  new_port_ext = 89,         ///< 'Y': since OTP 19
  newer_reference_ext = 90,  ///< 'Z': since OTP 19
  small_integer_ext = 97,    ///< 'a'
  integer_ext = 98,          ///< 'b'
  float_ext = 99,            ///< 'c': legacy 31-byte string, decode only
  atom_ext = 100,            ///< 'd': legacy Latin-1, decode only
  reference_ext = 101,       ///< 'e': legacy, decode only
  port_ext = 102,            ///< 'f': legacy, decode only
  pid_ext = 103,             ///< 'g': legacy, decode only
  small_tuple_ext = 104,     ///< 'h'
  large_tuple_ext = 105,     ///< 'i'
  nil_ext = 106,             ///< 'j'
  string_ext = 107,          ///< 'k': bytes that stand for a list of small integers
  list_ext = 108,            ///< 'l'
  binary_ext = 109,          ///< 'm'
  small_big_ext = 110,       ///< 'n'
  large_big_ext = 111,       ///< 'o'
  new_fun_ext = 112,         ///< 'p'
  export_ext = 113,          ///< 'q'
  new_reference_ext = 114,   ///< 'r': legacy, decode only
  small_atom_ext = 115,      ///< 's': legacy Latin-1, decode only
  map_ext = 116,             ///< 't': since OTP 17
  fun_ext = 117,             ///< 'u': removed in OTP 23, rejected
  atom_utf8_ext = 118,       ///< 'v'
  small_atom_utf8_ext = 119, ///< 'w'
  v4_port_ext = 120,         ///< 'x': since OTP 24, 64-bit port ids
  local_ext = 121,           ///< 'y': OTP 26+, node-local, rejected
};

} // namespace enode::term

#pragma GCC visibility pop
