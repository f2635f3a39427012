#pragma once

#include <enode/core/pool.hpp>

#include <cstddef>

// Memory for term nodes: decoding allocates and frees many small nodes, from the shared
// small-object pool (core/pool.hpp); `pool::make<T>` makes the fixed-size ones.
namespace enode::term::detail {

void* node_allocate(std::size_t bytes);
void node_deallocate(void* p, std::size_t bytes) noexcept;

} // namespace enode::term::detail
