// A program that is a node: configured from the environment, run until a stop signal.
#include <enode/node/application.hpp>

#include "system_processes.hpp"

#include <enode/dist/epmd.hpp>
#include <enode/dist/epmd_server.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <pthread.h>
#include <thread>

namespace enode::node {

namespace {

std::optional<std::string_view> env(char const* name) {
  char const* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string_view(v);
}

// A port number, 1..65535.
std::optional<std::uint16_t> port_of(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::string bad_port(char const* var, std::string_view v) {
  return std::string(var) + " must be a port number (1..65535), not '" + std::string(v) + "'";
}

} // namespace

std::string apply_environment(options& opts) {
  if (!opts.log_level) {
    auto level = log::level_from_env();
    if (!level.problem.empty()) return level.problem;
    opts.log_level = level.value;
  }
  if (!opts.cookie) {
    if (auto c = env("RELEASE_COOKIE")) opts.cookie = std::string(*c);
  }
  bool long_names = false;
  if (auto d = env("RELEASE_DISTRIBUTION")) {
    if (*d == "name")
      long_names = true;
    else if (*d == "none")
      return "RELEASE_DISTRIBUTION is none: a node needs distribution (sname or name)";
    else if (*d != "sname")
      return "RELEASE_DISTRIBUTION must be sname or name, not '" + std::string(*d) + "'";
  }
  if (opts.name.empty()) {
    if (auto n = env("RELEASE_NODE")) {
      opts.name = std::string(*n);
      opts.long_names = long_names;
    }
  }
  if (!opts.epmd_port) {
    if (auto p = env("ERL_EPMD_PORT")) {
      auto port = port_of(*p);
      if (!port) return bad_port("ERL_EPMD_PORT", *p);
      opts.epmd_port = *port;
    }
  }
  if (opts.listen_port == 0) {
    auto lo = env("ENODE_DIST_LISTEN_MIN"), hi = env("ENODE_DIST_LISTEN_MAX");
    if (lo) {
      auto p = port_of(*lo);
      if (!p) return bad_port("ENODE_DIST_LISTEN_MIN", *lo);
      opts.listen_port = *p;
    }
    if (hi) {
      auto p = port_of(*hi);
      if (!p) return bad_port("ENODE_DIST_LISTEN_MAX", *hi);
      if (!lo) opts.listen_port = *p; // as the kernel takes a max alone: that port
      if (*p < opts.listen_port)
        return "ENODE_DIST_LISTEN_MAX (" + std::string(*hi) + ") is below ENODE_DIST_LISTEN_MIN (" + std::string(*lo) +
               ")";
      opts.listen_port_max = *p;
    }
  }
  return {};
}

int run(int argc, char const* const* argv, application app) {
  if (auto status = epmd_successor(argc, argv)) return *status;
  // What this program's messages start with: its name.
  std::string me = argc > 0 && argv[0] ? argv[0] : "enode";
  me = me.substr(me.find_last_of('/') + 1);
  char const* const prog = me.c_str();
  if (auto problem = apply_environment(app.node); !problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", prog, problem.c_str());
    return 2;
  }
  if (app.node.name.empty()) {
    std::fprintf(stderr, "%s: no node name: set RELEASE_NODE (and RELEASE_DISTRIBUTION=name for a long name)\n", prog);
    return 2;
  }
  auto signals = block_stop_signals();
  // init:stop or erlang:halt from another node: the waiting thread is woken as by a signal.
  pthread_t const waiter = pthread_self();
  std::atomic<int> asked_status{-1};
  if (!app.node.stop_requested)
    app.node.stop_requested = [&asked_status, waiter](int status) {
      asked_status = status;
      pthread_kill(waiter, SIGTERM);
    };
  enode::node::node n(app.node);
  if (app.setup) app.setup(n);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "%s: cannot start node %s: %s\n", prog, app.node.name.c_str(), r.error().message().c_str());
    return 1;
  }
  // The root: a process that starts the supervisor and lives as long as it does. When
  // the supervisor gives up, it tells the waiting thread (with a stop signal of its own).
  std::promise<bool> up;
  std::atomic<bool> gave_up{false}, stopping{false};
  auto root = n.system().spawn([&](runtime::process& self) -> runtime::awaitable<> {
    self.trap_exit(true);
    auto sup = co_await behaviours::supervisor::start_link(self, app.flags, app.children,
                                                           behaviours::start_options{.name = app.supervisor_name});
    up.set_value(static_cast<bool>(sup));
    if (!sup) co_return;
    for (;;) {
      auto m = co_await self.receive();
      if (term::is_record(m, term::atoms::EXIT, 3)) {
        if (m[1] == term::value(sup.pid) && !stopping) {
          n.system().logger().error("the root supervisor exited: " + term::to_string(m[2]));
          gave_up = true;
          pthread_kill(waiter, SIGTERM);
        }
        self.exit(m[2]);
      }
    }
  });
  if (!root || !up.get_future().get()) {
    std::fprintf(stderr, "%s: the root supervisor of %s did not start\n", prog, std::string(n.name().name()).c_str());
    n.stop();
    return 1;
  }
  if (app.started) {
    try {
      app.started(n);
    } catch (std::exception const& e) {
      std::fprintf(stderr, "%s: %s\n", prog, e.what());
      n.stop();
      return 1;
    }
  }
  int sig = 0;
  sigwait(&signals, &sig);
  stopping = true;
  int const asked = asked_status;
  if (asked >= 0)
    std::fprintf(stderr, "%s: stopping as another node asked (init:stop or erlang:halt), status %d\n", prog, asked);
  else if (!gave_up)
    std::fprintf(stderr, "%s: %s: stopping\n", prog, sig == SIGINT ? "SIGINT" : "SIGTERM");
  n.stop();
  if (asked >= 0) return asked;
  return gave_up ? 1 : 0;
}

sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int serve_until_stopped(net::io_context& ioc, dist::epmd::server& srv, sigset_t const& signals) {
  srv.start();
  std::thread t([&] { ioc.run(); });
  int sig = 0;
  sigwait(&signals, &sig);
  srv.stop();
  ioc.stop();
  t.join();
  return 0;
}

int serve_epmd(std::optional<std::uint16_t> port) {
  auto signals = block_stop_signals();
  net::io_context ioc;
  auto srv = dist::epmd::server::listen(ioc.get_executor(), port ? *port : dist::epmd::default_port());
  if (!srv) {
    std::fprintf(stderr, "epmd: %s\n", srv.error().message().c_str());
    return 1;
  }
  return serve_until_stopped(ioc, **srv, signals);
}

} // namespace enode::node
