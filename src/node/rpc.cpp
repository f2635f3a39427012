#include <enode/node/rpc.hpp>

#include <enode/behaviours/gen_server.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

namespace enode::node::rpc {
namespace {

term::atom const rex{"rex"}, call_atom{"call"}, cast_atom{"cast"}, user{"user"}, badrpc{"badrpc"}, nodedown{"nodedown"},
    exit_atom{"EXIT"};

} // namespace

runtime::awaitable<term::value> call(runtime::process& self, term::atom node, term::atom module, term::atom function,
                                     term::value args, runtime::timeout t) {
  term::value const server = term::tuple_of({rex, node});
  term::value request = term::tuple_of({call_atom, module, function, std::move(args), user});
  term::value failed;
  try {
    co_return co_await behaviours::gen_server::call(self, server, std::move(request), t);
  } catch (runtime::exit_exception const& e) {
    if (self.exiting()) throw; // an exit signal, not the call's failure
    // gen_server:call's {Reason, {gen_server, call, Args}}, as rpc maps it.
    term::value const& r = e.reason().is_tuple() && e.reason().arity() == 2 ? e.reason()[0] : e.reason();
    if (term::is_record(r, nodedown, 2) || r.is_atom("noproc") || r.is_atom("noconnection"))
      failed = nodedown;
    else if (r.is_atom("timeout"))
      failed = term::atoms::timeout;
    else
      failed = term::tuple_of({exit_atom, r});
  }
  co_return term::tuple_of({badrpc, failed});
}

void cast(runtime::process& self, term::atom node, term::atom module, term::atom function, term::value args) {
  behaviours::gen_server::cast(self, term::tuple_of({rex, node}),
                               term::tuple_of({cast_atom, module, function, std::move(args), user}));
}

} // namespace enode::node::rpc
