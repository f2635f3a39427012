#pragma once

// An io_context run on a thread of its own, for tests of code that takes an executor.
#include <enode/core/asio.hpp>

#include <thread>

namespace enode::testing {

/// Runs `ioc` on a thread of its own from `start` for the life of the object.
struct io_thread {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  void start() {
    if (!thread.joinable()) thread = std::thread([this] { ioc.run(); });
  }
  ~io_thread() {
    work.reset();
    ioc.stop();
    if (thread.joinable()) thread.join();
  }
};

} // namespace enode::testing
