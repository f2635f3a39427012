#pragma once

// Running a body as a process from the test's thread, and waiting inside a process for
// something other processes bring about.
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <future>
#include <memory>

namespace enode::testing {

/// Runs `body` as a process of `sys` and waits (up to `limit`) for it to end; returns its
/// exit reason (`normal` when it returned). A root process spawns and monitors it, so
/// that whatever ends the body is seen. `body` stays the caller's: it must outlive the
/// process, which it does unless the wait fails.
template <class F>
term::value run_to_exit(runtime::system& sys, F& body, std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::promise<term::value> done;
  auto fut = done.get_future();
  auto pid = sys.spawn([&](runtime::process& runner) -> runtime::awaitable<> {
    auto [p, ref] = runner.spawn_monitor([&](runtime::process& self) -> runtime::awaitable<> { co_await body(self); });
    auto down = co_await runner.receive(
        [&](term::value const& m) { return m.is_tuple() && m.arity() == 5 && m[1] == ref; }, runtime::infinity);
    done.set_value((*down)[4]);
    (void)p;
  });
  REQUIRE(pid);
  if (fut.wait_for(limit) != std::future_status::ready) FAIL("the process did not end in time");
  return fut.get();
}

/// Runs `body` (`awaitable<T>(process&)`) as a process of `sys` and waits (up to `limit`)
/// for the value it returns; rethrows what it throws.
template <class T, class F>
T run_for_value(runtime::system& sys, F body, std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto done = std::make_shared<std::promise<T>>();
  auto fut = done->get_future();
  auto pid = sys.spawn([done, body](runtime::process& self) -> runtime::awaitable<> {
    try {
      done->set_value(co_await body(self));
    } catch (...) {
      done->set_exception(std::current_exception());
      throw;
    }
  });
  REQUIRE(pid);
  REQUIRE(fut.wait_for(limit) == std::future_status::ready);
  return fut.get();
}

/// Resumes `self` after what is already queued on its executor: lets the process's
/// other coroutines and handlers run, then the other work of the scheduler's queue.
inline runtime::awaitable<> yield(runtime::process& self) {
  co_await net::post(self.get_executor(), runtime::use_awaitable);
}

/// Inside a process: yields until `pred()` holds, for at most `limit`; whether it held.
/// For a state that only shows in `system::info` (a process parked, a link taken up),
/// where no message says so.
template <class P>
runtime::awaitable<bool> yield_until(runtime::process& self, P pred,
                                     std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto const end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) co_return pred();
    co_await yield(self);
  }
  co_return true;
}

/// Whether `m` is `{'DOWN', Ref, process, _, _}` for `ref`.
inline bool is_down(term::value const& m, term::value const& ref) {
  return m.is_tuple() && m.arity() == 5 && m[0] == term::value(term::atoms::DOWN) && m[1] == ref;
}

/// Whether `m` is `{'EXIT', From, _}`.
inline bool is_exit_from(term::value const& m, term::pid const& from) {
  return m.is_tuple() && m.arity() == 3 && m[0] == term::value(term::atoms::EXIT) && m[1] == term::value(from);
}

} // namespace enode::testing
