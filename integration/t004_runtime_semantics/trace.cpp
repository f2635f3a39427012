// The runtime's side of t004: runs each scenario as enode processes and prints what the
// observing process saw, one line per scenario, `{Name, [Event, ...]}.`, with pids and
// references replaced by p0, p1, ... and r0, r1, ... in order of appearance.
// semantics.escript runs the same scenarios on the BEAM and compares.
//
// usage: enode_runtime_trace [SCENARIO...]   (default: all)
#include <enode/behaviours/gen_server.hpp>
#include <enode/behaviours/supervisor.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <string>
#include <vector>

using namespace enode;
using namespace std::chrono_literals;
using runtime::awaitable;
using runtime::process;
namespace atoms = term::atoms;
namespace bh = behaviours;

namespace {

term::atom a(char const* s) { return term::atom(s); }
term::value t(char const* s) { return *term::parse(s); }

using events = std::vector<term::value>;
using scenario = std::function<awaitable<>(process&, events&)>;

bool is_down(term::value const& m, term::value const& ref) {
  return m.is_tuple() && m.arity() == 5 && m[0] == term::value(atoms::DOWN) && m[1] == ref;
}
auto down_of(term::value ref) {
  return [ref](term::value const& m) { return is_down(m, ref); };
}
auto exit_from(term::pid p) {
  return [v = term::value(p)](term::value const& m) {
    return m.is_tuple() && m.arity() == 3 && m[0] == term::value(atoms::EXIT) && m[1] == v;
  };
}
awaitable<> idle(process& self) {
  for (;;) (void)co_await self.receive();
}
term::value caught(runtime::error_exception const& e) {
  return term::tuple_of({a("caught"), atoms::error, e.reason()});
}

// A gen_server for the gen_server scenarios: {echo, X} -> X; {sleep, Ms} sleeps then replies.
struct server : bh::gen_server {
  awaitable<bh::action> handle_call(term::value const& req, bh::from const&) override {
    if (req.is_tuple() && req[0] == term::value(a("sleep"))) {
      co_await self().sleep(std::chrono::milliseconds(req[1].as_int()));
      co_return bh::action::reply(a("slept"));
    }
    co_return bh::action::reply(req[1]);
  }
};

std::map<std::string, scenario> scenarios() {
  std::map<std::string, scenario> s;
  s["kill_link_trap"] = [](process& self, events& ev) -> awaitable<> {
    self.trap_exit(true);
    auto p = self.spawn_link(idle);
    self.exit(p, atoms::kill);
    ev.push_back(*co_await self.receive(exit_from(p), 5s));
  };
  s["exit_kill_via_link"] = [](process& self, events& ev) -> awaitable<> {
    self.trap_exit(true);
    auto p = self.spawn_link([](process& c) -> awaitable<> {
      c.exit(atoms::kill);
      co_return;
    });
    ev.push_back(*co_await self.receive(exit_from(p), 5s));
  };
  s["normal_exit_trap"] = [](process& self, events& ev) -> awaitable<> {
    self.trap_exit(true);
    auto p = self.spawn_link([](process&) -> awaitable<> { co_return; });
    ev.push_back(*co_await self.receive(exit_from(p), 5s));
  };
  s["abnormal_kills_linked"] = [](process& self, events& ev) -> awaitable<> {
    auto [m, ref] = self.spawn_monitor([](process& c) -> awaitable<> {
      c.spawn_link([](process& d) -> awaitable<> {
        (void)co_await d.receive(20ms);
        d.exit(a("boom"));
      });
      co_await idle(c);
    });
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
  };
  s["normal_spares_linked"] = [](process& self, events& ev) -> awaitable<> {
    auto [m, ref] = self.spawn_monitor([](process& c) -> awaitable<> {
      c.spawn_link([](process&) -> awaitable<> { co_return; });
      (void)co_await c.receive(50ms);
      c.exit(a("still_alive"));
    });
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
  };
  s["monitor_noproc"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process&) -> awaitable<> { co_return; });
    ev.push_back(*co_await self.receive(down_of(ref), 5s));
    auto again = self.monitor(term::value(p));
    ev.push_back(*co_await self.receive(down_of(again), 5s));
  };
  s["monitor_unregistered_name"] = [](process& self, events& ev) -> awaitable<> {
    auto ref = self.monitor(term::value(a("no_such_name")));
    ev.push_back(*co_await self.receive(down_of(ref), 5s));
  };
  s["monitor_registered_name"] = [](process& self, events& ev) -> awaitable<> {
    auto parent = self.self();
    self.spawn([parent](process& c) -> awaitable<> {
      c.register_name(a("watched"));
      c.send(parent, a("ready"));
      (void)co_await c.receive();
      c.exit(a("bye"));
    });
    (void)co_await self.receive([](auto const& m) { return m == term::value(a("ready")); }, 5s);
    auto ref = self.monitor(term::value(a("watched")));
    self.send(term::value(a("watched")), a("go"));
    ev.push_back(*co_await self.receive(down_of(ref), 5s));
  };
  s["link_dead_trap"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process&) -> awaitable<> { co_return; });
    (void)co_await self.receive(down_of(ref), 5s);
    self.trap_exit(true);
    self.link(p);
    ev.push_back(*co_await self.receive(exit_from(p), 5s));
  };
  s["link_dead_no_trap"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process&) -> awaitable<> { co_return; });
    (void)co_await self.receive(down_of(ref), 5s);
    try {
      self.link(p);
      ev.push_back(a("linked"));
    } catch (runtime::error_exception const& e) {
      ev.push_back(caught(e));
    }
  };
  s["exit_self_normal"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process& c) -> awaitable<> {
      c.exit(c.pid(), atoms::normal);
      c.exit(a("not_reached"));
      co_return;
    });
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
  };
  s["exit_normal_ignored"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process& c) -> awaitable<> {
      (void)co_await c.receive([](auto const& m) { return m == term::value(a("go")); }, runtime::infinity);
      c.exit(a("got_go"));
    });
    self.exit(p, atoms::normal);
    self.send(term::value(p), a("go"));
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
  };
  s["trapped_exit2_then_kill"] = [](process& self, events& ev) -> awaitable<> {
    auto parent = self.self();
    auto [p, ref] = self.spawn_monitor([parent](process& c) -> awaitable<> {
      c.trap_exit(true);
      c.send(parent, a("ready"));
      for (;;) {
        auto m = co_await c.receive();
        c.send(parent, term::tuple_of({a("forwarded"), m}));
      }
    });
    (void)co_await self.receive([](auto const& m) { return m == term::value(a("ready")); }, 5s);
    self.exit(p, a("please"));
    ev.push_back(
        *co_await self.receive([](auto const& m) { return m.is_tuple() && m[0] == term::value(a("forwarded")); }, 5s));
    self.exit(p, atoms::kill);
    ev.push_back(*co_await self.receive(down_of(ref), 5s));
  };
  s["demonitor_flush"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process& c) -> awaitable<> { (void)co_await c.receive(); });
    auto r1 = self.monitor(term::value(p));
    self.exit(p, a("gone"));
    co_await self.sleep(50ms);
    ev.push_back(term::value(self.message_queue_len() == 2));
    ev.push_back(term::value(self.demonitor(r1, true)));
    ev.push_back(term::value(static_cast<std::int64_t>(self.message_queue_len())));
    ev.push_back(*co_await self.receive(down_of(ref), 5s));
  };
  s["selective_receive"] = [](process& self, events& ev) -> awaitable<> {
    for (int i = 1; i <= 4; ++i) self.send(self.self(), i);
    self.send(self.self(), a("x"));
    ev.push_back(*co_await self.receive([](auto const& m) { return m.is_atom(); }, 1s));
    ev.push_back(*co_await self.receive([](auto const& m) { return m == term::value(3); }, 1s));
    while (auto m = co_await self.receive(0ms)) ev.push_back(*m);
  };
  s["error_reason"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process&) -> awaitable<> {
      throw runtime::error_exception(a("boom"));
      co_return;
    });
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
  };
  s["throw_reason"] = [](process& self, events& ev) -> awaitable<> {
    auto [p, ref] = self.spawn_monitor([](process&) -> awaitable<> {
      throw runtime::throw_exception(a("ball"));
      co_return;
    });
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
  };
  s["send_to_names"] = [](process& self, events& ev) -> awaitable<> {
    try {
      self.send(term::value(a("no_such_name")), a("x"));
      ev.push_back(a("sent"));
    } catch (runtime::error_exception const& e) {
      ev.push_back(caught(e));
    }
    self.send(term::tuple_of({a("no_such_name"), self.pid().node}), a("x"));
    ev.push_back(a("name_node_sent"));
    self.register_name(a("me"));
    try {
      self.register_name(a("me_too"));
    } catch (runtime::error_exception const& e) {
      ev.push_back(caught(e));
    }
    self.send(term::value(a("me")), a("to_me"));
    ev.push_back(*co_await self.receive(1s));
    co_return;
  };
  s["unlink_then_exit"] = [](process& self, events& ev) -> awaitable<> {
    auto p = self.spawn_link([](process& c) -> awaitable<> {
      (void)co_await c.receive();
      c.exit(a("bad"));
    });
    self.unlink(p);
    auto ref = self.monitor(term::value(p));
    self.send(term::value(p), a("go"));
    ev.push_back((*co_await self.receive(down_of(ref), 5s))[4]);
    ev.push_back(a("survived"));
  };
  s["timers"] = [](process& self, events& ev) -> awaitable<> {
    self.send_after(10ms, self.self(), a("tick"));
    ev.push_back(*co_await self.receive(5s));
    auto tref = self.start_timer(10ms, self.self(), a("tock"));
    auto m = co_await self.receive(5s);
    ev.push_back(
        term::value((*m)[0] == term::value(atoms::timeout) && (*m)[1] == tref && (*m)[2] == term::value(a("tock"))));
    auto c = self.send_after(10s, self.self(), a("never"));
    ev.push_back(term::value(self.cancel_timer(c).has_value()));
    ev.push_back(term::value(self.cancel_timer(c).has_value()));
  };
  s["gen_server_call_errors"] = [](process& self, events& ev) -> awaitable<> {
    auto r = co_await bh::gen_server::start(self, std::make_unique<server>(), {.name = a("srv")});
    ev.push_back(co_await bh::gen_server::call(self, term::value(a("srv")), t("{echo, hello}")));
    try {
      (void)co_await bh::gen_server::call(self, term::value(a("srv")), t("{sleep, 200}"), 20ms);
    } catch (runtime::exit_exception const& e) {
      ev.push_back(e.reason());
    }
    try {
      (void)co_await bh::gen_server::call(self, term::value(a("no_server")), a("x"));
    } catch (runtime::exit_exception const& e) {
      ev.push_back(e.reason());
    }
    co_await bh::gen_server::stop(self, term::value(a("srv")));
    ev.push_back(term::value(self.system().whereis(a("srv")).has_value()));
    (void)r;
  };
  s["supervisor_children"] = [](process& self, events& ev) -> awaitable<> {
    auto start = [](process& sup, term::value const&) {
      return bh::gen_server::start_link(sup, std::make_unique<server>());
    };
    bh::child_spec w1{.id = a("w1"), .start = start};
    bh::child_spec w2{.id = a("w2"), .start = start, .restart = bh::restart_type::temporary};
    auto r = co_await bh::supervisor::start_link(self, {.strategy = bh::strategy::one_for_one, .intensity = 3},
                                                 std::move(w1), std::move(w2));
    auto sup = term::value(r.pid);
    auto before = co_await bh::supervisor::which_children(self, sup);
    ev.push_back(co_await bh::supervisor::count_children(self, sup));
    self.exit(before.list_elements()[0][1].as_pid(), a("crash")); // w1 is restarted
    self.exit(before.list_elements()[1][1].as_pid(), a("crash")); // w2 is not
    co_await self.sleep(50ms);
    auto after = co_await bh::supervisor::which_children(self, sup);
    ev.push_back(term::value(static_cast<std::int64_t>(after.list_elements().size())));
    ev.push_back(term::value(after.list_elements()[0][1] != before.list_elements()[0][1]));
    ev.push_back(co_await bh::supervisor::terminate_child(self, sup, a("w1")));
    ev.push_back(co_await bh::supervisor::which_children(self, sup));
    ev.push_back(co_await bh::supervisor::delete_child(self, sup, a("nope")));
    self.unlink(r.pid);
    self.exit(r.pid, atoms::shutdown);
  };
  return s;
}

