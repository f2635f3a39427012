// The runtime's workloads, as scripts/bench-runtime runs them next to a BEAM doing the
// same (bench/runtime_bench.erl). Prints one line per workload: name, the rate, and the
// best time over the runs. Not a test: nothing here asserts.
//
//   spawn_exit   N processes, spawned in batches of 1000; each sends `done` to the
//                spawner and ends; the spawner collects the batch before the next
//   ping_pong    N round trips: {Self, ping} -> pong between two processes
//   ring         a ring of 1000 processes passes {token, K} around 1000 times
//   many_to_one  1000 senders send N/1000 messages each to one receiver
//   idle_memory  resident memory added per idle process (100 000 waiting in receive),
//                measured first, on a fresh heap
#include <enode/runtime/process.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>

using namespace enode;
using runtime::awaitable;
using runtime::process;
using clock_type = std::chrono::steady_clock;

namespace {

term::atom const done{"done"};
term::atom const ping{"ping"};
term::atom const pong{"pong"};
term::atom const token{"token"};
term::atom const stop{"stop"};

// Runs `body` as a process and waits for it; returns its wall time in seconds.
template <class F>
double timed(runtime::system& sys, F body) {
  std::promise<double> result;
  auto fut = result.get_future();
  auto pid = sys.spawn([&](process& self) -> awaitable<> {
    auto t0 = clock_type::now();
    co_await body(self);
    result.set_value(std::chrono::duration<double>(clock_type::now() - t0).count());
  });
  if (!pid) std::abort();
  return fut.get();
}

awaitable<> spawn_exit(process& self, long n) {
  constexpr long batch = 1000;
  auto parent = self.self();
  for (long done_count = 0; done_count < n; done_count += batch) {
    for (long i = 0; i < batch; ++i)
      self.spawn([parent](process& c) -> awaitable<> {
        c.send(parent, done);
        co_return;
      });
    for (long i = 0; i < batch; ++i) (void)co_await self.receive();
  }
}

awaitable<> ping_pong(process& self, long n) {
  auto ponger = self.spawn([](process& p) -> awaitable<> {
    for (;;) {
      auto m = co_await p.receive();
      if (m.is_atom()) co_return; // stop
      p.send(m[0], pong);
    }
  });
  term::value const msg = term::tuple_of({self.self(), ping});
  term::value const to(ponger);
  for (long i = 0; i < n; ++i) {
    self.send(to, msg);
    (void)co_await self.receive();
  }
  self.send(to, stop);
}

awaitable<> ring(process& self, long size, long laps) {
  // Each node forwards {token, K-1} to the next; the last hop (K = 0) reaches us.
  term::value next = self.self();
  for (long i = 0; i < size - 1; ++i) {
    next = term::value(self.spawn([next](process& p) -> awaitable<> {
      for (;;) {
        auto m = co_await p.receive();
        if (m.is_atom()) {
          p.send(next, stop);
          co_return;
        }
        p.send(next, term::tuple_of({token, m[1].as_int() - 1}));
      }
    }));
  }
  long const hops = size * laps;
  self.send(next, term::tuple_of({token, hops - 1}));
  for (;;) {
    auto m = co_await self.receive();
    auto k = m[1].as_int();
    if (k == 0) break;
    self.send(next, term::tuple_of({token, k - 1}));
  }
  self.send(next, stop);
  (void)co_await self.receive(); // stop came round
}

awaitable<> many_to_one(process& self, long n) {
  constexpr long senders = 1000;
  long const each = n / senders;
  auto parent = self.self();
  for (long s = 0; s < senders; ++s)
    self.spawn([parent, each](process& p) -> awaitable<> {
      for (long i = 0; i < each; ++i) p.send(parent, i);
      co_return;
    });
  for (long i = 0; i < senders * each; ++i) (void)co_await self.receive();
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

double idle_memory(runtime::system& sys, long n) {
  std::promise<double> result;
  auto fut = result.get_future();
  (void)*sys.spawn([&](process& self) -> awaitable<> {
    long before = rss_bytes();
    std::vector<term::pid> pids;
    pids.reserve(static_cast<std::size_t>(n));
    auto parent = self.self();
    for (long i = 0; i < n; ++i)
      pids.push_back(self.spawn([parent](process& c) -> awaitable<> {
        c.send(parent, done);
        (void)co_await c.receive();
      }));
    for (long i = 0; i < n; ++i) (void)co_await self.receive();
    long after = rss_bytes();
    for (auto const& p : pids) self.send(term::value(p), stop);
    result.set_value(static_cast<double>(after - before) / static_cast<double>(n));
  });
  return fut.get();
}

} // namespace

int main(int argc, char** argv) {
  int runs = 3;
  double scale = 1.0;
  std::string_view only;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::atoi(argv[++i]);
    else if (a == "--scale" && i + 1 < argc)
      scale = std::atof(argv[++i]);
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--runs N] [--scale F] [--only WORKLOAD]\n", argv[0]);
      return 2;
    }
  }
  runtime::scheduler sched;
  sched.start();
  runtime::system sys(sched.context());
  auto n = [&](long base) { return std::max(1000L, static_cast<long>(static_cast<double>(base) * scale)); };

  auto best = [&](auto work) {
    double b = 1e300;
    for (int r = 0; r < runs; ++r) b = std::min(b, timed(sys, work));
    return b;
  };
  long const spawns = n(1000000), trips = n(1000000), laps = std::max(1L, n(1000000) / 1000), msgs = n(1000000);
  auto want = [&](std::string_view name) {
    if (only.empty()) return true;
    // --only takes a comma-separated list
    std::size_t pos = 0;
    while (pos <= only.size()) {
      auto end = only.find(',', pos);
      if (end == std::string_view::npos) end = only.size();
      if (only.substr(pos, end - pos) == name) return true;
      pos = end + 1;
    }
    return false;
  };
  // Memory first, on a fresh heap: blocks that later workloads leave in the allocators
  // would hide part of it.
  if (want("idle_memory")) {
    std::printf("idle_memory %.0f bytes/process\n", idle_memory(sys, n(100000)));
    while (sys.stats().processes > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double t;
  if (want("spawn_exit")) {
    t = best([&](process& self) { return spawn_exit(self, spawns); });
    std::printf("spawn_exit %.0f processes/s %.3f s\n", static_cast<double>(spawns) / t, t);
  }
  if (want("ping_pong")) {
    t = best([&](process& self) { return ping_pong(self, trips); });
    std::printf("ping_pong %.0f round_trips/s %.3f s\n", static_cast<double>(trips) / t, t);
  }
  if (want("ring")) {
    t = best([&](process& self) { return ring(self, 1000, laps); });
    std::printf("ring %.0f hops/s %.3f s\n", static_cast<double>(1000 * laps) / t, t);
  }
  if (want("many_to_one")) {
    t = best([&](process& self) { return many_to_one(self, msgs); });
    std::printf("many_to_one %.0f messages/s %.3f s\n", static_cast<double>(msgs / 1000 * 1000) / t, t);
  }
  std::printf("threads %zu\n", sched.threads());
  sys.shutdown();
  sys.join();
  return 0;
}
