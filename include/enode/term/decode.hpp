#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/term/error.hpp>
#include <enode/term/fwd.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <span>

namespace enode::term {

/// Limits and context for decoding. The defaults accept anything a BEAM node sends in
/// practice while keeping hostile input from exhausting the stack or memory.
struct decode_options {
  /// Deepest nesting of tuples, lists, maps and funs accepted.
  std::size_t max_depth = 1024;
  /// Most bytes a compressed term (tag 80) may inflate to.
  std::size_t max_inflated_size = std::size_t{256} << 20;
  /// Resolves ATOM_CACHE_REF (tag 82); without one that tag is an error.
  atom_cache const* atom_refs = nullptr;
  /// Fail with `error::unknown_atom` instead of creating atoms (binary_to_term's `safe`).
  bool existing_atoms_only = false;
  /// Binaries at least this long are decoded as sub-binaries of the input, without a
  /// copy, when the input is itself a `binary`.
  std::size_t share_threshold = 64;
};

/// A term and the number of input bytes it took.
struct decoded {
  value term;
  std::size_t size = 0;
};

/// Where decoding stopped and why.
struct decode_failure {
  error_code code;
  std::size_t offset = 0; ///< byte offset of the offending tag or field
};

/// Decodes exactly one term that starts with the version byte 131 and fills `in`.
/// Errors: `need_more` for truncated input, `trailing_bytes`, and every decoding error
/// in error.hpp. Never reads past `in`, never allocates more than the input justifies.
[[nodiscard]] result<value> decode(std::span<std::byte const> in, decode_options const& opts = {},
                                   decode_failure* failure = nullptr);

/// As above; binaries of at least `share_threshold` bytes share `in`'s storage.
[[nodiscard]] result<value> decode(binary const& in, decode_options const& opts = {},
                                   decode_failure* failure = nullptr);

/// Decodes the first term of `in`, which starts with the version byte when
/// `with_version` is set (the standalone form) and without it when not (the form inside
/// a distribution header); reports how many bytes it took. `owner`, when given, is the
/// binary that `in` points into, for sharing.
[[nodiscard]] result<decoded> decode_prefix(std::span<std::byte const> in, bool with_version,
                                            decode_options const& opts = {}, binary const* owner = nullptr,
                                            decode_failure* failure = nullptr);

} // namespace enode::term

#pragma GCC visibility pop
