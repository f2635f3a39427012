#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <atomic>
#include <cstddef>
#include <cstdint>

/// The heap side of the term representation: every boxed term (tuple, list, map,
/// binary, bignum, pid, port, reference, fun) is one reference-counted node.
/// Visible because `value` and `binary` inline their hot accessors; not API.
namespace enode::term::detail {

enum class node_type : std::uint8_t {
  big,
  pid,
  port,
  reference,
  fun,
  external_fun,
  tuple,
  list,
  map,
  binary,
  heap,
};

/// Base of all nodes; aligned so that elements can follow a node header directly.
///
/// `home` is the node that counts references for this one: the node itself, or, for a
/// node decoded into a term heap, that heap (one count and one free for the whole
/// decoded term). References from one node of a heap to another are not counted.
struct alignas(8) node {
  std::atomic<std::uint32_t> refs{1};
  node_type type;
  node* home;
  explicit node(node_type t) noexcept : type(t), home(this) {}
  node(node const&) = delete;
  node& operator=(node const&) = delete;
};

/// Frees a home node whose count reached zero, and what it owns, without recursion.
void destroy(node* n) noexcept;

inline void retain(node* n) noexcept { n->home->refs.fetch_add(1, std::memory_order_relaxed); }

inline void release(node* n) noexcept {
  node* h = n->home;
  // The sole owner may skip the atomic read-modify-write: no other thread can hold a
  // handle through which to retain the node concurrently.
  if (h->refs.load(std::memory_order_acquire) == 1 || h->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(h);
}

/// Bytes of a binary or bitstring. Small ones carry their data inline, right after
/// the node; others point into the storage of `owner`.
struct binary_node : node {
  std::byte const* data;
  std::size_t size;
  node* owner;                ///< null when the data is inline
  std::uint8_t trailing_bits; ///< 0, or bits used in the last byte (1..7)
  binary_node() noexcept : node(node_type::binary), data(nullptr), size(0), owner(nullptr), trailing_bits(0) {}
};

/// Equal bits: same size, same trailing bits, same bytes.
bool same_bits(binary_node const* a, binary_node const* b) noexcept;

/// Allocates a binary node with `n` bytes of inline, uninitialised storage.
binary_node* make_inline_binary(std::size_t n);
/// A node for `size` bytes at `data`, which lives in `owner`'s storage (retained here).
binary_node* make_shared_binary(node* owner, std::byte const* data, std::size_t size);

} // namespace enode::term::detail

#pragma GCC visibility pop
