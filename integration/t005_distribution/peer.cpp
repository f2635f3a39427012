// enode_dist_peer: an enode node whose C++ processes a BEAM test drives, so that links,
// monitors, exits and calls can start on the C++ side.
//
// usage: enode_dist_peer --sname NAME --cookie C [--ticktime S]
//
// Prints "ready NAME@HOST" when it accepts connections; stops when standard input closes
// (the test's port goes) or on SIGTERM. It registers `ctl`, which answers
// {From, {spawn_worker, Report}} with {worker, Pid}: a new C++ process that reports to
// Report and obeys these messages:
//   {link, P} {unlink, P} {monitor, P} {demonitor, Ref} {trap_exit, Bool}
//   {exit, Reason}               exits with Reason
//   {exit_signal, P, Reason}     exit(P, Reason)
//   {send, Dest, Msg}            Dest ! Msg
//   {call, Server, Req, Timeout} gen_server:call, the result (or {'EXIT', Reason}) reported
//   {monitor_node, Node}         erlang:monitor_node(Node, true)
// and acknowledges each with {done, Self, What, Result}; anything else it receives
// ('EXIT' and 'DOWN' messages, nodedown, ...) is reported as {got, Self, Msg}.
#include <enode/behaviours/gen_server.hpp>
#include <enode/node/node.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

using namespace enode;
namespace atoms = term::atoms;
using runtime::awaitable;
using runtime::process;

term::atom const a_link{"link"}, a_unlink{"unlink"}, a_monitor{"monitor"}, a_demonitor{"demonitor"};
term::atom const a_trap_exit{"trap_exit"}, a_exit{"exit"}, a_exit_signal{"exit_signal"}, a_send{"send"};
term::atom const a_call{"call"}, a_monitor_node{"monitor_node"}, a_done{"done"}, a_got{"got"};
term::atom const a_spawn_worker{"spawn_worker"}, a_worker{"worker"};

awaitable<> worker(process& self, node::node& n, term::value report) {
  for (;;) {
    term::value m = co_await self.receive();
    auto done = [&](term::value what, term::value result) {
      self.send(report, term::tuple_of({a_done, self.self(), std::move(what), std::move(result)}));
    };
    if (!m.is_tuple() || m.arity() < 2 || !m[0].is_atom()) {
      self.send(report, term::tuple_of({a_got, self.self(), m}));
      continue;
    }
    auto const what = m[0].as_atom();
    if (what == a_link && m[1].is_pid()) {
      self.link(m[1].as_pid());
      done(m[0], atoms::ok);
    } else if (what == a_unlink && m[1].is_pid()) {
      self.unlink(m[1].as_pid());
      done(m[0], atoms::ok);
    } else if (what == a_monitor && m.arity() == 2) {
      done(m[0], self.monitor(m[1]));
    } else if (what == a_demonitor && m.arity() == 2) {
      done(m[0], self.demonitor(m[1], true));
    } else if (what == a_trap_exit && m[1].is_boolean()) {
      self.trap_exit(m[1] == term::value(true));
      done(m[0], atoms::ok);
    } else if (what == a_exit && m.arity() == 2) {
      self.exit(m[1]);
    } else if (what == a_exit_signal && m.arity() == 3 && m[1].is_pid()) {
      self.exit(m[1].as_pid(), m[2]);
      done(m[0], atoms::ok);
    } else if (what == a_send && m.arity() == 3) {
      self.send(m[1], m[2]);
      done(m[0], atoms::ok);
    } else if (what == a_call && m.arity() == 4) {
      term::value result;
      try {
        auto t = m[3].is_small() ? runtime::timeout(std::chrono::milliseconds(m[3].as_int())) : runtime::infinity;
        result = co_await behaviours::gen_server::call(self, m[1], m[2], t);
      } catch (runtime::exit_exception const& e) {
        result = term::tuple_of({atoms::EXIT, e.reason()});
      }
      done(m[0], result);
    } else if (what == a_monitor_node && m[1].is_atom()) {
      n.monitor_node(self.pid(), m[1].as_atom(), true);
      done(m[0], true);
    } else {
      self.send(report, term::tuple_of({a_got, self.self(), m}));
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  node::options opts;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--sname")
      opts.name = argv[i + 1];
    else if (a == "--name")
      opts.name = argv[i + 1], opts.long_names = true;
    else if (a == "--cookie")
      opts.cookie = argv[i + 1];
    else if (a == "--ticktime")
      opts.ticktime = std::chrono::seconds(std::atoi(argv[i + 1]));
  }
  if (opts.name.empty()) {
    std::fprintf(stderr, "usage: enode_dist_peer --sname NAME --cookie C\n");
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  node::node n(opts);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "enode_dist_peer: %s\n", r.error().message().c_str());
    return 1;
  }
  node::node* np = &n;
  auto ctl = n.system().spawn([np](process& self) -> awaitable<> {
    for (;;) {
      term::value m = co_await self.receive();
      if (m.is_tuple() && m.arity() == 2 && m[0].is_pid() && term::is_record(m[1], a_spawn_worker, 2)) {
        term::value report = m[1][1];
        auto w = self.spawn([np, report](process& p) -> awaitable<> { co_await worker(p, *np, report); });
        self.send(m[0], term::tuple_of({a_worker, term::value(w)}));
      }
    }
  });
  if (!ctl || !n.system().register_name(term::atom("ctl"), *ctl)) return 1;
  std::printf("ready %s\n", std::string(n.name().name()).c_str());
  std::fflush(stdout);
  // Stop when the test closes our standard input, or on SIGTERM.
  std::thread stdin_watch([] {
    char buf[256];
    while (::read(0, buf, sizeof buf) > 0) {
    }
    ::kill(::getpid(), SIGTERM);
  });
  stdin_watch.detach();
  int sig = 0;
  sigwait(&set, &sig);
  n.stop();
  std::_Exit(0);
}
