#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <cstddef>
#include <new>
#include <utility>

/// Memory for the many small objects that enode makes and frees at a high rate on
/// different threads: term nodes, signals, handlers. Blocks up to `max_pooled` bytes
/// come from per-thread free lists by size class; a thread with too many free blocks
/// of a class hands a batch to a shared depot, and a thread with none takes a batch
/// from it, so that a producer thread and a consumer thread recycle each other's
/// blocks instead of going to the general allocator for each one.
///
/// Under a sanitizer every block comes from and goes to the general allocator, so that
/// AddressSanitizer sees each one; the CMake option ENODE_POOL_UNDER_SANITIZERS keeps
/// the real pool there (for ThreadSanitizer, which then checks the pool itself).
namespace enode::pool {

inline constexpr std::size_t max_pooled = 512;

/// Whether blocks up to `max_pooled` bytes really come from the pool's free lists
/// (false in a sanitizer build without ENODE_POOL_UNDER_SANITIZERS).
bool pooled() noexcept;

/// `bytes` of memory aligned for any object up to 16-byte alignment. @throws std::bad_alloc
void* allocate(std::size_t bytes);
/// Frees a block from `allocate`; `bytes` must be the size it was allocated with.
void deallocate(void* p, std::size_t bytes) noexcept;

/// A T made in pooled memory.
template <class T, class... Args>
T* make(Args&&... args) {
  void* mem = allocate(sizeof(T));
  try {
    return ::new (mem) T(std::forward<Args>(args)...); // :: so that a class operator new does not hide it
  } catch (...) {
    deallocate(mem, sizeof(T));
    throw;
  }
}

/// Destroys and frees a T from `make`.
template <class T>
void destroy(T* p) noexcept {
  p->~T();
  deallocate(p, sizeof(T));
}

/// A standard allocator over the pool, for node-based containers.
template <class T>
struct allocator {
  using value_type = T;
  allocator() noexcept = default;
  template <class U>
  allocator(allocator<U> const&) noexcept {} // NOLINT: rebinding is implicit
  T* allocate(std::size_t n) { return static_cast<T*>(pool::allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { pool::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(allocator<U> const&) const noexcept {
    return true;
  }
};

/// Gives a class pooled `new` and `delete` (sized, so it works through a virtual
/// destructor too).
#define ENODE_POOLED_NEW                                                                                               \
  static void* operator new(std::size_t bytes) { return ::enode::pool::allocate(bytes); }                              \
  static void operator delete(void* p, std::size_t bytes) noexcept { ::enode::pool::deallocate(p, bytes); }

} // namespace enode::pool

#pragma GCC visibility pop
