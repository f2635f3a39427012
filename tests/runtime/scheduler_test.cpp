#include <enode/runtime/scheduler.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <thread>

namespace enode::runtime {

TEST_SUITE("runtime") {

  TEST_CASE("scheduler: defaults to one thread per core") {
    scheduler s;
    auto hw = std::thread::hardware_concurrency();
    CHECK(s.threads() == (hw ? hw : 1));
  }

  TEST_CASE("scheduler: its threads run posted work, and stop joins them") {
    scheduler s(3);
    s.start();
    s.start(); // idempotent
    std::atomic<int> ran{0};
    std::mutex m;
    std::set<std::thread::id> ids;
    for (int i = 0; i < 1000; ++i)
      net::post(s.context(), [&] {
        std::lock_guard g(m);
        ids.insert(std::this_thread::get_id());
        ++ran;
      });
    s.stop();
    CHECK(ran == 1000);
    CHECK(ids.count(std::this_thread::get_id()) == 0);
    CHECK(ids.size() <= 3);
  }

  TEST_CASE("scheduler: busy time counts the time its threads ran handlers") {
    // A test of time: each handler spins 1 ms and posts the next, so the thread goes
    // from one to the next without sleeping (the first may run as it wakes, which the
    // count leaves out).
    scheduler s(1);
    CHECK(s.busy_time().count() == 0);
    s.start();
    std::promise<void> done;
    std::function<void(int)> step = [&](int left) {
      auto const until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
      while (std::chrono::steady_clock::now() < until) {
      }
      if (left == 0)
        done.set_value();
      else
        net::post(s.context(), [&step, left] { step(left - 1); });
    };
    net::post(s.context(), [&step] { step(5); });
    done.get_future().wait();
    s.stop();
    CHECK(s.busy_time() >= std::chrono::milliseconds(4));
  }

  TEST_CASE("scheduler: without threads, the caller steps the loop") {
    scheduler s(1);
    int ran = 0;
    net::post(s.context(), [&] { ++ran; });
    net::post(s.context(), [&] { ++ran; });
    CHECK(s.run_one() == 1);
    CHECK(ran == 1);
    CHECK(s.poll() == 1);
    CHECK(ran == 2);
  }

} // TEST_SUITE
} // namespace enode::runtime
