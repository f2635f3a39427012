#include "node_alloc.hpp"

#include <enode/core/pool.hpp>

namespace enode::term::detail {

// Term nodes come from the shared small-object pool: a message decoded on a
// connection's thread is often freed on the receiving process's thread.
void* node_allocate(std::size_t bytes) { return pool::allocate(bytes); }
void node_deallocate(void* p, std::size_t bytes) noexcept { pool::deallocate(p, bytes); }

} // namespace enode::term::detail
