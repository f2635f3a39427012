#include <enode/term/binary.hpp>

#include <cstring>
#include <stdexcept>

namespace enode::term {

namespace {
// Below this size a sub-binary copies: a few bytes are cheaper to copy than to share,
// and a copy does not keep a large parent alive (BEAM's heap-binary limit is 64).
constexpr std::size_t copy_below = 64;

detail::binary_node* copy_of(std::byte const* p, std::size_t n) {
  auto* b = detail::make_inline_binary(n);
  if (n) std::memcpy(const_cast<std::byte*>(b->data), p, n);
  return b;
}
} // namespace

binary::binary() : n_(detail::make_inline_binary(0)) {}

binary::binary(std::span<std::byte const> bytes) : n_(copy_of(bytes.data(), bytes.size())) {}

binary::binary(std::string_view s) : n_(copy_of(reinterpret_cast<std::byte const*>(s.data()), s.size())) {}

binary binary::bitstring(std::span<std::byte const> bytes, unsigned trailing_bits) {
  if (trailing_bits > 7) throw std::invalid_argument("bitstring: trailing bits must be 0..7");
  if (trailing_bits && bytes.empty()) throw std::invalid_argument("bitstring: bits without bytes");
  auto* n = copy_of(bytes.data(), bytes.size());
  if (trailing_bits) {
    auto* last = const_cast<std::byte*>(n->data) + n->size - 1;
    *last &= static_cast<std::byte>(0xFF << (8 - trailing_bits));
    n->trailing_bits = static_cast<std::uint8_t>(trailing_bits);
  }
  return binary{n};
}

binary binary::uninitialized(std::size_t n) { return binary{detail::make_inline_binary(n)}; }

binary binary::sub(std::size_t offset, std::size_t length) const {
  if (length < copy_below) return binary{copy_of(n_->data + offset, length)};
  detail::node* root = n_->owner ? n_->owner : n_;
  return binary{detail::make_shared_binary(root, n_->data + offset, length)};
}

bool detail::same_bits(binary_node const* a, binary_node const* b) noexcept {
  return a->size == b->size && a->trailing_bits == b->trailing_bits &&
         (a->data == b->data || std::memcmp(a->data, b->data, a->size) == 0);
}

bool operator==(binary const& a, binary const& b) noexcept { return detail::same_bits(a.n_, b.n_); }

} // namespace enode::term
