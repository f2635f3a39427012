// `rex`, the rpc server: what modern BEAM nodes still send it. rpc:call itself goes
// through spawn requests (spawn_server.cpp); rex serves rpc:block_call, the ei-style call
// of C nodes and erl_call, rpc:cast to nodes not known to serve erpc, sbcast, and the
// features request that tells a node's rpc that we serve erpc.
#include "apply.hpp"
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/term/atoms.hpp>

namespace enode::node {
namespace {

using behaviours::action;

term::atom const rex_atom{"rex"}, call_atom{"call"}, block_call{"block_call"}, cast_atom{"cast"}, badrpc{"badrpc"},
    exit_atom{"EXIT"}, features_request{"features_request"}, features_reply{"features_reply"}, erpc{"erpc"},
    sbcast{"sbcast"}, send{"send"}, nonexisting_name{"nonexisting_name"};

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

class rex final : public behaviours::gen_server {
public:
  explicit rex(node_impl& n) : n_(n) {}

protected:
  runtime::awaitable<action> handle_call(term::value const& req, behaviours::from const& from) override {
    if (term::is_record(req, call_atom, 5) || term::is_record(req, block_call, 5)) serve_call(req, from);
    co_return action::noreply(); // rex ignores other calls
  }

  runtime::awaitable<action> handle_cast(term::value const& req) override {
    if (term::is_record(req, cast_atom, 5)) {
      self().spawn([&n = n_, req](runtime::process& worker) -> runtime::awaitable<> {
        auto o = co_await apply(worker, n.functions(), req[1], req[2], req[3]);
        if (o.what == outcome::kind::error) worker.exit(error_exit(o));
      });
    }
    co_return action::noreply();
  }

  runtime::awaitable<action> handle_info(term::value const& m) override {
    if (m.is_tuple() && m.arity() == 2 && m[0].is_pid()) serve_plain(m[0], m[1]);
    co_return action::noreply();
  }

private:
  // {call, M, F, A, GroupLeader} served in a process of its own, as rex does, so that a
  // long call does not hold the others up.
  void serve_call(term::value const& req, behaviours::from to) {
    self().spawn([&n = n_, req, to = std::move(to)](runtime::process& worker) -> runtime::awaitable<> {
      auto o = co_await apply(worker, n.functions(), req[1], req[2], req[3]);
      behaviours::gen_server::reply(worker, to, rpc_result(o));
    });
  }

  // {From, Request}: the features request, the ei-style call, sbcast and send.
  void serve_plain(term::value const& from, term::value const& req) {
    auto& me = self();
    if (req.is_atom() && req.as_atom() == features_request) {
      me.send(from, term::tuple_of({features_reply, n_.name(), term::list_of({erpc})}));
    } else if (term::is_record(req, call_atom, 5)) {
      // The ei-style request of C nodes and erl_call: the reply is {rex, Result}.
      serve_call(req, behaviours::from{from, term::value(rex_atom)});
    } else if ((term::is_record(req, sbcast, 3) || term::is_record(req, send, 3)) && req[1].is_atom()) {
      bool const is_sbcast = req[0].as_atom() == sbcast;
      auto target = me.system().whereis(req[1].as_atom());
      if (target) {
        me.send(term::value(*target), is_sbcast ? req[2] : term::tuple_of({from, req[2]}));
        if (is_sbcast) me.send(from, term::tuple_of({rex_atom, n_.name(), n_.name()}));
      } else {
        me.send(from, term::tuple_of({rex_atom, n_.name(), term::tuple_of({nonexisting_name, req[1]})}));
      }
    }
  }

  node_impl& n_;
};

} // namespace

behaviours::child_spec rex_spec(node_impl& n) {
  behaviours::child_spec c;
  c.id = rex_atom;
  c.start = behaviours::start_server<rex>(behaviours::start_options{.name = rex_atom}, std::ref(n));
  c.modules = {term::atom("rpc")};
  return c;
}

} // namespace enode::node
