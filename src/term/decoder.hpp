#pragma once

// The term decoder's state machine, shared by decode.cpp (the decoding of each kind of
// term) and decode_run.cpp (versions, compression, the public entry points).
#include <enode/core/endian.hpp>
#include <enode/term/atom_cache.hpp>
#include <enode/term/decode.hpp>
#include <enode/term/tag.hpp>

#include "big_node.hpp"
#include "heap.hpp"
#include "utf8.hpp"

#include <array>
#include <cstring>

namespace enode::term::decoding {

using endian::load_u16;
using endian::load_u32;
using endian::load_u64;
using endian::load_u8;

// Atoms recently decoded on this thread, found by a cheap hash of their first and last
// bytes: messages repeat the same few atoms, and a hit skips validation and the table.
struct recent_atom {
  std::uint64_t head = 0, tail = 0; // the name's first and last (up to) 8 bytes
  std::size_t size = 0;
  detail::atom_entry const* entry = nullptr;
};
inline thread_local std::array<recent_atom, 1024> recent_atoms{};

struct name_key {
  std::uint64_t head = 0, tail = 0;
  std::size_t slot;
};

// `readable` bytes from p may be read (at least n): with 8 of them, the name's head is
// one unaligned load, masked.
[[gnu::always_inline]] inline name_key key_of(char const* p, std::size_t n, std::size_t readable) noexcept {
  name_key k;
  if (n >= 8 || readable >= 8) {
    std::memcpy(&k.head, p, 8);
    if (n < 8) k.head &= (std::uint64_t{1} << (8 * n)) - 1;
  } else {
    for (std::size_t i = 0; i < n; ++i) k.head |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  if (n > 8) std::memcpy(&k.tail, p + n - 8, 8); // overlaps the head below 16 bytes: still exact
  std::uint64_t h = (k.head * 0x9E3779B97F4A7C15ull) ^ (k.tail * 0xC2B2AE3D27D4EB4Full) ^ n;
  k.slot = static_cast<std::size_t>((h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ull >> 54);
  return k;
}

// The recent atom named `name` (whose key is `key`), or null.
[[gnu::always_inline]] inline detail::atom_entry const* find_recent(name_key const& key, char const* name,
                                                                    std::size_t len) noexcept {
  recent_atom const& slot = recent_atoms[key.slot];
  if (slot.head != key.head || slot.tail != key.tail || slot.size != len || !slot.entry) return nullptr;
  // Names of up to 16 bytes are wholly in head and tail; longer ones are compared too.
  if (len > 16 && std::memcmp(slot.entry->text, name, len) != 0) return nullptr;
  return slot.entry;
}

// A recursive-descent decoder over one contiguous input. Every length read from the
// input is checked against the bytes that remain before anything is allocated for it,
// and every element takes at least one byte, so allocations stay proportional to the
// input. Recursion is bounded by `max_depth`.
class decoder {
public:
  decoder(std::span<std::byte const> in, decode_options const& opts, binary const* owner) noexcept
      : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()), opts_(opts), owner_(owner) {}
  decoder(decoder const&) = delete;
  decoder& operator=(decoder const&) = delete;
  ~decoder() {
    if (heap_) detail::release(heap_);
  }

  /// Decodes one term into `out`, which holds uncounted references into the heap until
  /// `take` hands it out. After a failure, `out` must be given to `discard`.
  bool term(value& out);

  /// The decoded root, now counting on its heap.
  value take(value& root) noexcept {
    if (heap_ && root.node() && root.node()->home == heap_) heap_ = nullptr; // the root inherits the count
    return std::move(root);
  }
  /// Drops a partly decoded root.
  void discard(value& root) noexcept { detail::value_access::forget(root); }

  std::size_t consumed() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  error_code err() const noexcept { return ec_; }
  std::size_t error_offset() const noexcept { return static_cast<std::size_t>(err_at_ - begin_); }

  bool fail(error e, std::byte const* at) noexcept {
    ec_ = e;
    err_at_ = at;
    return false;
  }
  bool need(std::size_t n) noexcept { return remaining() >= n || fail(error::need_more, p_); }

private:
  struct depth_guard {
    decoder& d;
    bool ok;
    explicit depth_guard(decoder& dec) noexcept : d(dec), ok(++dec.depth_ <= dec.opts_.max_depth) {}
    ~depth_guard() { --d.depth_; }
  };

  // The leaves BEAM writes most, decoded without a call: SMALL_INTEGER_EXT,
  // INTEGER_EXT, and SMALL_ATOM_UTF8_EXT of a recently seen atom. Others go to term().
  [[gnu::always_inline]] bool element(value& out) {
    if (remaining() >= 2) {
      std::uint8_t const t = load_u8(p_);
      if (t == static_cast<std::uint8_t>(tag::small_integer_ext)) {
        put(out, value(load_u8(p_ + 1)));
        p_ += 2;
        return true;
      }
      if (t == static_cast<std::uint8_t>(tag::small_atom_utf8_ext) && recent_atom_at(out)) return true;
      if (t == static_cast<std::uint8_t>(tag::integer_ext) && remaining() >= 5) {
        put(out, value(static_cast<std::int32_t>(load_u32(p_ + 1))));
        p_ += 5;
        return true;
      }
    }
    return term(out);
  }

  // At a SMALL_ATOM_UTF8_EXT tag: takes the atom if it is among the recent ones.
  [[gnu::always_inline]] bool recent_atom_at(value& out) {
    if (remaining() < 10) return false; // tag, length, and 8 readable name bytes
    std::size_t const len = load_u8(p_ + 1);
    if (remaining() < 2 + len) return false;
    auto const* name = reinterpret_cast<char const*>(p_ + 2);
    detail::atom_entry const* e = find_recent(key_of(name, len, remaining() - 2), name, len);
    if (!e) return false;
    p_ += 2 + len;
    put(out, value(atom::from_entry(e)));
    return true;
  }

  bool atom_value(std::uint8_t t, atom& out);
  bool atom_field(atom& out);
  bool big(std::size_t n, value& out);
  bool tuple(std::size_t arity, value& out);
  bool list(value& out);
  bool string(value& out);
  bool map(value& out);
  bool bits(std::size_t len, unsigned bits, value& out);
  bool pid(std::uint8_t t, value& out);
  bool port(std::uint8_t t, value& out);
  bool reference(std::uint8_t t, value& out);
  bool new_fun(value& out);
  bool export_fun(value& out);
  bool number(tag t, std::byte const* at, value& out);
  bool bitstring(tag t, std::byte const* at, value& out);
  bool old_float(value& out);

  // The heap this term is decoded into, made on the first node. Its first chunk is
  // sized from the input (five times it holds most messages; capped at 256 KiB); more
  // chunks follow when a term needs them.
  detail::heap_node& heap() {
    if (!heap_) {
      auto const input = static_cast<std::size_t>(end_ - begin_);
      heap_ = detail::heap_node::create(std::min<std::size_t>(5 * input + 64, std::size_t{256} << 10));
    }
    return *heap_;
  }
  template <class Node>
  Node* alloc_with_elements(std::size_t extra) {
    auto& h = heap();
    auto* n = new (h.allocate(sizeof(Node) + extra)) Node;
    n->home = &h;
    return n;
  }
  detail::binary_node* inline_binary(std::byte const* data, std::size_t len) {
    auto* b = alloc_with_elements<detail::binary_node>(len);
    b->data = reinterpret_cast<std::byte const*>(b + 1);
    b->size = len;
    if (len) std::memcpy(const_cast<std::byte*>(b->data), data, len);
    return b;
  }
  detail::list_node* alloc_list(std::size_t count) {
    auto* l = alloc_with_elements<detail::list_node>(count * sizeof(value));
    l->count = static_cast<std::uint32_t>(count); // elements left uninitialised, as a tuple's
    return l;
  }

  // Every value the decoder writes lands in uninitialised heap memory or in []: write
  // it without reading what was there.
  static void put(value& out, value&& v) noexcept { detail::value_access::emplace(out, std::move(v)); }

  detail::heap_node* heap_ = nullptr;
  std::byte const* begin_;
  std::byte const* p_;
  std::byte const* end_;
  decode_options const& opts_;
  binary const* owner_;
  std::size_t depth_ = 0;
  error_code ec_;
  std::byte const* err_at_ = nullptr;
};

} // namespace enode::term::decoding
