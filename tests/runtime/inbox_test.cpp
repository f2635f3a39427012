// The lock-free signal queue of a process (process_impl's `inbox_`): senders on any
// thread push with a compare-and-swap, the process takes the whole stack at once and
// reverses it. Tested directly on a process that is never started (so nothing but this
// test drains it), and through the scheduler, where a receive parks and each push that
// finds it parked must wake it.
#include "runtime/fixture.hpp"
#include "runtime/process_impl.hpp"
#include "runtime/signal.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace enode::runtime {

using namespace test;

namespace {

constexpr int producers = 4;
constexpr int per_producer = 40000;

/// A message numbered `seq` from sender `from`, as one small integer.
term::value numbered(int from, int seq) { return term::value((std::int64_t{from} << 32) | seq); }
int sender_of(term::value const& v) { return static_cast<int>(v.as_int() >> 32); }
int seq_of(term::value const& v) { return static_cast<int>(v.as_int() & 0xffffffff); }

/// Checks that messages arrive once each and in each sender's order.
struct order_check {
  explicit order_check(int senders) : next(static_cast<std::size_t>(senders), 0) {}
  std::vector<int> next;
  std::size_t total = 0;
  std::size_t out_of_order = 0;
  void see(term::value const& v) {
    ++total;
    if (!v.is_small()) {
      ++out_of_order;
      return;
    }
    auto from = static_cast<std::size_t>(sender_of(v));
    if (from >= next.size() || seq_of(v) != next[from])
      ++out_of_order;
    else
      ++next[from];
  }
  bool complete(int each) const {
    for (int n : next)
      if (n != each) return false;
    return true;
  }
};

/// A process object that is never started: no run, no receive, so the test is the only
/// one to drain it. Pushing messages to it only touches the queue (the process is not
/// parked, so no push wakes anything).
process_ptr unstarted(runtime::system& sys) {
  constexpr std::uint64_t number = (std::uint64_t{1} << 27) + 4242; // in no table
  return process_ptr(new process_impl(impl_of(sys), number, nullptr, false), false);
}

/// The first message of the mailbox, taken out (`empty` when there is none).
term::value take_first(process_impl& p) {
  mailbox::cursor at;
  signal* s = p.mbox.find(nullptr, at);
  if (!s) return term::value(term::atom("empty"));
  return p.mbox.take(at, s);
}

/// A message that counts its destructions.
std::atomic<int> counted_freed{0};
struct counted final : signal {
  explicit counted(term::value v) : signal(signal_kind::message) { payload = std::move(v); }
  ~counted() override { counted_freed.fetch_add(1, std::memory_order_relaxed); }
};

} // namespace

