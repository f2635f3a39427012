// global_name_server for a node that registers no global names.
//
// A BEAM node's `global` starts a sync session with every new visible node and waits,
// in global:sync/0, until each has completed it; a node that ignores it blocks sync/0
// forever and can stall the BEAM's locker. This process completes the session as a
// "leaf" does (lib/kernel/src/global.erl, protocol version 8, OTP 25 to 27):
//
//   them: cast {init_connect, {8, HisTag}, N, {locker, _, _, LockerPid}}
//   us:   cast the same (our tag), and answer {init_connect_ack, E, HisTag, MyTag}
//   them: call {set_lock, ...}              -> true when free (the lock table below)
//   them: cast {lock_set, P, true, _, MyTag} -> us: {lock_set, Self, true, [], HisTag}
//                                                   {exchange, E, [], [], HisTag}
//   them: cast {exchange, N, _, _, MyTag}    -> us: {resolved, E, [], [], unused, [], HisTag}
//   them: cast {resolved, N, _, Known, ...}  -> N is known; for each node in Known we do
//         not know, connect and cast {in_sync, E, true} (their sync/0 waits for us)
//   them: cast {new_nodes, N, _, _, Nodes, _} -> the same for Nodes
//
// plus the calls that global:set_lock/trans/register_name make on every node:
// set_lock, del_lock, register, register_ext, unregister.
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/term/atoms.hpp>

#include <map>
#include <set>

namespace enode::node {
namespace {

namespace atoms = term::atoms;
using behaviours::action;

struct names {
  term::atom global_name_server{"global_name_server"};
  term::atom init_connect{"init_connect"}, init_connect_ack{"init_connect_ack"}, locker{"locker"};
  term::atom no_longer_a_pid{"no_longer_a_pid"}, lock_set{"lock_set"}, exchange{"exchange"};
  term::atom resolved{"resolved"}, new_nodes{"new_nodes"}, in_sync{"in_sync"}, unused{"unused"};
  term::atom cancel_connect{"cancel_connect"}, remove_connection{"remove_connection"};
  term::atom set_lock{"set_lock"}, del_lock{"del_lock"}, register_{"register"}, register_ext{"register_ext"};
  term::atom unregister{"unregister"}, nodeup{"nodeup"}, nodedown{"nodedown"}, yes{"yes"};
  term::atom gen_cast{"$gen_cast"};
};

struct session {
  term::value my_tag;
  term::value his_tag;
  std::int64_t his_vsn = 0;
};

struct lock {
  term::value req;
  std::multiset<term::value> holders;
};

constexpr int protocol_version = 8;

class global_name_server final : public behaviours::gen_server {
public:
  explicit global_name_server(node_impl& n) : n_(n), me_(n.name()) {}

protected:
  runtime::awaitable<action> init() override {
    n_.monitor_nodes(self().pid(), true);
    co_return action::ok();
  }

  // The calls that global:set_lock/trans/register_name make on every node.
  runtime::awaitable<action> handle_call(term::value const& req, behaviours::from const& from) override {
    if (term::is_record(req, w_.set_lock, 2) && req[1].is_tuple() && req[1].arity() == 2) {
      // global:can_set_lock/1: free, or held for the same request id.
      auto& l = locks_[req[1][0]];
      if (!l.holders.empty() && l.req != req[1][1]) co_return action::reply(false);
      l.req = req[1][1];
      l.holders.insert(from.pid);
      co_return action::reply(true);
    }
    if (term::is_record(req, w_.del_lock, 2) && req[1].is_tuple() && req[1].arity() == 2) {
      if (auto it = locks_.find(req[1][0]); it != locks_.end()) {
        if (auto h = it->second.holders.find(from.pid); h != it->second.holders.end()) it->second.holders.erase(h);
        if (it->second.holders.empty()) locks_.erase(it);
      }
      co_return action::reply(true);
    }
    if (term::is_record(req, w_.register_, 4) || term::is_record(req, w_.register_ext, 5))
      co_return action::reply(w_.yes); // we keep no copy of the name table: a leaf node
    if (term::is_record(req, w_.unregister, 2)) co_return action::reply(atoms::ok);
    co_return action::noreply(); // not a call global makes on other nodes
  }

  // The sync session (see the top of this file).
  runtime::awaitable<action> handle_cast(term::value const& c) override {
    if (c.is_tuple() && c.arity() >= 2 && c[0].is_atom()) session_cast(c[0].as_atom(), c);
    co_return action::noreply();
  }

