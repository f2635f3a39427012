#include "node_alloc.hpp"

#include <array>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define ENODE_PLAIN_NODE_ALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENODE_PLAIN_NODE_ALLOC 1
#endif
#endif

namespace enode::term::detail {

#ifdef ENODE_PLAIN_NODE_ALLOC

void* node_allocate(std::size_t bytes) { return ::operator new(bytes); }
void node_deallocate(void* p, std::size_t) noexcept { ::operator delete(p); }

#else

namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t classes = 16;      // blocks of 16, 32, ..., 256 bytes
constexpr std::size_t max_cached = 4096; // per class and thread

struct free_block {
  free_block* next;
};

// Trivially destructible, so it stays usable while the thread (or, for the main thread,
// the program) tears down; `flusher` returns the cached blocks when the thread ends and
// from then on frees go straight to the general allocator.
struct cache {
  std::array<free_block*, classes> heads;
  std::array<std::size_t, classes> counts;
  bool closed;
};

thread_local cache local{};

struct flusher {
  ~flusher() {
    for (std::size_t c = 0; c < classes; ++c) {
      for (free_block* b = local.heads[c]; b;) {
        free_block* next = b->next;
        std::free(b);
        b = next;
      }
      local.heads[c] = nullptr;
      local.counts[c] = 0;
    }
    local.closed = true;
  }
};

thread_local flusher flush_at_exit;

std::size_t class_of(std::size_t bytes) noexcept { return (bytes - 1) / granule; }

} // namespace

void* node_allocate(std::size_t bytes) {
  if (bytes <= granule * classes) {
    std::size_t const c = class_of(bytes);
    if (free_block* b = local.heads[c]) {
      local.heads[c] = b->next;
      --local.counts[c];
      return b;
    }
    bytes = (c + 1) * granule;
    (void)&flush_at_exit; // registers the flusher with this thread
  }
  if (void* p = std::malloc(bytes)) return p;
  throw std::bad_alloc();
}

void node_deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes <= granule * classes && !local.closed) {
    std::size_t const c = class_of(bytes);
    if (local.counts[c] < max_cached) {
      if (local.counts[c] == 0) (void)&flush_at_exit; // this thread's cache must be returned at its end
      auto* b = static_cast<free_block*>(p);
      b->next = local.heads[c];
      local.heads[c] = b;
      ++local.counts[c];
      return;
    }
  }
  std::free(p);
}

#endif

} // namespace enode::term::detail