TEST_SUITE("runtime") {

  TEST_CASE_FIXTURE(fixture, "inbox: an empty queue drains to nothing, and a drain keeps arrival order") {
    auto p = unstarted(sys);
    CHECK(p->queue_length() == 0);
    p->drain();
    CHECK(p->mbox.empty());
    CHECK(p->queue_length() == 0);

    for (int i = 0; i < 3; ++i) CHECK(p->push(signal::message(i), false));
    CHECK(p->queue_length() == 3); // counted while still in the queue
    CHECK(p->mbox.empty());
    p->drain();
    CHECK(p->mbox.size() == 3);
    CHECK(p->queue_length() == 3);
    // More arrive after a drain: they go behind the ones already in the mailbox.
    for (int i = 3; i < 5; ++i) CHECK(p->push(signal::message(i), false));
    CHECK(p->queue_length() == 5);
    p->drain();
    for (int i = 0; i < 5; ++i) CHECK(take_first(*p) == term::value(i));
    CHECK(p->mbox.empty());
    CHECK(p->queue_length() == 0);
    p->drain(); // empty again
    CHECK(p->mbox.empty());
  }

  TEST_CASE_FIXTURE(fixture, "inbox: many threads push while one drains: each message once, in each sender's order") {
    auto p = unstarted(sys);
    std::size_t const total = std::size_t{producers} * per_producer;
    std::atomic<bool> done{false};
    std::atomic<int> refused{0};
    std::atomic<std::size_t> too_long{0};

    // What introspection does from any thread: the length never exceeds what was sent
    // (a drain never counts a signal below zero).
    std::thread observer([&] {
      while (!done.load(std::memory_order_acquire)) {
        if (p->queue_length() > total) too_long.fetch_add(1, std::memory_order_relaxed);
        std::this_thread::yield();
      }
    });

    order_check seen(producers);
    std::size_t drains = 0;
    std::thread consumer([&] {
      while (seen.total < total) {
        p->drain();
        ++drains;
        if (p->mbox.empty()) {
          std::this_thread::yield();
          continue;
        }
        while (!p->mbox.empty()) seen.see(take_first(*p));
      }
    });

    std::vector<std::thread> senders;
    for (int t = 0; t < producers; ++t) {
      senders.emplace_back([&, t] {
        for (int i = 0; i < per_producer; ++i)
          if (!p->push(signal::message(numbered(t, i)), false)) refused.fetch_add(1);
      });
    }
    for (auto& th : senders) th.join();
    consumer.join();
    done.store(true, std::memory_order_release);
    observer.join();

    CHECK(refused.load() == 0);
    CHECK(seen.total == total);
    CHECK(seen.out_of_order == 0);
    CHECK(seen.complete(per_producer));
    CHECK(too_long.load() == 0);
    CHECK(p->queue_length() == 0);
    p->drain();
    CHECK(p->mbox.empty());
    MESSAGE("drains: " << drains);
  }

  TEST_CASE_FIXTURE(fixture, "inbox: a parked receive is woken by every sender, threads and processes alike") {
    // The consumer waits in receive whenever its queue is empty; each push that finds it
    // parked must wake it, or the test hangs (and fails after a minute).
    constexpr int thread_senders = 3;
    constexpr int process_senders = 2;
    constexpr int each = 20000;
    constexpr int senders_n = thread_senders + process_senders;

    std::promise<order_check> result;
    auto got = result.get_future();
    auto consumer = sys.spawn([&](process& self) -> awaitable<> {
      order_check seen(senders_n);
      for (int i = 0; i < senders_n * each; ++i) seen.see(co_await self.receive());
      result.set_value(seen);
    });
    REQUIRE(consumer);
    term::pid const to = *consumer;

    for (int s = thread_senders; s < senders_n; ++s) {
      auto sender = sys.spawn([to, s](process& self) -> awaitable<> {
        for (int i = 0; i < each; ++i) self.send(to, numbered(s, i));
        co_return;
      });
      REQUIRE(sender);
    }
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int s = 0; s < thread_senders; ++s) {
      threads.emplace_back([&, s] {
        for (int i = 0; i < each; ++i)
          if (!sys.send(to, numbered(s, i))) failed.fetch_add(1);
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failed.load() == 0);

    REQUIRE_MESSAGE(got.wait_for(60s) == std::future_status::ready, "a wake-up was lost");
    auto seen = got.get();
    CHECK(seen.total == std::size_t{senders_n} * each);
    CHECK(seen.out_of_order == 0);
    CHECK(seen.complete(each));
  }

  TEST_CASE_FIXTURE(fixture, "inbox: a selective receive re-parks on messages that do not match until one does") {
    constexpr int senders_n = 3;
    constexpr int each = 5000;
    std::promise<order_check> result;
    auto got = result.get_future();
    auto consumer = sys.spawn([&](process& self) -> awaitable<> {
      // Every message but `done` wakes it and is passed over; it parks again each time.
      auto done = co_await self.receive([](term::value const& m) { return m == term::value(a("done")); }, infinity);
      order_check seen(senders_n);
      if (!done) {
        result.set_value(seen);
        co_return;
      }
      // The others are all there, in each sender's order, and nothing more.
      for (int i = 0; i < senders_n * each; ++i) {
        auto m = co_await self.receive(timeout::zero());
        if (!m) break;
        seen.see(*m);
      }
      if (co_await self.receive(timeout::zero())) seen.see(term::value(a("extra")));
      result.set_value(seen);
    });
    REQUIRE(consumer);
    term::pid const to = *consumer;
    std::vector<std::thread> threads;
    for (int s = 0; s < senders_n; ++s) {
      threads.emplace_back([&, s] {
        for (int i = 0; i < each; ++i) (void)sys.send(to, numbered(s, i));
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(sys.send(to, a("done")));

    REQUIRE_MESSAGE(got.wait_for(60s) == std::future_status::ready, "the receive was not woken by its match");
    auto seen = got.get();
    CHECK(seen.total == std::size_t{senders_n} * each);
    CHECK(seen.out_of_order == 0);
    CHECK(seen.complete(each));
  }

  TEST_CASE_FIXTURE(fixture,
                    "inbox: pushes racing with the process's exit are each taken by it or refused to the sender") {
    // Threads push straight into the queue of a process that ends when it gets `go`
    // (pushed half-way by sender 0, which then pushes until one is refused). Each signal is
    // either accepted, and then freed by the process (received, or dropped at its exit),
    // or refused and left to the sender. Nothing leaks or is freed twice.
    constexpr int senders_n = 3;
    constexpr int each = 5000;
    counted_freed.store(0);
    std::atomic<int> accepted{0}, refused{0};
    std::vector<std::thread> threads;

    auto push = [&](process_impl& to, term::value v) {
      auto* s = new counted(std::move(v));
      if (to.push(s, false)) {
        accepted.fetch_add(1);
        return true;
      }
      refused.fetch_add(1);
      delete s; // refused: still the sender's
      return false;
    };

    auto reason = run([&](process& self) -> awaitable<> {
      process_ptr me = impl_of(sys).lookup(self.self().as_pid());
      CHECK(me);
      if (!me) co_return;
      for (int s = 0; s < senders_n; ++s) {
        threads.emplace_back([&push, me, s] {
          for (int i = 0; i < each; ++i) {
            if (s == 0 && i == each / 2) push(*me, a("go"));
            push(*me, numbered(s, i));
          }
          if (s == 0)
            while (push(*me, numbered(s, each))) {
            }
        });
      }
      co_await self.receive([](term::value const& m) { return m == term::value(a("go")); }, infinity);
    });
    CHECK(reason == term::value(atoms::normal));
    for (auto& th : threads) th.join();

    // The process has finished (its DOWN came after it closed and emptied its queue).
    CHECK(refused.load() >= 1);
    CHECK(counted_freed.load() == accepted.load() + refused.load());
  }

} // TEST_SUITE

} // namespace enode::runtime
