#pragma once

#include <cstddef>
#include <new>
#include <utility>

// Memory for term nodes. Decoding allocates and frees many small nodes; a per-thread
// cache of free blocks by size class makes that cheaper than the general allocator.
// Blocks may be freed on another thread than the one that made them: they join that
// thread's cache, which is bounded, and the surplus goes back to the general allocator.
// Under AddressSanitizer every block comes from and goes to the general allocator, so
// that the sanitizer sees each one.
namespace enode::term::detail {

void* node_allocate(std::size_t bytes);
void node_deallocate(void* p, std::size_t bytes) noexcept;

/// A fixed-size node of type T, made from `args`; freed by destroy().
template <class T, class... Args>
T* make_node(Args&&... args) {
  void* mem = node_allocate(sizeof(T));
  try {
    return new (mem) T(std::forward<Args>(args)...);
  } catch (...) {
    node_deallocate(mem, sizeof(T));
    throw;
  }
}

} // namespace enode::term::detail
