#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace enode::runtime {

/// Owns an io_context and the threads that run it: the engine under a runtime system.
///
/// `start` launches the threads (by default one per core); they run until `stop`.
/// Tests that want to step the loop themselves leave it unstarted and call `poll` or
/// `run_one` on the calling thread instead. An application that already runs an
/// io_context needs no scheduler: hand its io_context to `system`.
class scheduler {
public:
  /// `threads` = 0 means `std::thread::hardware_concurrency()` (at least 1).
  explicit scheduler(std::size_t threads = 0);
  /// Stops and joins the threads.
  ~scheduler();
  scheduler(scheduler const&) = delete;
  scheduler& operator=(scheduler const&) = delete;

  net::io_context& context() noexcept { return ioc_; }
  std::size_t threads() const noexcept { return threads_; }

  /// Launches the threads. Idempotent.
  void start();
  /// Lets the io_context run out of work and joins the threads; pending handlers are
  /// abandoned if `force` (io_context::stop). Idempotent.
  void stop(bool force = false);

  /// Runs ready handlers on the calling thread (not started threads only): see io_context.
  std::size_t poll() { return ioc_.poll(); }
  std::size_t run_one() { return ioc_.run_one(); }

  /// Time the threads spent running handlers (not waiting for them), summed over the
  /// threads, since they started: BEAM's scheduler active time.
  std::chrono::nanoseconds busy_time() const noexcept;

private:
  void run_thread(std::size_t index);

  std::size_t threads_;
  std::chrono::microseconds spin_{200};
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> pool_;
  struct alignas(64) busy_slot {
    std::atomic<std::int64_t> ns{0};
  };
  std::unique_ptr<busy_slot[]> busy_;
};

} // namespace enode::runtime

#pragma GCC visibility pop
