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

scheduler::scheduler(std::size_t threads) : threads_(default_threads(threads)), ioc_(static_cast<int>(threads_)) {}

scheduler::~scheduler() { stop(); }

void scheduler::start() {
  if (!pool_.empty()) return;
  if (ioc_.stopped()) ioc_.restart();
  work_.emplace(ioc_.get_executor());
  pool_.reserve(threads_);
  for (std::size_t i = 0; i < threads_; ++i) pool_.emplace_back([this] { run_thread(); });
}

// Runs handlers; when none is ready, keeps looking for a short while before it sleeps,
// as BEAM's schedulers busy-wait: a thread that sleeps takes tens of microseconds to be
// woken, which a message round trip would pay at every hop between threads.
void scheduler::run_thread() {
  using clock = std::chrono::steady_clock;
  auto last = clock::now();
  while (!ioc_.stopped()) {
    if (ioc_.poll() > 0) {
      last = clock::now();
      continue;
    }
    if (clock::now() - last < spin_) {
      std::this_thread::yield();
      continue;
    }
    if (ioc_.run_one() == 0) break; // stopped, or out of work
    last = clock::now();
  }
}

void scheduler::stop(bool force) {
  work_.reset();
  if (force) ioc_.stop();
  for (auto& t : pool_)
    if (t.joinable()) t.join();
  pool_.clear();
}

} // namespace enode::runtime
