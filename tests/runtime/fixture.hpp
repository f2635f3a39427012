#pragma once

// A runtime for the tests: a scheduler with ENODE_TEST_THREADS threads (default 2, so
// that every test exercises real concurrency; the TSan run uses more) and a system on
// it. `run` executes a body as a process and waits for it to end.
#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <string_view>

namespace enode::runtime::test {

using namespace std::chrono_literals;
namespace atoms = term::atoms;

inline std::size_t test_threads() {
  if (char const* s = std::getenv("ENODE_TEST_THREADS")) return static_cast<std::size_t>(std::atoi(s));
  return 2;
}

/// The term `text` reads as.
inline term::value t(std::string_view text) {
  auto v = term::parse(text);
  REQUIRE_MESSAGE(v, "parse failed: " << text);
  return *v;
}

inline term::atom a(std::string_view name) { return term::atom(name); }

struct fixture {
  scheduler sched{test_threads()};
  runtime::system sys{sched.context(), system_options{.node = term::atom("test@localhost"), .creation = 7}};

  fixture() { sched.start(); }
  ~fixture() {
    sys.shutdown(1s);
    sys.join();
  }

  /// Runs `body` as a process and waits (up to a minute) for it to end; returns its exit
  /// reason (`normal` when it returned). A root process spawns and monitors it, so
  /// that whatever ends the body is seen.
  template <class F>
  term::value run(F body) {
    std::promise<term::value> done;
    auto fut = done.get_future();
    auto pid = sys.spawn([&](process& runner) -> awaitable<> {
      auto [p, ref] = runner.spawn_monitor([&](process& self) -> awaitable<> { co_await body(self); });
      auto down = co_await runner.receive(
          [&](term::value const& m) { return m.is_tuple() && m.arity() == 5 && m[1] == ref; }, infinity);
      done.set_value((*down)[4]);
      (void)p;
    });
    REQUIRE(pid);
    if (fut.wait_for(60s) != std::future_status::ready) FAIL("process did not end within 60 s");
    return fut.get();
  }
};

/// Blocks the test thread until `pred` holds (checked every millisecond, up to 10 s).
template <class P>
bool eventually(P pred) {
  for (int i = 0; i < 10000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

inline bool is_down(term::value const& m, term::value const& ref) {
  return m.is_tuple() && m.arity() == 5 && m[0] == term::value(atoms::DOWN) && m[1] == ref;
}

inline bool is_exit_from(term::value const& m, term::pid const& from) {
  return m.is_tuple() && m.arity() == 3 && m[0] == term::value(atoms::EXIT) && m[1] == term::value(from);
}

} // namespace enode::runtime::test
