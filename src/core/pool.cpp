#include <enode/core/pool.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <mutex>
#include <vector>

// Under a sanitizer each block comes from the general allocator, so that AddressSanitizer
// sees it freed and reused; ENODE_POOL_UNDER_SANITIZERS (the CMake option of that name)
// keeps the real pool, so that ThreadSanitizer checks its hand-overs between threads.
#ifndef ENODE_POOL_UNDER_SANITIZERS
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ENODE_PLAIN_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ENODE_PLAIN_POOL 1
#endif
#endif
#endif

namespace enode::pool {

#ifdef ENODE_PLAIN_POOL

bool pooled() noexcept { return false; }
void* allocate(std::size_t bytes) { return ::operator new(bytes); }
void deallocate(void* p, std::size_t) noexcept { ::operator delete(p); }

#else

namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t classes = max_pooled / granule;
constexpr std::size_t batch = 128;      // blocks moved to or from the depot at once
constexpr std::size_t keep = 2 * batch; // free blocks a thread keeps per class
constexpr std::size_t slab_bytes = 64 * 1024;

struct free_block {
  free_block* next;
};

struct chain {
  free_block* head;
  std::size_t count;
};

// Shared by all threads; immortal, so that threads ending during static destruction
// can still return their blocks.
struct depot {
  struct alignas(64) shelf {
    std::mutex mutex;
    std::vector<chain> chains;
  };
  std::array<shelf, classes> shelves;
};

depot& the_depot() {
  static depot* d = new depot;
  return *d;
}

// Trivially destructible, so that it stays usable while the thread (or, for the main
// thread, the program) tears down; `flusher` hands the blocks to the depot when the
// thread ends, and from then on this thread frees straight to the depot.
struct cache {
  std::array<free_block*, classes> heads;
  std::array<std::size_t, classes> counts;
  bool closed;
};

thread_local cache local{};

// Blocks are carved from slabs and never go back to the general allocator (a slab
// cannot be freed block by block): the pool keeps what the peak needed, for reuse.
void give_back(std::size_t c, chain ch) noexcept {
  auto& shelf = the_depot().shelves[c];
  std::lock_guard g(shelf.mutex);
  try {
    shelf.chains.push_back(ch);
  } catch (...) {
    // Out of memory even for the record: the blocks are lost, not corrupted.
  }
}

/// A new slab for class `c`: the first block for the caller, a batch for this thread's
/// cache (none for a thread past its end), the rest to the depot in batches. So no
/// cache holds more than it keeps: one that did (a whole slab of small blocks) would
/// send a batch to the depot at each free until it was down to `keep`.
free_block* carve(std::size_t c) {
  std::size_t const size = (c + 1) * granule;
  std::size_t const count = slab_bytes / size;
  auto* slab = static_cast<std::byte*>(std::malloc(count * size));
  if (!slab) throw std::bad_alloc();
  auto block_at = [&](std::size_t i) { return reinterpret_cast<free_block*>(slab + i * size); };
  for (std::size_t i = 1; i + 1 < count; ++i) block_at(i)->next = block_at(i + 1);
  block_at(count - 1)->next = nullptr;
  std::size_t i = 1; // the next block not yet handed out
  if (!local.closed) {
    std::size_t const mine = std::min(batch, count - 1);
    local.heads[c] = block_at(1);
    local.counts[c] = mine;
    i += mine;
    block_at(i - 1)->next = nullptr;
  }
  if (i < count) {
    auto& shelf = the_depot().shelves[c];
    std::lock_guard g(shelf.mutex);
    for (; i < count; i += batch) {
      std::size_t const n = std::min(batch, count - i);
      block_at(i + n - 1)->next = nullptr;
      try {
        shelf.chains.push_back(chain{block_at(i), n});
      } catch (...) {
        // As in give_back: lost, not corrupted.
      }
    }
  }
  return block_at(0);
}

struct flusher {
  ~flusher() {
    for (std::size_t c = 0; c < classes; ++c) {
      if (local.heads[c]) give_back(c, chain{local.heads[c], local.counts[c]});
      local.heads[c] = nullptr;
      local.counts[c] = 0;
    }
    local.closed = true;
  }
};

thread_local flusher flush_at_exit;

std::size_t class_of(std::size_t bytes) noexcept { return (bytes - 1) / granule; }

} // namespace

bool pooled() noexcept { return true; }

void* allocate(std::size_t bytes) {
  if (bytes != 0 && bytes <= max_pooled) {
    std::size_t const c = class_of(bytes);
    free_block* b = local.heads[c];
    if (!b) {
      // Refill from the depot: one lock for a whole batch.
      auto& shelf = the_depot().shelves[c];
      std::unique_lock g(shelf.mutex);
      if (!shelf.chains.empty()) {
        chain ch = shelf.chains.back();
        shelf.chains.pop_back();
        g.unlock();
        (void)&flush_at_exit; // this thread's cache must be returned at its end
        b = ch.head;
        local.counts[c] = ch.count;
        if (local.closed && ch.count > 1) { // a thread past its end keeps no cache
          give_back(c, chain{b->next, ch.count - 1});
          b->next = nullptr;
          local.counts[c] = 1;
        }
      }
    }
    if (b) {
      local.heads[c] = b->next;
      --local.counts[c];
      return b;
    }
    (void)&flush_at_exit;
    return carve(c); // a thread past its end keeps none of the slab
  }
  if (void* p = std::malloc(bytes ? bytes : 1)) return p;
  throw std::bad_alloc();
}

void deallocate(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes == 0 || bytes > max_pooled) {
    std::free(p);
    return;
  }
  std::size_t const c = class_of(bytes);
  if (local.closed) { // this thread is ending: straight to the depot
    auto* b = static_cast<free_block*>(p);
    b->next = nullptr;
    give_back(c, chain{b, 1});
    return;
  }
  if (local.counts[c] == 0) (void)&flush_at_exit;
  auto* b = static_cast<free_block*>(p);
  b->next = local.heads[c];
  local.heads[c] = b;
  if (++local.counts[c] < keep) return;
  // Too many: the first `batch` blocks go to the depot for a thread that runs short.
  free_block* last = b;
  for (std::size_t i = 1; i < batch; ++i) last = last->next;
  chain ch{b, batch};
  local.heads[c] = last->next;
  last->next = nullptr;
  local.counts[c] -= batch;
  give_back(c, ch);
}

#endif

} // namespace enode::pool
