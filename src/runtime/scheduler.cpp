#include <enode/runtime/scheduler.hpp>

namespace enode::runtime {

namespace {
std::size_t default_threads(std::size_t n) {
  if (n) return n;
  auto hw = std::thread::hardware_concurrency();
  return hw ? hw : 1;
}
} // namespace

scheduler::scheduler(std::size_t threads)
    : threads_(default_threads(threads)), ioc_(static_cast<int>(threads_)) {}

scheduler::~scheduler() { stop(); }

void scheduler::start() {
  if (!pool_.empty()) return;
  if (ioc_.stopped()) ioc_.restart();
  work_.emplace(ioc_.get_executor());
  pool_.reserve(threads_);
  for (std::size_t i = 0; i < threads_; ++i) pool_.emplace_back([this] { ioc_.run(); });
}

void scheduler::stop(bool force) {
  work_.reset();
  if (force) ioc_.stop();
  for (auto& t : pool_)
    if (t.joinable()) t.join();
  pool_.clear();
}

} // namespace enode::runtime
