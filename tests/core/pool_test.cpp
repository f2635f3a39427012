#include <enode/core/pool.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace pool = enode::pool;

namespace {

bool aligned16(void const* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

/// The byte at offset `i` of the block numbered `id`: differs between blocks and along a block.
unsigned char pattern(std::uint64_t id, std::size_t i) {
  return static_cast<unsigned char>((id * 0x9E3779B97F4A7C15ull >> 56) ^ (i * 31u) ^ (id >> 3));
}

void fill(void* p, std::size_t bytes, std::uint64_t id) {
  auto* b = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < bytes; ++i) b[i] = pattern(id, i);
}

/// Whether the block still holds `fill(p, bytes, id)`.
bool intact(void const* p, std::size_t bytes, std::uint64_t id) {
  auto const* b = static_cast<unsigned char const*>(p);
  for (std::size_t i = 0; i < bytes; ++i)
    if (b[i] != pattern(id, i)) return false;
  return true;
}

struct block {
  void* p;
  std::size_t bytes;
  std::uint64_t id;
};

/// A queue of batches of blocks from producer threads to a consumer thread.
class handoff {
public:
  void put(std::vector<block> batch) {
    {
      std::lock_guard g(mutex_);
      batches_.push_back(std::move(batch));
    }
    cv_.notify_one();
  }
  void close() {
    {
      std::lock_guard g(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  /// The next batch; empty once closed and drained.
  std::vector<block> get() {
    std::unique_lock g(mutex_);
    cv_.wait(g, [&] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return {};
    auto b = std::move(batches_.front());
    batches_.pop_front();
    return b;
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::vector<block>> batches_;
  bool closed_ = false;
};

// Classes with pooled new and delete, of different size classes.
int constructed = 0;
int destroyed = 0;

struct shape {
  ENODE_POOLED_NEW
  shape() { ++constructed; }
  virtual ~shape() { ++destroyed; }
  shape(shape const&) = delete;
  shape& operator=(shape const&) = delete;
  std::uint64_t tag = 1;
};

struct big_shape final : shape {
  big_shape() { fill(payload, sizeof payload, 7); }
  ~big_shape() override {
    CHECK(intact(payload, sizeof payload, 7));
    ++destroyed;
  }
  unsigned char payload[300];
};

struct throws_on_make {
  explicit throws_on_make(int) { throw std::runtime_error("no"); }
  unsigned char pad[40];
};

/// Allocates and frees with the pool from its destructor: a thread_local made before the
/// thread first uses the pool is destroyed after the pool's own per-thread cache has been
/// handed back, so this runs the paths for a thread past its end.
struct late_user {
  int rounds = 0;
  std::size_t* freed_total = nullptr;
  bool* intact_out = nullptr;
  late_user() = default;
  late_user(late_user const&) = delete;
  late_user& operator=(late_user const&) = delete;
  ~late_user() {
    bool ok = true;
    std::size_t freed = 0;
    std::vector<block> blocks;
    for (int r = 0; r < rounds; ++r) {
      for (std::size_t i = 0; i < 300; ++i) {
        std::size_t const bytes = 16 + (i % 8) * 64;
        void* p = pool::allocate(bytes);
        fill(p, bytes, i);
        blocks.push_back({p, bytes, i});
      }
      for (auto const& b : blocks) {
        if (!intact(b.p, b.bytes, b.id)) ok = false;
        pool::deallocate(b.p, b.bytes);
      }
      freed += blocks.size();
      blocks.clear();
    }
    if (freed_total) *freed_total = freed;
    if (intact_out) *intact_out = ok;
  }
};

} // namespace

TEST_SUITE("core") {

  TEST_CASE("pool: every size up to max_pooled and above is aligned, writable and distinct") {
    std::vector<std::size_t> sizes;
    for (std::size_t n = 1; n <= pool::max_pooled; ++n) sizes.push_back(n);
    for (std::size_t n :
         {pool::max_pooled + 1, pool::max_pooled + 15, std::size_t{1000}, std::size_t{4096}, std::size_t{100000}})
      sizes.push_back(n);

    std::vector<block> live;
    std::uint64_t id = 0;
    for (int round = 0; round < 3; ++round) {
      for (std::size_t n : sizes) {
        void* p = pool::allocate(n);
        REQUIRE(p != nullptr);
        CHECK(aligned16(p));
        fill(p, n, id);
        live.push_back({p, n, id++});
      }
    }
    // Everything written is still there: no two live blocks overlap.
    std::size_t bad = 0;
    for (auto const& b : live) bad += intact(b.p, b.bytes, b.id) ? 0u : 1u;
    CHECK(bad == 0);
    // Free in an order unlike the allocation's.
    for (std::size_t i = 0; i < live.size(); i += 2) pool::deallocate(live[i].p, live[i].bytes);
    for (std::size_t i = 1; i < live.size(); i += 2) pool::deallocate(live[i].p, live[i].bytes);

    // Zero bytes: a valid, freeable block; null frees nothing.
    void* z = pool::allocate(0);
    CHECK(z != nullptr);
    pool::deallocate(z, 0);
    pool::deallocate(nullptr, 24);
    pool::deallocate(nullptr, 4096);
  }

  TEST_CASE("pool: a freed block is reused for its own size class, last freed first") {
    if (!pool::pooled()) {
      MESSAGE("pool compiled out (sanitizer build): reuse is the general allocator's");
      return;
    }
    // 17..32 bytes share a class.
    void* a = pool::allocate(17);
    pool::deallocate(a, 17);
    void* b = pool::allocate(32);
    CHECK(b == a);
    // Another class does not take it.
    pool::deallocate(b, 32);
    void* c = pool::allocate(33);
    CHECK(c != a);
    void* d = pool::allocate(20);
    CHECK(d == a);
    pool::deallocate(c, 33);
    pool::deallocate(d, 20);

    void* x = pool::allocate(100);
    void* y = pool::allocate(100);
    void* z = pool::allocate(100);
    pool::deallocate(x, 100);
    pool::deallocate(y, 100);
    pool::deallocate(z, 100);
    CHECK(pool::allocate(100) == z);
    CHECK(pool::allocate(100) == y);
    CHECK(pool::allocate(100) == x);
    pool::deallocate(x, 100);
    pool::deallocate(y, 100);
    pool::deallocate(z, 100);

    // Above max_pooled nothing is kept by the pool (nothing to check but that it frees).
    void* big = pool::allocate(pool::max_pooled + 1);
    pool::deallocate(big, pool::max_pooled + 1);
  }

  TEST_CASE("pool: blocks beyond a thread's cache go through the depot and come back") {
    if (!pool::pooled()) {
      MESSAGE("pool compiled out (sanitizer build)");
      return;
    }
    // On a fresh thread, so that its cache starts empty; far more blocks than it keeps.
    std::thread([] {
      constexpr std::size_t n = 2000;
      constexpr std::size_t bytes = 208;
      std::vector<void*> first;
      for (std::size_t i = 0; i < n; ++i) first.push_back(pool::allocate(bytes));
      for (void* p : first) pool::deallocate(p, bytes);
      std::set<void*> const freed(first.begin(), first.end());
      CHECK(freed.size() == n);
      std::vector<void*> again;
      for (std::size_t i = 0; i < n; ++i) again.push_back(pool::allocate(bytes));
      std::size_t reused = 0;
      for (void* p : again) reused += freed.count(p);
      // All but what the cache held before the frees (less than it keeps) come back,
      // most of them from the depot.
      CHECK(reused + 256 > n);
      for (void* p : again) pool::deallocate(p, bytes);
    }).join();
  }

  TEST_CASE("pool: a thread's cached blocks go to the depot when it ends") {
    if (!pool::pooled()) {
      MESSAGE("pool compiled out (sanitizer build)");
      return;
    }
    constexpr std::size_t bytes = 480; // a class the other tests leave alone
    constexpr std::size_t n = 100;     // fewer than a thread keeps
    std::set<void*> left;
    std::thread([&] {
      std::vector<void*> v;
      for (std::size_t i = 0; i < n; ++i) v.push_back(pool::allocate(bytes));
      for (void* p : v) pool::deallocate(p, bytes);
      left.insert(v.begin(), v.end());
    }).join();
    std::thread([&] {
      // A fresh thread with an empty cache takes the ended thread's blocks first.
      void* p = pool::allocate(bytes);
      CHECK(left.count(p) == 1);
      pool::deallocate(p, bytes);
    }).join();
  }

  TEST_CASE("pool: a thread can still allocate and free after its cache was handed back") {
    std::size_t freed = 0;
    bool ok = false;
    std::thread([&] {
      // Made before this thread first uses the pool, so destroyed after the pool's cache.
      thread_local late_user user;
      user.rounds = 3;
      user.freed_total = &freed;
      user.intact_out = &ok;
      void* p = pool::allocate(64);
      pool::deallocate(p, 64);
    }).join();
    CHECK(freed == 3 * 300);
    CHECK(ok);
  }

  TEST_CASE("pool: allocator in standard containers") {
    std::list<std::string, pool::allocator<std::string>> l;
    std::map<int, std::string, std::less<>, pool::allocator<std::pair<int const, std::string>>> m;
    std::unordered_map<int, int, std::hash<int>, std::equal_to<>, pool::allocator<std::pair<int const, int>>> u;
    for (int i = 0; i < 5000; ++i) {
      l.push_back(std::to_string(i));
      m.emplace(i, std::string(static_cast<std::size_t>(i % 40), 'x')); // short and heap strings
      u.emplace(i, i * 3); // the bucket array grows past max_pooled: the fallthrough path
    }
    for (int i = 0; i < 5000; i += 2) {
      m.erase(i);
      u.erase(i);
    }
    l.remove_if([](std::string const& s) { return s.back() == '3'; });
    CHECK(l.size() == 4500);
    CHECK(m.size() == 2500);
    CHECK(u.size() == 2500);
    for (int i = 1; i < 5000; i += 2) {
      REQUIRE(m.count(i) == 1);
      CHECK(m[i].size() == static_cast<std::size_t>(i % 40));
      CHECK(u.at(i) == i * 3);
    }
    CHECK(pool::allocator<int>() == pool::allocator<double>());
    pool::allocator<long> rebound{pool::allocator<char>()};
    long* p = rebound.allocate(3);
    p[0] = p[1] = p[2] = 5;
    rebound.deallocate(p, 3);
  }

  TEST_CASE("pool: ENODE_POOLED_NEW frees a derived object with its own size through a virtual destructor") {
    constructed = destroyed = 0;
    shape* s = new shape;
    shape* b = new big_shape;
    CHECK(sizeof(big_shape) > sizeof(shape));
    CHECK(aligned16(s));
    CHECK(aligned16(b));
    void* const b_addr = b;
    delete s;
    delete b; // the deleting destructor passes sizeof(big_shape)
    CHECK(constructed == 2);
    CHECK(destroyed == 3);
    if (pool::pooled()) {
      // The block went back to big_shape's class, not to shape's.
      void* p = pool::allocate(sizeof(big_shape));
      CHECK(p == b_addr);
      pool::deallocate(p, sizeof(big_shape));
    }

    // pool::make / destroy, and make whose constructor throws gives the block back.
    auto* m = pool::make<big_shape>();
    CHECK(m->tag == 1);
    pool::destroy(m);
    // A make whose constructor throws gives its block back: the one on top of the cache.
    void* top = pool::allocate(sizeof(throws_on_make));
    pool::deallocate(top, sizeof(throws_on_make));
    CHECK_THROWS_AS(pool::make<throws_on_make>(1), std::runtime_error);
    void* again = pool::allocate(sizeof(throws_on_make));
    if (pool::pooled()) CHECK(again == top);
    pool::deallocate(again, sizeof(throws_on_make));
  }

  TEST_CASE("pool: blocks made on some threads and freed on others stay intact") {
    // Producers allocate blocks of every class (and some above), write a pattern, hold a
    // window of them (checking it), then hand them in batches to a consumer thread, which
    // checks each one and frees it: the consumer's cache overflows to the depot and the
    // producers refill from it, the hot path of a message going from one process to another.
    constexpr std::size_t producers = 4;
    constexpr std::size_t consumers = 2;
    constexpr std::size_t per_producer = 20000;
    constexpr std::size_t batch = 64;
    constexpr std::size_t window = 48;

    std::vector<handoff> queues(consumers);
    std::vector<std::size_t> checked(consumers, 0), corrupt(consumers, 0);
    std::vector<std::size_t> producer_corrupt(producers, 0);

    std::vector<std::thread> cons;
    for (std::size_t c = 0; c < consumers; ++c) {
      cons.emplace_back([&, c] {
        std::uint64_t own = 0;
        for (;;) {
          auto got = queues[c].get();
          if (got.empty()) break;
          for (auto const& b : got) {
            if (!intact(b.p, b.bytes, b.id)) ++corrupt[c];
            ++checked[c];
            pool::deallocate(b.p, b.bytes);
          }
          // Some local traffic of its own, from what it has just freed.
          void* p = pool::allocate(40);
          fill(p, 40, ++own);
          if (!intact(p, 40, own)) ++corrupt[c];
          pool::deallocate(p, 40);
        }
      });
    }

    std::vector<std::thread> prods;
    for (std::size_t t = 0; t < producers; ++t) {
      prods.emplace_back([&, t] {
        std::vector<block> held;
        std::vector<block> out;
        for (std::size_t i = 0; i < per_producer; ++i) {
          std::size_t const bytes =
              i % 17 == 16 ? pool::max_pooled + 1 + i % 200 : 1 + (i * 7 + t * 13) % pool::max_pooled;
          std::uint64_t const id = (std::uint64_t{t} << 40) | i;
          void* p = pool::allocate(bytes);
          fill(p, bytes, id);
          held.push_back({p, bytes, id});
          if (held.size() == window) {
            for (auto const& b : held)
              if (!intact(b.p, b.bytes, b.id)) ++producer_corrupt[t];
            // Half go to a consumer, half are freed here (same-thread path).
            for (std::size_t k = 0; k < held.size(); ++k) {
              if (k % 2)
                out.push_back(held[k]);
              else
                pool::deallocate(held[k].p, held[k].bytes);
            }
            held.clear();
          }
          if (out.size() >= batch) queues[(t + i) % consumers].put(std::exchange(out, {}));
        }
        for (auto const& b : held) out.push_back(b);
        if (!out.empty()) queues[t % consumers].put(std::move(out));
      });
    }
    for (auto& th : prods) th.join();
    for (auto& q : queues) q.close();
    for (auto& th : cons) th.join();

    std::size_t total_checked = 0, total_corrupt = 0;
    for (std::size_t c = 0; c < consumers; ++c) {
      total_checked += checked[c];
      total_corrupt += corrupt[c];
    }
    for (std::size_t t = 0; t < producers; ++t) total_corrupt += producer_corrupt[t];
    CHECK(total_corrupt == 0);
    // Every odd one of each full window, plus the last partial windows.
    std::size_t expected = 0;
    for (std::size_t t = 0; t < producers; ++t) {
      std::size_t const full = per_producer / window;
      expected += full * (window / 2) + per_producer % window;
    }
    CHECK(total_checked == expected);
  }

  TEST_CASE("pool: many threads allocating and freeing the same classes at once") {
    // No hand-over: every thread churns through the classes, so that the depot's shelves
    // are pushed and popped by all of them at the same time.
    constexpr std::size_t threads = 6;
    constexpr std::size_t rounds = 40;
    constexpr std::size_t per_round = 700; // more than a cache keeps: the depot is used each round
    std::vector<std::size_t> corrupt(threads, 0);
    std::vector<std::thread> ts;
    for (std::size_t t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::vector<block> v;
        v.reserve(per_round);
        for (std::size_t r = 0; r < rounds; ++r) {
          std::size_t const bytes = 1 + (r * 97 + t * 5) % 160; // a few classes, shared between threads
          for (std::size_t i = 0; i < per_round; ++i) {
            std::uint64_t const id = (std::uint64_t{t} << 48) | (r << 20) | i;
            void* p = pool::allocate(bytes);
            fill(p, bytes, id);
            v.push_back({p, bytes, id});
          }
          for (auto const& b : v) {
            if (!intact(b.p, b.bytes, b.id)) ++corrupt[t];
            pool::deallocate(b.p, b.bytes);
          }
          v.clear();
        }
      });
    }
    for (auto& th : ts) th.join();
    std::size_t total = 0;
    for (auto n : corrupt) total += n;
    CHECK(total == 0);
  }

} // TEST_SUITE
