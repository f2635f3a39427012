// `rex`, the rpc server: what modern BEAM nodes still send it. rpc:call itself goes
// through spawn requests (erpc.cpp); rex serves rpc:block_call, the ei-style call of C
// nodes and erl_call, rpc:cast to nodes not known to serve erpc, sbcast, and the
// features request that tells a node's rpc that we serve erpc.
#include "apply.hpp"
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/term/atoms.hpp>

namespace enode::node {
namespace {

term::atom const rex{"rex"}, gen_call{"$gen_call"}, gen_cast{"$gen_cast"}, call{"call"}, block_call{"block_call"},
    cast{"cast"}, badrpc{"badrpc"}, exit_atom{"EXIT"}, features_request{"features_request"},
    features_reply{"features_reply"}, erpc{"erpc"}, sbcast{"sbcast"}, send{"send"},
    nonexisting_name{"nonexisting_name"};

// rpc's execute_call: the value, or {badrpc, {'EXIT', ...}}; a throw is returned as is.
term::value rpc_result(outcome const& o) {
  switch (o.what) {
    case outcome::kind::returned:
    case outcome::kind::thrown: return o.value;
    case outcome::kind::exited: return term::tuple_of({badrpc, term::tuple_of({exit_atom, o.value})});
    case outcome::kind::error: return term::tuple_of({badrpc, term::tuple_of({exit_atom, error_exit(o)})});
  }
  return {};
}

// {call, M, F, A, GroupLeader} served in a process of its own, as rex does, so that a
// long call does not hold the others up.
void serve_call(runtime::process& self, node_impl& n, term::value const& req, behaviours::from to) {
  self.spawn([&n, req, to = std::move(to)](runtime::process& worker) -> runtime::awaitable<> {
    auto o = co_await apply(worker, n.fns, req[1], req[2], req[3]);
    behaviours::gen_server::reply(worker, to, rpc_result(o));
  });
}

} // namespace

void start_rex(node_impl& n) {
  auto pid = n.sys->spawn([&n](runtime::process& self) -> runtime::awaitable<> {
    for (;;) {
      term::value m = co_await self.receive();
      if (term::is_record(m, gen_call, 3)) {
        auto from = behaviours::from::of(m[1]);
        term::value const& req = m[2];
        if (from && (term::is_record(req, call, 5) || term::is_record(req, block_call, 5)))
          serve_call(self, n, req, *from);
        continue; // rex ignores other calls
      }
      if (term::is_record(m, gen_cast, 2)) {
        term::value const& req = m[1];
        if (term::is_record(req, cast, 5)) {
          self.spawn([&n, req](runtime::process& worker) -> runtime::awaitable<> {
            auto o = co_await apply(worker, n.fns, req[1], req[2], req[3]);
            if (o.what == outcome::kind::error) worker.exit(error_exit(o));
          });
        }
        continue;
      }
      if (!(m.is_tuple() && m.arity() == 2 && m[0].is_pid())) continue;
      term::value const& from = m[0];
      term::value const& req = m[1];
      if (req.is_atom() && req.as_atom() == features_request) {
        self.send(from, term::tuple_of({features_reply, n.name_atom, term::list_of({erpc})}));
      } else if (term::is_record(req, call, 5)) {
        // The ei-style request of C nodes and erl_call: the reply is {rex, Result}.
        serve_call(self, n, req, behaviours::from{from, term::value(rex)});
      } else if ((term::is_record(req, sbcast, 3) || term::is_record(req, send, 3)) && req[1].is_atom()) {
        bool const is_sbcast = req[0].as_atom() == sbcast;
        auto target = self.system().whereis(req[1].as_atom());
        if (target) {
          self.send(term::value(*target), is_sbcast ? req[2] : term::tuple_of({from, req[2]}));
          if (is_sbcast) self.send(from, term::tuple_of({rex, n.name_atom, n.name_atom}));
        } else {
          self.send(from, term::tuple_of({rex, n.name_atom, term::tuple_of({nonexisting_name, req[1]})}));
        }
      }
    }
  });
  if (pid) (void)n.sys->register_name(rex, *pid);
}

} // namespace enode::node
