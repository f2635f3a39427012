#pragma once

#include <cstddef>
#include <new>
#include <utility>

// Memory for term nodes: decoding allocates and frees many small nodes, from the shared
// small-object pool (core/pool.hpp).
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
