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

struct names {
  term::atom gen_call{"$gen_call"}, gen_cast{"$gen_cast"}, global_name_server{"global_name_server"};
  term::atom init_connect{"init_connect"}, init_connect_ack{"init_connect_ack"}, locker{"locker"};
  term::atom no_longer_a_pid{"no_longer_a_pid"}, lock_set{"lock_set"}, exchange{"exchange"};
  term::atom resolved{"resolved"}, new_nodes{"new_nodes"}, in_sync{"in_sync"}, unused{"unused"};
  term::atom cancel_connect{"cancel_connect"}, remove_connection{"remove_connection"};
  term::atom set_lock{"set_lock"}, del_lock{"del_lock"}, register_{"register"}, register_ext{"register_ext"};
  term::atom unregister{"unregister"}, nodeup{"nodeup"}, nodedown{"nodedown"}, yes{"yes"};
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

} // namespace

void start_global(node_impl& n) {
  node_impl* np = &n;
  auto pid = n.sys->spawn([np](runtime::process& self) -> runtime::awaitable<> {
    names const w;
    term::atom const me = np->name_atom;
    std::map<term::atom, session> sessions;
    std::set<term::atom> known;
    std::map<term::value, lock> locks;
    np->monitor_nodes(self.pid(), true);

    auto to_gns = [&](term::atom node) { return term::tuple_of({w.global_name_server, node}); };
    // As global's own sends (gns_volatile_send): `noconnect`, so that a node that has just
    // gone is not dialled again by our half of a session with it.
    auto cast = [&](term::atom node, term::value msg) {
      if (np->connected(node)) self.send(to_gns(node), term::tuple_of({w.gen_cast, std::move(msg)}));
    };
    auto send_plain = [&](term::atom node, term::value msg) {
      if (np->connected(node)) self.send(to_gns(node), std::move(msg));
    };
    auto start_session = [&](term::atom node) -> session& {
      auto it = sessions.find(node);
      if (it != sessions.end()) return it->second;
      session& s = sessions[node];
      s.my_tag = self.make_ref();
      cast(node, term::tuple_of({w.init_connect, term::tuple_of({protocol_version, s.my_tag}), me,
                                 term::tuple_of({w.locker, w.no_longer_a_pid, term::value{}, self.self()})}));
      return s;
    };
    auto node_of = [](term::value const& v) -> std::optional<term::atom> {
      if (v.is_atom()) return v.as_atom();
      if (v.is_tuple() && v.arity() >= 1 && v[0].is_atom()) return v[0].as_atom();
      return std::nullopt;
    };
    // Nodes that another node knows and we do not: their sync/0 waits for our in_sync.
    auto sync_with = [&](term::value const& list) {
      if (!list.is_list()) return;
      for (auto const& x : list.list_elements()) {
        auto node = node_of(x);
        if (!node || *node == me || known.contains(*node)) continue;
        // This one connects: the other node's sync/0 waits for us (global.erl S5).
        self.send(to_gns(*node), term::tuple_of({w.gen_cast, term::tuple_of({w.in_sync, me, true})}));
        known.insert(*node);
        sessions.erase(*node);
      }
    };
    auto tag_matches = [&](term::atom node, term::value const& tag) {
      auto it = sessions.find(node);
      return it != sessions.end() && it->second.my_tag == tag;
    };

    for (;;) {
      term::value m = co_await self.receive();
      if (term::is_record(m, w.gen_call, 3)) {
        auto from = behaviours::from::of(m[1]);
        if (!from) continue;
        term::value const& req = m[2];
        term::value reply;
        if (term::is_record(req, w.set_lock, 2) && req[1].is_tuple() && req[1].arity() == 2) {
          // global:can_set_lock/1: free, or held for the same request id.
          auto& l = locks[req[1][0]];
          if (l.holders.empty() || l.req == req[1][1]) {
            l.req = req[1][1];
            l.holders.insert(from->pid);
            reply = true;
          } else {
            reply = false;
          }
        } else if (term::is_record(req, w.del_lock, 2) && req[1].is_tuple() && req[1].arity() == 2) {
          if (auto it = locks.find(req[1][0]); it != locks.end()) {
            if (auto h = it->second.holders.find(from->pid); h != it->second.holders.end()) it->second.holders.erase(h);
            if (it->second.holders.empty()) locks.erase(it);
          }
          reply = true;
        } else if (term::is_record(req, w.register_, 4) || term::is_record(req, w.register_ext, 5)) {
          reply = w.yes; // we keep no copy of the name table: a leaf node
        } else if (term::is_record(req, w.unregister, 2)) {
          reply = atoms::ok;
        } else {
          continue; // not a call global makes on other nodes
        }
        behaviours::gen_server::reply(self, *from, std::move(reply));
        continue;
      }
      if (term::is_record(m, w.gen_cast, 2)) {
        term::value const& c = m[1];
        if (!c.is_tuple() || c.arity() < 2 || !c[0].is_atom()) continue;
        auto const what = c[0].as_atom();
        if (what == w.init_connect && c.arity() == 4 && c[2].is_atom()) {
          auto node = c[2].as_atom();
          if (known.contains(node)) continue; // as pre_connect: a known node's request is ignored
          // {Vsn, Tag} (read loosely: later versions may add elements).
          term::value const& vt = c[1];
          if (!vt.is_tuple() || vt.arity() < 2 || !vt[0].is_small()) continue;
          session& s = start_session(node);
          s.his_vsn = vt[0].as_int();
          s.his_tag = vt[1];
          if (s.his_vsn >= 8) send_plain(node, term::tuple_of({w.init_connect_ack, me, s.his_tag, s.my_tag}));
        } else if (what == w.lock_set && c.arity() >= 4 && c[1].is_pid()) {
          auto node = c[1].as_pid().node;
          if (c[2] != term::value(true)) continue;
          term::value const tag = c.arity() >= 5 ? c[4] : term::value{};
          if (c.arity() >= 5 && !tag_matches(node, tag)) continue;
          auto it = sessions.find(node);
          if (it == sessions.end()) continue;
          cast(node, term::tuple_of({w.lock_set, self.self(), true, term::value{}, it->second.his_tag}));
          cast(node, term::tuple_of({w.exchange, me, term::value{}, term::value{}, it->second.his_tag}));
        } else if (what == w.exchange && c.arity() >= 5 && c[1].is_atom()) {
          auto node = c[1].as_atom();
          if (!tag_matches(node, c[4])) continue;
          cast(node, term::tuple_of({w.resolved, me, term::value{}, term::value{}, w.unused, term::value{},
                                     sessions[node].his_tag}));
        } else if (what == w.resolved && c.arity() >= 7 && c[1].is_atom()) {
          auto node = c[1].as_atom();
          if (!tag_matches(node, c[6])) continue;
          sessions.erase(node);
          known.insert(node);
          sync_with(c[3]);
        } else if (what == w.new_nodes && c.arity() >= 5) {
          sync_with(c[4]);
        } else if (what == w.in_sync && c[1].is_atom()) {
          sessions.erase(c[1].as_atom());
        }
        continue;
      }
      if (!m.is_tuple() || m.arity() < 2 || !m[0].is_atom()) continue;
      auto const what = m[0].as_atom();
      if (what == w.nodeup && m[1].is_atom()) {
        auto node = m[1].as_atom();
        if (!known.contains(node)) start_session(node);
      } else if (what == w.nodedown && m[1].is_atom()) {
        auto node = m[1].as_atom();
        sessions.erase(node);
        known.erase(node);
        for (auto it = locks.begin(); it != locks.end();) {
          std::erase_if(it->second.holders,
                        [&](term::value const& p) { return p.is_pid() && p.as_pid().node == node; });
          it = it->second.holders.empty() ? locks.erase(it) : std::next(it);
        }
      } else if (what == w.init_connect_ack) {
        // Their acknowledgement of our init_connect: nothing to do.
      } else if (what == w.cancel_connect && m.arity() == 3 && m[1].is_atom()) {
        auto node = m[1].as_atom();
        if (tag_matches(node, m[2])) {
          sessions.erase(node);
          start_session(node);
        }
      } else if (what == w.remove_connection && m[1].is_atom()) {
        np->disconnect(m[1].as_atom());
      }
      // lost_connection and anything else: ignored, as by a node that does not prevent
      // overlapping partitions.
    }
  });
  if (pid) (void)n.sys->register_name(term::atom("global_name_server"), *pid);
}

} // namespace enode::node
