#include <enode/runtime/scheduler.hpp>

#include <chrono>

namespace enode::runtime {

namespace {
std::size_t default_threads(std::size_t n) {
  if (n) return n;
  auto hw = std::thread::hardware_concurrency();
  return hw ? hw : 1;
}
} // namespace

scheduler::scheduler(std::size_t threads)
    : threads_(default_threads(threads)), ioc_(static_cast<int>(threads_)),
      busy_(std::make_unique<busy_slot[]>(threads_)) {}

scheduler::~scheduler() { stop(); }

void scheduler::start() {
  if (!pool_.empty()) return;
  if (ioc_.stopped()) ioc_.restart();
  work_.emplace(ioc_.get_executor());
  pool_.reserve(threads_);
  for (std::size_t i = 0; i < threads_; ++i) pool_.emplace_back([this, i] { run_thread(i); });
}

// Runs handlers; when none is ready, keeps looking for a short while before it sleeps,
// as BEAM's schedulers busy-wait: a thread that sleeps takes tens of microseconds to be
// woken, which a message round trip would pay at every hop between threads.
// The time from before a poll that ran something to after it counts as busy.
void scheduler::run_thread(std::size_t index) {
  using clock = std::chrono::steady_clock;
  auto& busy = busy_[index].ns;
  auto last = clock::now();
  auto now = last;
  while (!ioc_.stopped()) {
    auto const before = now;
    auto const ran = ioc_.poll();
    now = clock::now();
    if (ran > 0) {
      busy.store(busy.load(std::memory_order_relaxed) + (now - before).count(), std::memory_order_relaxed);
      last = now;
      continue;
    }
    if (now - last < spin_) {
      std::this_thread::yield();
      continue;
    }
    if (ioc_.run_one() == 0) break; // stopped, or out of work
    now = last = clock::now();
  }
}

std::chrono::nanoseconds scheduler::busy_time() const noexcept {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < threads_; ++i) total += busy_[i].ns.load(std::memory_order_relaxed);
  return std::chrono::nanoseconds(total);
}

void scheduler::stop(bool force) {
  work_.reset();
  if (force) ioc_.stop();
  for (auto& t : pool_)
    if (t.joinable()) t.join();
  pool_.clear();
}

} // namespace enode::runtime
