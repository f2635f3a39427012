// Spawn requests (SPAWN_REQUEST, OTP 23+): what `erpc:call`, `erpc:cast`, `rpc:call`
// and `rpc:multicall` send since OTP 25, and what `spawn_request/5` sends; and the
// replies to ours (node::erpc).
#include "apply.hpp"
#include "node_impl.hpp"

#include <enode/term/atoms.hpp>

namespace enode::node {
namespace {

term::atom const erpc{"erpc"}, execute_call{"execute_call"}, execute_cast{"execute_cast"}, return_atom{"return"},
    throw_atom{"throw"}, exit_atom{"exit"}, link_atom{"link"}, monitor_atom{"monitor"}, undef{"undef"},
    exception{"exception"};

// The body of a process that a spawn request asked for.
runtime::awaitable<> requested(runtime::process& self, node_impl& n, term::atom m, term::atom f, term::value args) {
  auto const a = args.list_elements();
  if (m == erpc && f == execute_call && a.size() == 4) {
    // erpc:execute_call(Res, M, F, A): the outcome is the exit reason, which reaches the
    // caller through its monitor.
    auto const& res = a[0];
    auto o = co_await apply(self, n.fns, a[1], a[2], a[3]);
    switch (o.what) {
      case outcome::kind::returned: self.exit(term::tuple_of({res, return_atom, o.value}));
      case outcome::kind::thrown: self.exit(term::tuple_of({res, throw_atom, o.value}));
      case outcome::kind::exited: self.exit(term::tuple_of({res, exit_atom, o.value}));
      case outcome::kind::error: self.exit(term::tuple_of({res, term::atoms::error, o.value, o.stack}));
    }
  }
  if (m == erpc && f == execute_cast && a.size() == 3) {
    // erpc:execute_cast(M, F, A): nobody waits; an error ends the process as erpc's does.
    auto o = co_await apply(self, n.fns, a[0], a[1], a[2]);
    if (o.what == outcome::kind::error) {
      n.log("erpc:cast of " + std::string(a[0].is_atom() ? a[0].as_atom().name() : "?") + ":" +
            std::string(a[1].is_atom() ? a[1].as_atom().name() : "?") + " failed");
      self.exit(term::tuple_of({term::tuple_of({exception, term::tuple_of({o.value, o.stack})}), term::value()}));
    }
    if (o.what == outcome::kind::exited) self.exit(o.value);
    co_return;
  }
  // Any other M:F(A...): a function we serve, or undef as on a node without the module.
  term::value const mv(m), fv(f); // locals, not temporaries in the co_await (GCC 12)
  auto o = co_await apply(self, n.fns, mv, fv, args);
  switch (o.what) {
    case outcome::kind::returned: co_return;
    case outcome::kind::thrown:
      self.exit(term::tuple_of({term::tuple_of({term::atoms::nocatch, o.value}), term::value()}));
    case outcome::kind::exited: self.exit(o.value);
    case outcome::kind::error: self.exit(error_exit(o));
  }
}

} // namespace

void node_impl::spawn_requested(dist::connection& c, peer& p, dist::control&& m) {
  bool link = false, monitor = false;
  for (auto const& o : m.options.list_elements()) {
    if (o.is_atom(link_atom.name())) link = true;
    if (o.is_atom(monitor_atom.name()) || term::is_record(o, monitor_atom, 2)) monitor = true;
  }
  auto const caller = m.from.as_pid();
  runtime::remote_spawn how;
  if (link) how.link.emplace(caller);
  if (monitor) how.monitor.emplace(m.ref, caller);
  auto const req_id = m.ref;
  how.ready = [&](term::pid const& pid) {
    {
      // The books first: a connection lost from now on answers for this process too.
      std::lock_guard g(p.mutex);
      if (link) p.links.emplace(term::value(pid), m.from);
      if (monitor) p.monitors_in[req_id] = term::value(pid);
    }
    dist::control reply;
    reply.what = dist::action::spawn_reply;
    reply.ref = req_id;
    reply.to = m.from;
    reply.id = (link ? 1u : 0u) | (monitor ? 2u : 0u);
    reply.reason = term::value(pid);
    c.send(reply);
  };
  auto const mod = m.to[0].as_atom(), fun = m.to[1].as_atom();
  // The node outlives its processes: stop() joins them before it goes.
  auto spawned =
      sys->spawn([self = this, mod, fun, args = std::move(m.message)](
                     runtime::process& proc) -> runtime::awaitable<> { return requested(proc, *self, mod, fun, args); },
                 how);
  if (!spawned) {
    // The node is stopping: no process can start. BEAM answers system_limit when it cannot.
    dist::control reply;
    reply.what = dist::action::spawn_reply;
    reply.ref = req_id;
    reply.to = m.from;
    reply.reason = term::value(term::atoms::system_limit);
    c.send(reply);
  }
}

void node_impl::spawn_replied(dist::connection& c, peer& p, dist::control&& m) {
  // {31, ReqId, To, Flags, Result}: Result a pid, or an error atom.
  bool const made = m.reason.is_pid();
  bool const monitored = made && (m.id & 2) != 0;
  peer::spawn_out sp;
  std::unique_lock g(p.mutex);
  auto it = p.spawns.find(m.ref);
  if (it == p.spawns.end()) return; // not ours, or answered already
  sp = std::move(it->second);
  p.spawns.erase(it);
  auto mon = p.monitors_out.find(m.ref);
  if (!sp.abandoned && mon != p.monitors_out.end()) {
    // The monitor now watches the process; a spawn that failed has none.
    if (monitored)
      mon->second.object = mon->second.target = m.reason;
    else
      p.monitors_out.erase(mon);
  }
  if (sp.abandoned) {
    g.unlock();
    if (monitored) {
      dist::control undo;
      undo.what = dist::action::demonitor;
      undo.from = sp.caller;
      undo.to = m.reason;
      undo.ref = m.ref;
      c.send(undo);
    }
    return;
  }
  bool const wanted = sp.reply == runtime::spawn_reply::yes || (sp.reply == runtime::spawn_reply::error_only && !made);
  if (!wanted || !sys) return;
  // Delivered under the peer's lock: a caller that gives up meanwhile (demonitor, which
  // routes through this lock) finds the reply in its mailbox when it looks, not later.
  sys->inject({runtime::remote_signal::kind::send,
               p.name,
               {},
               sp.caller,
               {},
               0,
               runtime::spawn_reply_message(m.ref, m.reason),
               {}});
}

} // namespace enode::node
