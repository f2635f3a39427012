// The server side of spawn requests (SPAWN_REQUEST, OTP 23+): what `erpc:call`,
// `erpc:cast`, `rpc:call` and `rpc:multicall` send since OTP 25, and what
// `spawn_request/5` sends. (The replies to ours are the requesting process's to handle.)
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
    auto o = co_await apply(self, n.functions(), a[1], a[2], a[3]);
    switch (o.what) {
      case outcome::kind::returned: self.exit(term::tuple_of({res, return_atom, o.value}));
      case outcome::kind::thrown: self.exit(term::tuple_of({res, throw_atom, o.value}));
      case outcome::kind::exited: self.exit(term::tuple_of({res, exit_atom, o.value}));
      case outcome::kind::error: self.exit(term::tuple_of({res, term::atoms::error, o.value, o.stack}));
    }
  }
  if (m == erpc && f == execute_cast && a.size() == 3) {
    // erpc:execute_cast(M, F, A): nobody waits; an error ends the process as erpc's does.
    auto o = co_await apply(self, n.functions(), a[0], a[1], a[2]);
    if (o.what == outcome::kind::error) {
      n.logger().error("erpc:cast of " + std::string(a[0].is_atom() ? a[0].as_atom().name() : "?") + ":" +
                       std::string(a[1].is_atom() ? a[1].as_atom().name() : "?") + " failed");
      self.exit(term::tuple_of({term::tuple_of({exception, term::tuple_of({o.value, o.stack})}), term::value()}));
    }
    if (o.what == outcome::kind::exited) self.exit(o.value);
    co_return;
  }
  // Any other M:F(A...): a function we serve, or undef as on a node without the module.
  term::value const mv(m), fv(f); // locals, not temporaries in the co_await (GCC 12)
  auto o = co_await apply(self, n.functions(), mv, fv, args);
  switch (o.what) {
    case outcome::kind::returned: co_return;
    case outcome::kind::thrown:
      self.exit(term::tuple_of({term::tuple_of({term::atoms::nocatch, o.value}), term::value()}));
    case outcome::kind::exited: self.exit(o.value);
    case outcome::kind::error: self.exit(error_exit(o));
  }
}

} // namespace

void node_impl::spawn_requested(term::atom from, signals::spawn_request&& r) {
  bool link = false, monitor = false;
  for (auto const& o : r.options.list_elements()) {
    if (o.is_atom(link_atom.name())) link = true;
    if (o.is_atom(monitor_atom.name()) || term::is_record(o, monitor_atom, 2)) monitor = true;
  }
  auto const caller = r.from.as_pid();
  runtime::remote_spawn how;
  if (link) how.link.emplace(caller);
  if (monitor) how.monitor.emplace(r.ref, caller);
  std::uint8_t const set_up =
      (link ? signals::spawn_reply::linked : 0) | (monitor ? signals::spawn_reply::monitored : 0);
  // The reply leaves as the process exists and before it runs, so that nothing it sends
  // overtakes it; through the router, which books its link and monitor.
  how.ready = [&](term::pid const& pid) {
    term::value const made(pid);
    if (connected(from)) {
      route(from, signals::spawn_reply{r.ref, r.from, set_up, made});
      return;
    }
    // The connection the request came over is gone (BEAM drops the reply then): the new
    // process hears of it as of a lost connection, as the runtime answers any reply
    // that cannot go.
    sys_->answer_unreachable(signals::spawn_reply{r.ref, r.from, set_up, made});
  };
  // The node outlives its processes: stop() joins them before it goes.
  auto spawned = sys_->spawn(
      [self = this, mod = r.module, fun = r.function, args = r.args](runtime::process& proc) -> runtime::awaitable<> {
        return requested(proc, *self, mod, fun, args);
      },
      how);
  // The node is stopping: no process can start. BEAM answers system_limit when it cannot.
  if (!spawned) route(from, signals::spawn_reply{r.ref, r.from, 0, term::value(term::atoms::system_limit)});
}

} // namespace enode::node
