// The router: signals between local processes and other nodes' processes, both ways,
// and the books of what crosses each connection (links, monitors, spawn requests),
// which say what to answer when a connection goes.
#include "node_impl.hpp"

#include <enode/core/overloaded.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/term/atoms.hpp>

namespace enode::node {

namespace atoms = term::atoms;

// --- out ---------------------------------------------------------------------------------

void node_impl::route(term::atom node, signals::signal&& s) {
  // A message from outside any process carries the node's own <Node.0.0>: BEAM refuses
  // REG_SEND and ALIAS_SEND without a pid, and all of them then keep one order.
  auto own = [&](term::value& from) {
    if (!from.is_pid()) from = system_pid_;
  };
  std::visit(overloaded{[&](signals::send& x) { own(x.from); }, [&](signals::reg_send& x) { own(x.from); },
                        [&](signals::alias_send& x) { own(x.from); }, [](auto&) {}},
             s);
  // While the node stops, what its processes send on live connections still goes (their
  // exit signals among it); nothing new is connected.
  auto p = peers_.find(node);
  if (!p && !dist::handshake::parse_node_name(node.name())) {
    if (sys_) sys_->answer_unreachable(s);
    return;
  }
  std::shared_ptr<dist::connection> c;
  {
    std::unique_lock<std::mutex> g;
    if (p) g = std::unique_lock(p->mutex);
    if (!p || p->retired) {
      if (g.owns_lock()) g.unlock();
      std::tie(p, g) = peers_.lock(node);
    }
    if (p->up()) {
      if (!signals::is_message(s)) {
        send_on(*p, *p->conn, std::move(s));
        return;
      }
      c = p->conn; // a message needs no books: encode it outside the lock
    } else if (!stopping_) {
      p->pending.push_back(std::move(s));
      if (!p->connecting && !p->accepting && !p->awaiting_incoming) start_connect(p);
      return;
    }
  }
  if (c) {
    if (c->send(s)) return;
    // It closed just now (send refuses only then): again, to wait for the next connection
    // like what follows from this sender.
    route(node, std::move(s));
    return;
  }
  if (sys_) sys_->answer_unreachable(s); // stopping, and not connected
}

// Under p.mutex: keeps the books of what crosses this connection, then sends.
void node_impl::send_on(peer& p, dist::connection& c, signals::signal&& s) {
  auto& b = p.books;
  bool const send = std::visit(
      overloaded{
          [&](signals::link const& x) { return b.links.emplace(x.from, x.to), true; },
          [&](signals::exit const& x) {
            return b.links.erase({x.from, x.to}), true;
          },
          [&](signals::unlink_ack const& x) {
            return b.links.erase({x.from, x.to}), true;
          },
          [&](signals::monitor const& x) {
            return b.monitors_out[x.ref] = {x.from, x.to}, true;
          },
          [&](signals::demonitor const& x) {
            // Fired, or never made: nothing to undo.
            return b.monitors_out.erase(x.ref) == 1;
          },
          [&](signals::down const& x) { return b.monitors_in.erase(x.ref), true; },
          [&](signals::spawn_request& x) {
            if (!(c.flags() & dist::flags::spawn)) {
              // The peer cannot spawn (a C node, say): notsup, as BEAM answers locally,
              // from the scheduler (p.mutex is held here).
              net::post(sched_.context(), [this, r = signals::spawn_reply{x.ref, x.from, 0, term::atom("notsup")}] {
                if (sys_) sys_->inject(signals::signal(r));
              });
              return false;
            }
            if (x.group_leader.is_nil()) x.group_leader = group_leader_; // where its output goes
            b.spawns[x.ref] = x.from;
            return true;
          },
          [&](signals::spawn_reply const& x) {
            // The process made for the peer's request: the books first, so that a
            // connection lost from now on answers for it too.
            if (x.flags & signals::spawn_reply::linked) b.links.emplace(x.result, x.to);
            if (x.flags & signals::spawn_reply::monitored) b.monitors_in[x.ref] = x.result;
            return true;
          },
          [](auto const&) { return true; },
      },
      s);
  if (send) c.send(s);
}

// --- in ----------------------------------------------------------------------------------

void node_impl::on_message(dist::connection& c, dist::control&& msg) {
  auto* p = static_cast<peer*>(c.context());
  if (!p || !sys_) return;
  if (received(c, *p, msg.signal)) sys_->inject(std::move(msg.signal));
}

bool node_impl::received(dist::connection& c, peer& p, signals::signal& s) {
  // BEAM drops a connection whose peer speaks for processes that are not its own.
  auto from_peer = [&](term::value const& from) {
    if (from.is_pid() && from.as_pid().node == p.name) return true;
    logger_.warning("closing the connection to " + c.peer_name() + ": a signal from a process of another node");
    c.close(make_error_code(dist::error::bad_packet));
    return false;
  };
  // Not ours to deliver otherwise (an old incarnation's pid is the runtime's to answer).
  auto for_us = [&](term::value const& v) {
    if (v.is_pid()) return v.as_pid().node == name_;
    if (v.is_reference()) return v.as_reference().node == name_; // never forwarded to a third node
    return true;
  };
  auto& b = p.books;
  return std::visit(overloaded{
                        [&](signals::send const& x) { return for_us(x.to); },
                        [&](signals::reg_send const&) { return true; },
                        [&](signals::alias_send const& x) { return for_us(x.alias); },
                        [&](signals::link const& x) {
                          if (!from_peer(x.from) || !for_us(x.to)) return false;
                          std::lock_guard g(p.mutex);
                          b.links.emplace(x.to, x.from);
                          return true;
                        },
                        [&](signals::unlink const& x) { return from_peer(x.from) && for_us(x.to); },
                        [&](signals::unlink_ack const& x) {
                          if (!from_peer(x.from) || !for_us(x.to)) return false;
                          std::lock_guard g(p.mutex);
                          b.links.erase({x.to, x.from});
                          return true;
                        },
                        [&](signals::exit const& x) {
                          if (!from_peer(x.from) || !for_us(x.to)) return false;
                          std::lock_guard g(p.mutex);
                          b.links.erase({x.to, x.from});
                          return true;
                        },
                        [&](signals::exit2 const& x) { return from_peer(x.from) && for_us(x.to); },
                        [&](signals::monitor const& x) {
                          if (!from_peer(x.from) || !for_us(x.to)) return false;
                          std::lock_guard g(p.mutex);
                          b.monitors_in[x.ref] = x.to;
                          return true;
                        },
                        [&](signals::demonitor const& x) {
                          if (!from_peer(x.from) || !for_us(x.to)) return false;
                          std::lock_guard g(p.mutex);
                          b.monitors_in.erase(x.ref);
                          return true;
                        },
                        [&](signals::down const& x) {
                          if (!for_us(x.to)) return false;
                          std::lock_guard g(p.mutex);
                          b.monitors_out.erase(x.ref);
                          return true;
                        },
                        [&](signals::spawn_request& x) {
                          if (from_peer(x.from)) spawn_requested(p.name, std::move(x));
                          return false;
                        },
                        [&](signals::spawn_reply& x) {
                          // {31, ReqId, To, Flags, Result}: to one of our requests, or to nothing.
                          std::lock_guard g(p.mutex);
                          auto it = b.spawns.find(x.ref);
                          if (it == b.spawns.end()) return false; // not ours, or answered already
                          x.to = it->second;                      // our caller, whatever To says
                          if (x.result.is_pid() && (x.flags & signals::spawn_reply::monitored))
                            b.monitors_out[x.ref] = {it->second, x.result}; // the monitor watches the process now
                          b.spawns.erase(it);
                          return true;
                        },
                        [](signals::group_leader const&) { return false; }, // no group leaders here
                        [](signals::node_link const&) { return false; },
                    },
                    s);
}

void node_impl::connection_lost(peer_books const& b) {
  if (!sys_) return;
  for (auto const& [local, remote] : b.links) sys_->inject(signals::exit{remote, local, atoms::noconnection});
  for (auto const& [ref, m] : b.monitors_out)
    sys_->inject(signals::down_for(m.target, m.watcher, ref, atoms::noconnection));
  for (auto const& [ref, target] : b.monitors_in) sys_->inject(signals::demonitor{{}, target, ref});
  // Unanswered spawn requests fail as the node is gone (a monitored one's monitor fires).
  for (auto const& [ref, caller] : b.spawns) sys_->inject(signals::spawn_reply{ref, caller, 0, atoms::noconnection});
}

} // namespace enode::node
