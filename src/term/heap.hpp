#pragma once

#include <enode/term/value.hpp>

#include <cstddef>
#include <new>
#include <utility>

// A term heap: the memory of one decoded term. Its nodes are bump-allocated from chunks
// the heap owns and have the heap as their `home`, so the whole term is counted once
// and freed at once, without a walk of its nodes. References between its nodes are not
// counted; a reference from outside counts on the heap. A heap is immutable once the
// decoder hands out its root, like every other node.
namespace enode::term::detail {

struct alignas(16) heap_node : node {
  struct alignas(16) chunk {
    chunk* next;
    std::size_t capacity;
    std::size_t used;
    std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
  };
  // Nodes with something to release when the heap goes: bignum digits, a fun's vector,
  // a shared binary's owner.
  struct finalizer {
    finalizer* next;
    node* n;
  };

  chunk* chunks = nullptr;
  finalizer* finalizers = nullptr;

  heap_node() noexcept : node(node_type::heap) {}

  /// A heap whose first chunk holds `capacity` bytes, in the same allocation.
  static heap_node* create(std::size_t capacity);

  /// Storage for `bytes` aligned to `align` (8 or 16) that lives as long as the heap.
  void* allocate(std::size_t bytes, std::size_t align = 8) {
    chunk* c = chunks;
    std::size_t at = (c->used + align - 1) & ~(align - 1);
    if (at > c->capacity || c->capacity - at < bytes) {
      c = grow(bytes);
      at = 0;
    }
    c->used = at + bytes;
    return c->data() + at;
  }

  /// A node of type T made in the heap.
  template <class T, class... Args>
  T* make(Args&&... args) {
    static_assert(alignof(T) <= 16);
    T* t = new (allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
    t->home = this;
    return t;
  }

  void add_finalizer(node* n) {
    auto* f = static_cast<finalizer*>(allocate(sizeof(finalizer)));
    f->n = n;
    f->next = finalizers;
    finalizers = f;
  }

private:
  chunk* grow(std::size_t bytes);
};

/// Runs the heap's finalizers and frees its chunks.
void free_heap(heap_node* h) noexcept;

/// Access to a value's representation for the decoder, which writes uncounted
/// references inside a heap.
class value_access {
public:
  /// Empties `v` without releasing what it referred to.
  static void forget(value& v) noexcept { v.rep_ = value::rep::nil; }
  /// Moves `src` into `dst` without looking at what `dst` held (uninitialised memory
  /// inside a heap, or []): the decoder's only way of writing values.
  static void emplace(value& dst, value&& src) noexcept {
    dst.small_ = src.small_;
    dst.rep_ = src.rep_;
    src.rep_ = value::rep::nil;
  }
  /// Copies the representation of `src` into the empty `dst`, without counting.
  static void copy_uncounted(value& dst, value const& src) noexcept {
    dst.small_ = src.small_;
    dst.rep_ = src.rep_;
  }
};

} // namespace enode::term::detail
