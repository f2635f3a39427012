// enode_bench_dist_peer: the enode side of scripts/bench-dist.
//
// usage: enode_bench_dist_peer --sname NAME --cookie C
// Prints "ready NAME@HOST", stops when standard input closes. Registers:
//   echo     a gen_server whose call returns its request
//   sink     counts messages; {done, From} answers From ! {count, N} and starts over
//   blaster  {blast, Dest, N, Msg, ReportTo}: sends Msg to Dest N times, then
//            {done, ReportTo} to Dest (a sink answers ReportTo with its count)
//   caller   {calls, Server, N, Request, ReportTo}: N sequential gen_server calls (in a
//            process of their own, so that requests run side by side),
//            then ReportTo ! {calls_done, [MicrosecondsPerCall]}
// and serves dist_bench_beam:echo/1 to rpc and erpc, as the BEAM nodes do.
#include <enode/behaviours/gen_server.hpp>
#include <enode/node/node.hpp>
#include <enode/term/atoms.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

using namespace enode;
using runtime::awaitable;
using runtime::process;

term::atom const a_done{"done"}, a_count{"count"}, a_blast{"blast"}, a_calls{"calls"}, a_calls_done{"calls_done"};

class echo_server final : public behaviours::gen_server {
  awaitable<behaviours::action> handle_call(term::value const& request, behaviours::from const&) override {
    co_return behaviours::action::reply(request);
  }
};

awaitable<> sink(process& self) {
  std::int64_t n = 0;
  for (;;) {
    term::value m = co_await self.receive();
    if (term::is_record(m, a_done, 2)) {
      self.send(m[1], term::tuple_of({a_count, n}));
      n = 0;
    } else {
      ++n;
    }
  }
}

awaitable<> blaster(process& self) {
  for (;;) {
    term::value m = co_await self.receive();
    if (!term::is_record(m, a_blast, 5) || !m[2].is_small()) continue;
    for (std::int64_t i = 0; i < m[2].as_int(); ++i) self.send(m[1], m[3]);
    self.send(m[1], term::tuple_of({a_done, m[4]}));
  }
}

// Each request is served by a process of its own, so that requests run side by side.
awaitable<> caller(process& self) {
  for (;;) {
    term::value m = co_await self.receive();
    if (!term::is_record(m, a_calls, 5) || !m[2].is_small()) continue;
    self.spawn([m](process& worker) -> awaitable<> {
      std::vector<term::value> times;
      term::value const server = m[1], request = m[3];
      for (std::int64_t i = 0; i < m[2].as_int(); ++i) {
        auto t0 = std::chrono::steady_clock::now();
        co_await behaviours::gen_server::call(worker, server, request, std::chrono::seconds(30));
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
        times.emplace_back(us);
      }
      worker.send(m[4], term::tuple_of({a_calls_done, term::list_of(std::span<term::value const>(times))}));
    });
  }
}

} // namespace

int main(int argc, char** argv) {
  node::options opts;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--sname")
      opts.name = argv[i + 1];
    else if (a == "--cookie")
      opts.cookie = argv[i + 1];
    else if (a == "--threads")
      opts.threads = static_cast<std::size_t>(std::atoi(argv[i + 1]));
  }
  if (opts.name.empty()) return 2;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  node::node n(opts);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "enode_bench_dist_peer: %s\n", r.error().message().c_str());
    return 1;
  }
  n.functions().add("dist_bench_beam", "echo", [](term::value v) { return v; });
  auto& sys = n.system();
  auto reg = [&](char const* name, auto body) {
    auto p = sys.spawn(body);
    return p && sys.register_name(term::atom(name), *p);
  };
  bool ok = reg("sink", [](process& self) -> awaitable<> { co_await sink(self); }) &&
            reg("blaster", [](process& self) -> awaitable<> { co_await blaster(self); }) &&
            reg("caller", [](process& self) -> awaitable<> { co_await caller(self); }) &&
            reg("echo_starter", [](process& self) -> awaitable<> {
              co_await behaviours::gen_server::start_link(self, std::make_unique<echo_server>(),
                                                          behaviours::start_options{.name = term::atom("echo")});
              for (;;) co_await self.receive();
            });
  if (!ok) return 1;
  std::printf("ready %s\n", std::string(n.name().name()).c_str());
  std::fflush(stdout);
  std::thread([] {
    char buf[256];
    while (::read(0, buf, sizeof buf) > 0) {
    }
    ::kill(::getpid(), SIGTERM);
  }).detach();
  int sig = 0;
  sigwait(&set, &sig);
  n.stop();
  std::_Exit(0);
}