// Pids and references become p0, p1, ... and r0, r1, ... in order of first appearance.
struct normalizer {
  std::vector<term::value> seen_pids, seen_refs;
  term::value label(std::vector<term::value>& seen, char prefix, term::value const& v) {
    for (std::size_t i = 0; i < seen.size(); ++i)
      if (seen[i] == v) return term::atom(std::string(1, prefix) + std::to_string(i));
    seen.push_back(v);
    return term::atom(std::string(1, prefix) + std::to_string(seen.size() - 1));
  }
  term::value operator()(term::value const& v) {
    switch (v.type()) {
      case term::kind::pid: return label(seen_pids, 'p', v);
      case term::kind::reference: return label(seen_refs, 'r', v);
      case term::kind::tuple: {
        std::vector<term::value> es;
        for (auto const& e : v.elements()) es.push_back((*this)(e));
        return term::tuple_of(es);
      }
      case term::kind::list: {
        std::vector<term::value> es;
        for (auto const& e : v.list_elements()) es.push_back((*this)(e));
        return term::list_of(es, (*this)(v.list_tail()));
      }
      default: return v;
    }
  }
};

} // namespace

int main(int argc, char** argv) {
  auto all = scenarios();
  std::vector<std::string> wanted;
  for (int i = 1; i < argc; ++i) wanted.emplace_back(argv[i]);
  if (wanted.empty())
    for (auto const& [name, fn] : all) wanted.push_back(name);

  runtime::scheduler sched;
  sched.start();
  runtime::system sys(sched.context());
  int status = 0;
  for (auto const& name : wanted) {
    auto it = all.find(name);
    if (it == all.end()) {
      std::fprintf(stderr, "enode_runtime_trace: no scenario %s\n", name.c_str());
      return 2;
    }
    std::promise<term::value> done;
    events ev;
    // The observer runs in a process of its own, watched so that its end is reported.
    (void)sys.spawn([&](process& runner) -> awaitable<> {
      auto [p, ref] = runner.spawn_monitor([&](process& self) -> awaitable<> { co_await it->second(self, ev); });
      auto d = co_await runner.receive(down_of(ref), 30s);
      done.set_value(d ? (*d)[4] : term::value(a("no_down")));
      (void)p;
    });
    auto reason = done.get_future().get();
    if (reason != term::value(atoms::normal)) {
      ev.push_back(term::tuple_of({a("observer_ended"), reason}));
      status = 1;
    }
    normalizer norm;
    std::printf("{%s, %s}.\n", name.c_str(), term::to_string(norm(term::list_of(ev))).c_str());
    std::fflush(stdout);
  }
  sys.shutdown();
  sys.join();
  return status;
}
