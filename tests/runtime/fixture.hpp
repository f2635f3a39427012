#pragma once

// A runtime for the tests: a scheduler with ENODE_TEST_THREADS threads (default 2, so
// that every test exercises real concurrency; the TSan run uses more) and a system on
// it. `run` executes a body as a process and waits for it to end.
#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include "common/eventually.hpp"
#include "common/process.hpp"
#include "common/term.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <string_view>

namespace enode::runtime::test {

using namespace std::chrono_literals;
namespace atoms = term::atoms;
using testing::a;
using testing::eventually;
using testing::is_down;
using testing::is_exit_from;
using testing::t;
using testing::yield_until;

inline std::size_t test_threads() {
  if (char const* s = std::getenv("ENODE_TEST_THREADS")) return static_cast<std::size_t>(std::atoi(s));
  return 2;
}

struct fixture {
  scheduler sched{test_threads()};
  runtime::system sys{sched.context(), system_options{.node = term::atom("test@localhost"), .creation = 7}};

  fixture() { sched.start(); }
  ~fixture() {
    sys.shutdown(1s);
    sys.join();
  }

  /// Runs `body` as a process and waits (up to a minute) for it to end; returns its exit
  /// reason (`normal` when it returned).
  template <class F>
  term::value run(F body) {
    return testing::run_to_exit(sys, body);
  }
};

} // namespace enode::runtime::test
