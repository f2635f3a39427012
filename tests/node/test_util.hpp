#pragma once

// Nodes of enode in one test process, on a private EPMD port that the first node serves.
#include <enode/dist/epmd_server.hpp>
#include <enode/node/node.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>

#include "common/eventually.hpp"
#include "common/process.hpp"
#include "common/term.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>

namespace enode::node_test {

using namespace std::chrono_literals;
using runtime::awaitable;
using runtime::process;
using testing::eventually;

// Whether the embedded EPMD could listen on `port` (it closes again at once).
inline bool can_listen(std::uint16_t port) {
  boost::asio::io_context ioc;
  return dist::epmd::server::listen(ioc.get_executor(), port).has_value();
}

// Two ports for this test run's EPMDs (the one returned and the next), away from 4369 and
// the integration tests' 44xx, and below the kernel's ephemeral range, where no outgoing
// connection takes them (a port taken from the pid alone once reached into that range, and
// a node's start failed one time in some hundred). Test processes running side by side start
// from their pids, and each skips a pair it cannot listen on.
inline std::uint16_t epmd_port() {
  static std::uint16_t const p = [] {
    unsigned low = 32768; // the first port of the ephemeral range
    if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
      if (std::fscanf(f, "%u", &low) != 1) low = 32768;
      std::fclose(f);
    }
    unsigned const base = 10000, pairs = low > base + 2 ? (low - base) / 2 : 1;
    auto const start = static_cast<unsigned>(::getpid()) % pairs;
    for (unsigned i = 0; i < pairs; ++i) {
      auto const port = static_cast<std::uint16_t>(base + 2 * ((start + i) % pairs));
      if (can_listen(port) && can_listen(static_cast<std::uint16_t>(port + 1))) return port;
    }
    FAIL("no free pair of ports for a test EPMD below " << low);
    return std::uint16_t{0};
  }();
  return p;
}

inline node::options opts(std::string name, bool hidden = false) {
  node::options o;
  o.name = std::move(name) + "_" + std::to_string(::getpid()) + "@localhost";
  o.cookie = "secret";
  o.epmd_port = epmd_port();
  o.hidden = hidden;
  o.threads = 2;
  o.log = [n = o.name](std::string_view l) {
    if (std::getenv("ENODE_TEST_LOG"))
      std::fprintf(stderr, "%s: %.*s\n", n.c_str(), static_cast<int>(l.size()), l.data());
  };
  return o;
}

// Runs `body` as a process of `n` and waits for its result (up to 30 s).
template <class T, class F>
T run_in(node::node& n, F body) {
  return testing::run_for_value<T>(n.system(), std::move(body));
}

// Functions for rpc and erpc callers: calc:mul/2; boom/1, bye/1 and ball/1 raise an error,
// an exit and a throw of their argument; tell/2 sends its second argument to its first.
// For calls that must time out or be cut off: hang/0 waits for a message that never
// comes; wait/1 sends {waiting, self()} to its argument, then returns the first message
// it gets.
inline void serve_calc(node::node& n) {
  auto& f = n.functions();
  f.add("calc", "mul", [](long x, long y) { return x * y; });
  f.add("calc", "boom", [](term::value r) -> int { throw runtime::error_exception(r); });
  f.add("calc", "bye", [](term::value r) -> int { throw runtime::exit_exception(r); });
  f.add("calc", "ball", [](term::value r) -> int { throw runtime::throw_exception(r); });
  f.add("calc", "hang", [](process& self) -> awaitable<term::value> {
    auto never = co_await self.receive([](term::value const&) { return false; }, runtime::infinity);
    co_return never.value_or(term::value());
  });
  f.add("calc", "wait", [](process& self, term::value tell) -> awaitable<term::value> {
    self.send(tell, term::tuple_of({term::atom("waiting"), self.self()}));
    co_return co_await self.receive();
  });
  f.add("calc", "tell", [](process& self, term::value to, term::value what) { self.send(to, what); });
}

} // namespace enode::node_test