  runtime::awaitable<action> handle_info(term::value const& m) override {
    if (!m.is_tuple() || m.arity() < 2 || !m[0].is_atom()) co_return action::noreply();
    auto const what = m[0].as_atom();
    if (what == w_.nodeup && m[1].is_atom()) {
      if (!known_.contains(m[1].as_atom())) start_session(m[1].as_atom());
    } else if (what == w_.nodedown && m[1].is_atom()) {
      node_down(m[1].as_atom());
    } else if (what == w_.cancel_connect && m.arity() == 3 && m[1].is_atom()) {
      auto node = m[1].as_atom();
      if (tag_matches(node, m[2])) {
        sessions_.erase(node);
        start_session(node);
      }
    } else if (what == w_.remove_connection && m[1].is_atom()) {
      (void)n_.disconnect(m[1].as_atom());
    }
    // init_connect_ack (their acknowledgement of ours), lost_connection and anything
    // else: ignored, as by a node that does not prevent overlapping partitions.
    co_return action::noreply();
  }

private:
  void session_cast(term::atom what, term::value const& c) {
    if (what == w_.init_connect && c.arity() == 4 && c[2].is_atom()) {
      init_connect(c[2].as_atom(), c[1]);
    } else if (what == w_.lock_set && c.arity() >= 4 && c[1].is_pid()) {
      auto node = c[1].as_pid().node;
      if (c[2] != term::value(true)) return;
      if (c.arity() >= 5 && !tag_matches(node, c[4])) return;
      auto it = sessions_.find(node);
      if (it == sessions_.end()) return;
      cast(node, term::tuple_of({w_.lock_set, self().self(), true, term::value{}, it->second.his_tag}));
      cast(node, term::tuple_of({w_.exchange, me_, term::value{}, term::value{}, it->second.his_tag}));
    } else if (what == w_.exchange && c.arity() >= 5 && c[1].is_atom()) {
      auto node = c[1].as_atom();
      if (!tag_matches(node, c[4])) return;
      cast(node, term::tuple_of({w_.resolved, me_, term::value{}, term::value{}, w_.unused, term::value{},
                                 sessions_[node].his_tag}));
    } else if (what == w_.resolved && c.arity() >= 7 && c[1].is_atom()) {
      auto node = c[1].as_atom();
      if (!tag_matches(node, c[6])) return;
      sessions_.erase(node);
      known_.insert(node);
      sync_with(c[3]);
    } else if (what == w_.new_nodes && c.arity() >= 5) {
      sync_with(c[4]);
    } else if (what == w_.in_sync && c[1].is_atom()) {
      sessions_.erase(c[1].as_atom());
    }
  }

  // {init_connect, {Vsn, Tag}, Node, Locker}: the other node starts a session.
  void init_connect(term::atom node, term::value const& vt) {
    if (known_.contains(node)) return; // as pre_connect: a known node's request is ignored
    // {Vsn, Tag} (read loosely: later versions may add elements).
    if (!vt.is_tuple() || vt.arity() < 2 || !vt[0].is_small()) return;
    session& s = start_session(node);
    s.his_vsn = vt[0].as_int();
    s.his_tag = vt[1];
    if (s.his_vsn >= 8) send_plain(node, term::tuple_of({w_.init_connect_ack, me_, s.his_tag, s.my_tag}));
  }

  void node_down(term::atom node) {
    sessions_.erase(node);
    known_.erase(node);
    for (auto it = locks_.begin(); it != locks_.end();) {
      std::erase_if(it->second.holders, [&](term::value const& p) { return p.is_pid() && p.as_pid().node == node; });
      it = it->second.holders.empty() ? locks_.erase(it) : std::next(it);
    }
  }

  term::value to_gns(term::atom node) const { return term::tuple_of({w_.global_name_server, node}); }
  // As global's own sends (gns_volatile_send): `noconnect`, so that a node that has just
  // gone is not dialled again by our half of a session with it.
  void cast(term::atom node, term::value msg) {
    if (n_.connected(node)) self().send(to_gns(node), term::tuple_of({w_.gen_cast, std::move(msg)}));
  }
  void send_plain(term::atom node, term::value msg) {
    if (n_.connected(node)) self().send(to_gns(node), std::move(msg));
  }

  session& start_session(term::atom node) {
    auto it = sessions_.find(node);
    if (it != sessions_.end()) return it->second;
    session& s = sessions_[node];
    s.my_tag = self().make_ref();
    cast(node, term::tuple_of({w_.init_connect, term::tuple_of({protocol_version, s.my_tag}), me_,
                               term::tuple_of({w_.locker, w_.no_longer_a_pid, term::value{}, self().self()})}));
    return s;
  }

  // Nodes that another node knows and we do not: their sync/0 waits for our in_sync.
  void sync_with(term::value const& list) {
    if (!list.is_list()) return;
    for (auto const& x : list.list_elements()) {
      std::optional<term::atom> node;
      if (x.is_atom())
        node = x.as_atom();
      else if (x.is_tuple() && x.arity() >= 1 && x[0].is_atom())
        node = x[0].as_atom();
      if (!node || *node == me_ || known_.contains(*node)) continue;
      // This one connects: the other node's sync/0 waits for us (global.erl S5).
      self().send(to_gns(*node), term::tuple_of({w_.gen_cast, term::tuple_of({w_.in_sync, me_, true})}));
      known_.insert(*node);
      sessions_.erase(*node);
    }
  }

  bool tag_matches(term::atom node, term::value const& tag) const {
    auto it = sessions_.find(node);
    return it != sessions_.end() && it->second.my_tag == tag;
  }

  node_impl& n_;
  term::atom const me_;
  names const w_;
  std::map<term::atom, session> sessions_;
  std::set<term::atom> known_;
  std::map<term::value, lock> locks_;
};

} // namespace

behaviours::child_spec global_spec(node_impl& n) {
  behaviours::child_spec c;
  c.id = term::atom("global_name_server");
  c.start = behaviours::start_server<global_name_server>(
      behaviours::start_options{.name = term::atom("global_name_server")}, std::ref(n));
  c.modules = {term::atom("global")};
  return c;
}

} // namespace enode::node
