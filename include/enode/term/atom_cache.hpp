#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/atom.hpp>

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>

namespace enode::term {

/// What ATOM_CACHE_REF indices stand for while one term is decoded: the atom list of a
/// distribution header (at most 255 entries), which the distribution layer fills from
/// the header and its per-connection cache before decoding the message's terms.
class atom_cache {
public:
  static constexpr std::size_t max_refs = 256;

  void set(std::uint8_t index, atom a) noexcept {
    atoms_[index] = a;
    present_.set(index);
  }
  std::optional<atom> get(std::uint8_t index) const noexcept {
    if (!present_.test(index)) return std::nullopt;
    return atoms_[index];
  }
  void clear() noexcept { present_.reset(); }

private:
  std::array<atom, max_refs> atoms_{};
  std::bitset<max_refs> present_;
};

} // namespace enode::term

#pragma GCC visibility pop
