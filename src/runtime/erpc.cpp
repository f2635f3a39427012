#include <enode/runtime/erpc.hpp>

#include <enode/runtime/exit.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>

namespace enode::runtime::erpc {
namespace {

term::atom const erpc_atom{"erpc"}, execute_call{"execute_call"}, execute_cast{"execute_cast"},
    spawn_reply_atom{"spawn_reply"}, return_atom{"return"}, throw_atom{"throw"}, exit_atom{"exit"},
    exception{"exception"}, signal_atom{"signal"};

[[noreturn]] void fail(term::value why) { throw runtime::error_exception(term::tuple_of({erpc_atom, std::move(why)})); }

// erpc's result/4: what the 'DOWN' reason of the call's process means.
term::value outcome(term::value const& res, term::value const& reason) {
  if (reason.is_tuple() && reason.arity() >= 3 && reason[0] == res && reason[1].is_atom()) {
    auto const cls = reason[1].as_atom();
    if (reason.arity() == 3 && cls == return_atom) return reason[2];
    if (reason.arity() == 3 && cls == throw_atom) throw runtime::throw_exception(reason[2]);
    if (reason.arity() == 3 && cls == exit_atom) throw runtime::exit_exception(term::tuple_of({exception, reason[2]}));
    if (reason.arity() == 4 && cls == term::atoms::error)
      throw runtime::error_exception(term::tuple_of({exception, reason[2], reason[3]}));
    if (reason.arity() == 3 && cls == term::atoms::error && term::is_record(reason[2], erpc_atom, 2))
      throw runtime::error_exception(reason[2]);
  }
  if (reason == term::value(term::atoms::noconnection)) fail(term::atoms::noconnection);
  throw runtime::exit_exception(term::tuple_of({signal_atom, reason}));
}

} // namespace

runtime::awaitable<term::value> call(runtime::process& self, term::atom node, term::atom module, term::atom function,
                                     term::value args, runtime::timeout t) {
  if (!args.is_list() || node == self.system().node()) fail(term::atoms::badarg);
  auto const mark = self.mark();
  term::value const res = self.make_ref();
  term::value const req =
      self.spawn_request(node, erpc_atom, execute_call, term::list_of({res, module, function, std::move(args)}),
                         /*monitor=*/true, runtime::spawn_reply::error_only);
  auto const ours = [&](term::value const& m) {
    return (term::is_record(m, spawn_reply_atom, 4) && m[1] == req) ||
           (term::is_record(m, term::atoms::DOWN, 5) && m[1] == req);
  };
  auto got = co_await self.receive(ours, t, mark);
  if (!got) {
    // Abandoned: the monitor goes (a 'DOWN' that came meanwhile with it), and a reply
    // still on its way is dropped by the node.
    self.demonitor(req, true);
    auto late = co_await self.receive(ours, runtime::timeout::zero());
    if (late && term::is_record(*late, term::atoms::DOWN, 5)) co_return outcome(res, (*late)[4]);
    fail(term::atoms::timeout);
  }
  if (term::is_record(*got, spawn_reply_atom, 4)) {
    // {spawn_reply, ReqId, error, Reason}: no process was made.
    self.demonitor(req, true);
    fail((*got)[3]);
  }
  co_return outcome(res, (*got)[4]);
}

void cast(runtime::process& self, term::atom node, term::atom module, term::atom function, term::value args) {
  if (!args.is_list() || node == self.system().node()) fail(term::atoms::badarg);
  (void)self.spawn_request(node, erpc_atom, execute_cast, term::list_of({module, function, std::move(args)}),
                           /*monitor=*/false, runtime::spawn_reply::no);
}

} // namespace enode::runtime::erpc
