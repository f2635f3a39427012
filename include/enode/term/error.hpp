#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/error.hpp>

#include <type_traits>

namespace enode::term {

/// Errors of the term module (category "enode.term").
enum class error {
  /// The input ends inside a term: read more bytes and try again.
  need_more = 1,
  /// The input does not start with the version byte 131.
  bad_version,
  /// A tag byte that the external term format does not define, or one not allowed here.
  bad_tag,
  /// A length or count larger than the remaining input could possibly hold.
  bad_length,
  /// Nesting deeper than `decode_options::max_depth` (or the parser's limit).
  too_deep,
  /// An atom name, or an atom being made, that is not valid UTF-8.
  bad_utf8,
  /// An atom longer than 255 characters.
  atom_too_long,
  /// The atom table reached `atom::limit()`.
  atom_table_full,
  /// An atom that does not exist yet, where only existing atoms were allowed.
  unknown_atom,
  /// Bytes left over after a complete term.
  trailing_bytes,
  /// A float that Erlang cannot hold (NaN, infinity) or an unreadable FLOAT_EXT string.
  bad_float,
  /// A BIT_BINARY_EXT without bytes, or whose bit count is outside 1..8.
  bad_bitstring,
  /// A map with the same key twice.
  duplicate_map_key,
  /// Compressed data (tag 80) that zlib cannot inflate, or inflating to another size than announced.
  bad_compression,
  /// Data that would expand past `decode_options::max_size`.
  too_large,
  /// ATOM_CACHE_REF without a cache, or to an empty slot.
  bad_atom_cache_ref,
  /// LOCAL_EXT (tag 121): node-local encoding that no other node can decode.
  local_ext,
  /// A reference with no identifier words, or more than 5.
  bad_reference,
  /// A NEW_FUN_EXT whose fields or size do not add up; or the removed FUN_EXT.
  bad_fun,
  /// A node, module or function field that is not an atom.
  expected_atom,
  /// Text that is not valid Erlang term syntax.
  syntax_error,
};

/// The category behind term errors.
error_category const& term_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), term_category()}; }

} // namespace enode::term

// What makes the enum an error_code; left out of the API reference.
/// @cond
template <>
struct boost::system::is_error_code_enum<enode::term::error> : std::true_type {};
/// @endcond

#pragma GCC visibility pop
