// What a process does with each signal it takes: one handler per kind.
#include "process_impl.hpp"

#include <enode/core/overloaded.hpp>
#include <enode/term/atoms.hpp>

namespace enode::runtime {

namespace atoms = term::atoms;

namespace {
term::value exit_message(term::value const& from, term::value const& reason) {
  return term::tuple_of({atoms::EXIT, from, reason});
}
} // namespace

void process_impl::into_mailbox(signal* s, term::value msg) {
  s->kind = signal_kind::message;
  s->payload = std::move(msg);
  as_control(s).body = signals::node_link{}; // nothing held beyond the message
  mbox.push_back(s);
}

namespace {

// What a 'DOWN' names: the pid, `{Name, Node}` for a monitor by name, and for a spawn
// request the process its reply named (`<Node.0.0>` when none was made).
term::value object_of(monitor_target const& t, signals::down const& d) {
  return std::visit(overloaded{
                        [&](term::pid const& p) { return d.from.is_pid() ? d.from : term::value(p); },
                        [](name_target const& n) {
                          return term::tuple_of({n.name, n.node});
                        },
                        [&](spawn_target const& n) {
                          return d.from.is_pid() ? d.from : term::value(term::pid{n.node, 0, 0, 0});
                        },
                    },
                    t);
}

} // namespace

/// One handler per signal the process takes; each returns whether the signal became a
/// message (then it is in the mailbox, else the caller frees it).
struct signal_handler {
  process_impl& p;
  signal* s;

  bool operator()(signals::alias_send& x) const {
    if (!p.rel_) return false;
    auto it = p.rel_->aliases.find(x.alias);
    if (it == p.rel_->aliases.end()) return false; // alias no longer active: dropped
    if (it->second == alias_mode::reply_demonitor) {
      term::value ref = x.alias;
      p.rel_->aliases.erase(it);
      p.sys.remove_alias(ref);
      if (auto m = p.rel_->monitors.find(ref); m != p.rel_->monitors.end()) {
        auto target = std::move(m->second.target);
        p.rel_->monitors.erase(m);
        p.send_demonitor(ref, target);
      }
    }
    p.into_mailbox(s, std::move(x.message));
    return true;
  }

  bool operator()(signals::exit2& x) const {
    // exit/2 (erlang(3) "Receiving Exit Signals"): kill cannot be trapped; a trapping
    // process gets a message; normal ends no one else.
    if (x.reason == term::value(atoms::kill)) {
      p.impose(atoms::killed);
    } else if (p.trap) {
      p.into_mailbox(s, exit_message(x.from, x.reason));
      return true;
    } else if (x.reason != term::value(atoms::normal)) {
      p.impose(x.reason);
    } else if (x.from == p.self) {
      p.impose(atoms::normal);
    }
    return false;
  }

  bool operator()(signals::exit& x) const {
    if (!p.rel_) return false;
    auto it = p.rel_->links.find(x.from);
    if (it == p.rel_->links.end() || !it->second.active) return false; // unlinked meanwhile
    p.rel_->links.erase(it);
    // A link carries the reason as it is: `kill` here is an ordinary reason.
    if (p.trap) {
      p.into_mailbox(s, exit_message(x.from, x.reason));
      return true;
    }
    if (x.reason != term::value(atoms::normal)) p.impose(x.reason);
    return false;
  }

  bool operator()(signals::link& x) const {
    // An inactive entry means our own unlink is in flight: the link stays down.
    p.rel().links.try_emplace(x.from, link_state{});
    return false;
  }

  bool operator()(signals::unlink& x) const {
    if (p.rel_) {
      auto it = p.rel_->links.find(x.from);
      if (it != p.rel_->links.end() && it->second.active) p.rel_->links.erase(it);
    }
    p.send_signal(x.from.as_pid(), signals::unlink_ack{p.self, x.from, x.id});
    return false;
  }

  bool operator()(signals::unlink_ack& x) const {
    if (!p.rel_) return false;
    auto it = p.rel_->links.find(x.from);
    if (it != p.rel_->links.end() && !it->second.active && it->second.unlink_id == x.id) p.rel_->links.erase(it);
    return false;
  }

  bool operator()(signals::monitor& x) const {
    p.rel().monitored_by.insert_or_assign(x.ref, monitor_in{x.from, x.to.is_atom() ? x.to.as_atom() : term::atom{}});
    return false;
  }

  bool operator()(signals::demonitor& x) const {
    if (p.rel_) p.rel_->monitored_by.erase(x.ref);
    return false;
  }

  bool operator()(signals::down& x) const {
    auto target = p.drop_monitor_out(x.ref);
    if (!target) return false; // demonitored meanwhile
    p.into_mailbox(s, term::tuple_of({atoms::DOWN, x.ref, atoms::process, object_of(*target, x), x.reason}));
    return true;
  }

  bool operator()(signals::spawn_reply& x) const { return p.handle_spawn_reply(s, x); }

  // Messages come as plain nodes; the rest is the node's business, not a process's.
  template <class Other>
  bool operator()(Other&) const {
    return false;
  }
};

// One signal, in the process. Owns `s`: it ends in the mailbox or is deleted.
void process_impl::handle(signal* s) {
  if (s->kind == signal_kind::message) {
    mbox.push_back(s);
    return;
  }
  if (s->kind == signal_kind::inspect) {
    static_cast<inspection*>(s)->look(*this);
    delete s;
    return;
  }
  if (!std::visit(signal_handler{*this, s}, as_control(s).body)) delete s;
}

bool process_impl::handle_spawn_reply(signal* s, signals::spawn_reply const& r) {
  if (!rel_) return false;
  auto it = rel_->spawns.find(r.ref);
  if (it == rel_->spawns.end()) return false; // not ours, or answered already
  auto const asked = it->second;
  rel_->spawns.erase(it);
  bool const made = r.result.is_pid();
  bool const monitored = made && (r.flags & signals::spawn_reply::monitored) != 0;
  if (asked.monitor) {
    auto m = rel_->monitors.find(r.ref);
    if (m == rel_->monitors.end()) {
      // Demonitored before the reply: abandoned. A process that watches us stops.
      if (monitored) send_signal(r.result.as_pid(), signals::demonitor{self, r.result, r.ref});
      return false;
    }
    if (monitored) {
      m->second.target = r.result.as_pid(); // the monitor now watches the process
    } else if (!made && r.result == term::value(atoms::noconnection)) {
      // The node could not be reached, or the connection went before the reply: the
      // monitor fires, as BEAM's does.
      auto const target = std::move(m->second.target);
      rel_->monitors.erase(m);
      signals::down const d{{}, {}, self, r.ref, r.result};
      into_mailbox(s, term::tuple_of({atoms::DOWN, r.ref, atoms::process, object_of(target, d), r.result}));
      return true;
    } else {
      rel_->monitors.erase(m); // no process to watch
    }
  }
  bool const wanted = asked.reply == spawn_reply::yes || (asked.reply == spawn_reply::error_only && !made);
  if (!wanted) return false;
  into_mailbox(s, signals::spawn_reply_message(r.ref, r.result));
  return true;
}

} // namespace enode::runtime
