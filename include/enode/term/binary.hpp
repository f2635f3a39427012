#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/detail/node.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace enode::term {

/// An immutable, reference-counted Erlang binary or bitstring.
///
/// Copies share the bytes; `sub` makes a sub-binary that shares its parent's storage
/// without copying (as BEAM's sub-binaries do). A bitstring's last byte holds
/// `trailing_bits()` (1..7) significant bits in its high end; the rest are zero.
/// Safe to share between threads; nothing mutates a binary once another handle sees it.
class binary {
public:
  /// The empty binary `<<>>`.
  binary();
  /// Copies `bytes`.
  explicit binary(std::span<std::byte const> bytes);
  /// Copies the bytes of `s`.
  explicit binary(std::string_view s);

  /// A bitstring of `bytes.size()` bytes whose last byte holds `trailing_bits` bits (1..7);
  /// 0 means whole bytes. Low bits beyond the significant ones are cleared.
  /// @throws std::invalid_argument for a bit count above 7, or bits without bytes.
  static binary bitstring(std::span<std::byte const> bytes, unsigned trailing_bits);

  /// A binary of `n` bytes for the caller to fill through `mutable_data()` before sharing it.
  static binary uninitialized(std::size_t n);

  std::byte const* data() const noexcept { return n_->data; }
  /// Bytes, counting a partial last byte.
  std::size_t size() const noexcept { return n_->size; }
  /// 0 for a binary; else the bits used in the last byte (1..7).
  unsigned trailing_bits() const noexcept { return n_->trailing_bits; }
  std::size_t bit_size() const noexcept {
    return n_->trailing_bits ? (n_->size - 1) * 8 + n_->trailing_bits : n_->size * 8;
  }
  /// True when the bit size is a multiple of 8 (Erlang's is_binary/1).
  bool is_binary() const noexcept { return n_->trailing_bits == 0; }
  bool empty() const noexcept { return n_->size == 0; }

  std::span<std::byte const> bytes() const noexcept { return {n_->data, n_->size}; }
  std::string_view view() const noexcept { return {reinterpret_cast<char const*>(n_->data), n_->size}; }

  /// Writable bytes of a binary made by `uninitialized` that no one else holds yet.
  std::byte* mutable_data() noexcept { return const_cast<std::byte*>(n_->data); }

  /// The whole bytes [offset, offset + length) of this binary, sharing its storage.
  /// Short sub-binaries are copied instead so that they do not pin a large parent.
  /// @pre offset + length <= size()
  binary sub(std::size_t offset, std::size_t length) const;

  binary(binary const& o) noexcept : n_(o.n_) { detail::retain(n_); }
  binary(binary&& o) noexcept : n_(o.n_) { o.n_ = nullptr; }
  binary& operator=(binary o) noexcept {
    std::swap(n_, o.n_);
    return *this;
  }
  ~binary() {
    if (n_) detail::release(n_);
  }

  /// Content equality (bits included).
  friend bool operator==(binary const& a, binary const& b) noexcept;

  /// For the term representation.
  detail::binary_node* node() const noexcept { return n_; }
  static binary adopt(detail::binary_node* n) noexcept { return binary{n}; }

private:
  explicit binary(detail::binary_node* n) noexcept : n_(n) {}
  detail::binary_node* n_;
};

// Declared again outside the class: a function that only a friend declaration names is
// not exported from a shared build.
bool operator==(binary const& a, binary const& b) noexcept;

} // namespace enode::term

#pragma GCC visibility pop
