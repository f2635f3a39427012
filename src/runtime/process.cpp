#include <enode/runtime/process.hpp>

#include "process_impl.hpp"
#include "system_impl.hpp"

#include <enode/runtime/exit.hpp>
#include <enode/runtime/pattern.hpp>
#include <enode/term/atoms.hpp>

#include <memory>

namespace enode::runtime {

namespace atoms = term::atoms;

namespace {
constexpr auto never = [](term::value const&) { return false; };

[[noreturn]] void raise(term::atom reason) { throw error_exception(reason); }

bool is_name_node(term::value const& t) { return t.is_tuple() && t.arity() == 2 && t[0].is_atom() && t[1].is_atom(); }
} // namespace

term::pid const& process::pid() const noexcept { return process_impl::of(*this).pid; }
term::value const& process::self() const noexcept { return process_impl::of(*this).self; }
runtime::system& process::system() const noexcept { return process_impl::of(*this).sys.owner; }
executor process::get_executor() const noexcept {
  return const_cast<process_impl&>(process_impl::of(*this)).get_executor();
}

term::pid process::spawn_body(std::unique_ptr<detail::body_base> body, spawn_options opts) {
  auto& p = process_impl::of(*this);
  auto r = p.sys.spawn(std::move(body), &p, opts);
  return *r; // spawns from a process are refused for no reason
}

// --- messages ------------------------------------------------------------------------------

void process::send(term::value const& dest, term::value msg) {
  auto& p = process_impl::of(*this);
  if (!p.sys.send(p.self, dest, std::move(msg))) raise(atoms::badarg);
}

awaitable<term::value> process::receive() {
  return process_impl::of(*this).do_receive<term::value>(match_fn{}, infinity, mailbox::no_mark);
}

awaitable<std::optional<term::value>> process::receive(timeout after) {
  return process_impl::of(*this).do_receive<std::optional<term::value>>(match_fn{}, after, mailbox::no_mark);
}

awaitable<std::optional<term::value>> process::receive(match_fn match, timeout after) {
  return process_impl::of(*this).do_receive<std::optional<term::value>>(match, after, mailbox::no_mark);
}

awaitable<std::optional<term::value>> process::receive(match_fn match, timeout after, receive_marker const& from) {
  std::uint8_t const slot = from.owner_ == this ? from.slot_ : mailbox::no_mark;
  return process_impl::of(*this).do_receive<std::optional<term::value>>(match, after, slot);
}

awaitable<std::optional<term::value>> process::receive(pattern const& pat, timeout after) {
  auto m = [&pat](term::value const& msg) { return pat.matches(msg); };
  co_return co_await process_impl::of(*this).do_receive<std::optional<term::value>>(m, after, mailbox::no_mark);
}

awaitable<> process::sleep(timeout t) {
  (void)co_await process_impl::of(*this).do_receive<std::optional<term::value>>(never, t, mailbox::no_mark);
}

receive_marker process::mark() {
  auto& p = process_impl::of(*this);
  p.drain(); // what is queued now is older than the mark
  auto slot = p.mbox.mark();
  if (slot == mailbox::no_mark) return {};
  return receive_marker(this, slot);
}

void process::release_marker(std::uint8_t slot) noexcept { process_impl::of(*this).mbox.release(slot); }

std::size_t process::message_queue_len() const noexcept {
  return const_cast<process_impl&>(process_impl::of(*this)).queue_length();
}

awaitable<std::optional<process_relations>> process::inspect(term::pid const& target, bool with_messages) {
  auto& p = process_impl::of(*this);
  if (target == p.pid) {
    p.drain();
    co_return p.relations_of_self(with_messages, {});
  }
  if (!p.sys.is_local(target)) co_return std::nullopt;
  auto mark = this->mark();
  term::value const ref = make_ref();
  term::value const mref = monitor(term::value(target)); // a 'DOWN' if it ends first
  auto result = std::make_shared<process_relations>();
  term::atom const answered{"$enode_inspected"};
  p.sys.deliver(target, new inspection([result, with_messages, mref, ref, answered, to = p.pid](process_impl& q) {
                  *result = q.relations_of_self(with_messages, mref); // not the monitor of the look itself
                  q.sys.deliver(to, signal::message(term::tuple_of({answered, ref})), true);
                }));
  auto got = co_await receive(
      [&](term::value const& m) {
        return (term::is_record(m, answered, 2) && m[1] == ref) || (term::is_record(m, atoms::DOWN, 5) && m[1] == mref);
      },
      infinity, mark);
  demonitor(mref, true);
  if (term::is_record(*got, answered, 2)) co_return std::move(*result);
  co_return std::nullopt;
}

// --- the process dictionary ------------------------------------------------------------------

term::value process::put(term::value key, term::value value) {
  auto& d = process_impl::of(*this).dict();
  std::lock_guard g(d.mutex);
  for (auto& [k, v] : d.entries)
    if (k == key) return std::exchange(v, std::move(value));
  d.entries.emplace_back(std::move(key), std::move(value));
  return atoms::undefined;
}

term::value process::get(term::value const& key) const {
  auto* d = process_impl::of(*this).dict_if_any();
  if (!d) return atoms::undefined;
  std::lock_guard g(d->mutex);
  for (auto const& [k, v] : d->entries)
    if (k == key) return v;
  return atoms::undefined;
}

term::value process::erase(term::value const& key) {
  auto* d = process_impl::of(*this).dict_if_any();
  if (!d) return atoms::undefined;
  std::lock_guard g(d->mutex);
  for (auto it = d->entries.begin(); it != d->entries.end(); ++it)
    if (it->first == key) {
      term::value old = std::move(it->second);
      d->entries.erase(it);
      return old;
    }
  return atoms::undefined;
}

// --- links and exits -----------------------------------------------------------------------

void process::link(term::pid const& other) {
  auto& p = process_impl::of(*this);
  if (other == p.pid) return;
  term::value const key(other);
  auto& links = p.rel().links;
  if (auto it = links.find(key); it != links.end() && it->second.active) return;
  if (p.sys.is_local(other) && !p.sys.lookup(other)) {
    // erlang:link/1 on a local process that does not exist.
    if (!p.trap) raise(atoms::noproc);
    auto* s = new signal(signal_kind::message);
    s->payload = term::tuple_of({atoms::EXIT, key, atoms::noproc});
    p.sys.deliver(p.pid, s, true);
    return;
  }
  links.insert_or_assign(key, link_state{});
  p.sync_counts();
  p.send_signal(other, signals::link{p.self, key}); // answered with an exit `noproc` if it died meanwhile
}

void process::unlink(term::pid const& other) {
  auto& p = process_impl::of(*this);
  if (other == p.pid) return;
  term::value const key(other);
  auto& links = p.rel().links;
  auto it = links.find(key);
  if (it == links.end() || !it->second.active) return;
  // Inactive until the other side acknowledges: exit signals of the old link are ignored,
  // and a link request that crosses this unlink does not revive it (OTP 26 link protocol).
  auto id = p.rel().next_unlink_id++;
  it->second = link_state{false, id};
  p.send_signal(other, signals::unlink{p.self, key, id});
}

bool process::trap_exit(bool on) {
  auto& p = process_impl::of(*this);
  bool old = p.trap;
  p.set_trap(on);
  return old;
}

bool process::trapping_exits() const noexcept { return process_impl::of(*this).trap; }

void process::exit(term::value reason) { throw exit_exception(std::move(reason)); }

void process::exit(term::pid const& target, term::value reason) {
  auto& p = process_impl::of(*this);
  if (target == p.pid) {
    // exit(self(), Reason) takes effect before the call returns, as in BEAM.
    if (reason == term::value(atoms::kill)) {
      p.doom = atoms::killed;
      throw exit_exception(atoms::killed);
    }
    if (p.trap) {
      auto* s = new signal(signal_kind::message);
      s->payload = term::tuple_of({atoms::EXIT, p.self, reason});
      p.sys.deliver(p.pid, s, true);
      return;
    }
    p.doom = reason;
    throw exit_exception(std::move(reason));
  }
  p.send_signal(target, signals::exit2{p.self, term::value(target), std::move(reason)});
}

bool process::exiting() const noexcept { return process_impl::of(*this).doom.has_value(); }

// --- monitors and aliases --------------------------------------------------------------------

term::value process::monitor(term::value const& target, monitor_options opts) {
  auto& p = process_impl::of(*this);
  term::value ref;
  if (target.is_pid()) {
    ref = p.sys.make_ref();
    p.add_monitor_out(ref, target.as_pid(), opts.alias);
    p.send_signal(target.as_pid(), signals::monitor{p.self, target, ref});
    return ref;
  }
  if (!target.is_atom() && !is_name_node(target)) raise(atoms::badarg);
  name_target by_name{target.is_atom() ? target.as_atom() : target[0].as_atom(),
                      target.is_atom() ? p.sys.node : target[1].as_atom(), std::nullopt};
  ref = p.sys.make_ref();
  signals::monitor m{p.self, term::value(by_name.name), ref};
  if (by_name.node != p.sys.node) {
    // A name on another node: the distribution resolves it there.
    p.add_monitor_out(ref, by_name, opts.alias);
    p.sys.send_to_node(by_name.node, std::move(m), true);
    return ref;
  }
  by_name.pid = p.sys.whereis(by_name.name);
  auto const resolved = by_name.pid;
  p.add_monitor_out(ref, std::move(by_name), opts.alias);
  if (resolved)
    p.send_signal(*resolved, std::move(m));
  else // a name of ours that is not registered: 'DOWN' with noproc at once
    p.send_signal(p.pid, signals::down{{}, m.to.as_atom(), p.self, ref, atoms::noproc});
  return ref;
}

term::value process::spawn_request(term::atom node, term::atom module, term::atom function, term::value args,
                                   bool monitor, spawn_reply reply) {
  auto& p = process_impl::of(*this);
  if (node == p.sys.node || !args.is_proper_list()) raise(atoms::badarg);
  term::value ref = p.sys.make_ref();
  p.rel().spawns.insert_or_assign(ref, spawn_pending{reply, monitor});
  // Until the reply names the new process, the monitor watches the request.
  if (monitor) p.add_monitor_out(ref, spawn_target{node}, alias_mode::none);
  term::value options = monitor ? term::list_of({term::atom("monitor")}) : term::value();
  // The group leader is the node's to give: it knows where output of ours goes.
  p.sys.send_to_node(
      node, signals::spawn_request{ref, p.self, {}, module, function, std::move(args), std::move(options)}, true);
  return ref;
}

bool process::demonitor(term::value const& ref, bool flush) {
  auto& p = process_impl::of(*this);
  bool active = false;
  if (auto target = p.drop_monitor_out(ref)) {
    active = true;
    p.sync_counts();
    p.send_demonitor(ref, *target);
  }
  if (flush) {
    p.drain();
    p.mbox.remove_if([&](term::value const& m) {
      return m.is_tuple() && m.arity() == 5 && m[0] == term::value(atoms::DOWN) && m[1] == ref;
    });
  }
  return active;
}

term::value process::alias(alias_mode mode) {
  auto& p = process_impl::of(*this);
  term::value ref = p.sys.make_ref();
  if (mode == alias_mode::none) return ref;
  // Without a monitor, `demonitor` has nothing to follow: the alias is explicit.
  p.rel().aliases.insert_or_assign(ref, mode == alias_mode::demonitor ? alias_mode::explicit_unalias : mode);
  p.sys.add_alias(ref, p.number);
  return ref;
}

bool process::unalias(term::value const& alias) {
  auto& p = process_impl::of(*this);
  if (!p.rel_ptr() || p.rel().aliases.erase(alias) == 0) return false;
  p.sys.remove_alias(alias);
  return true;
}

// --- names and timers ------------------------------------------------------------------------

void process::register_name(term::atom name) {
  auto& p = process_impl::of(*this);
  if (!p.sys.register_name(name, p.pid)) raise(atoms::badarg);
}

void process::unregister_name(term::atom name) {
  auto& p = process_impl::of(*this);
  if (!p.sys.unregister_name(name)) raise(atoms::badarg);
}

term::value process::make_ref() { return process_impl::of(*this).sys.make_ref(); }

term::value process::send_after(timeout t, term::value const& dest, term::value msg) {
  return process_impl::of(*this).sys.start_timer(t, dest, std::move(msg), false);
}

term::value process::start_timer(timeout t, term::value const& dest, term::value msg) {
  return process_impl::of(*this).sys.start_timer(t, dest, std::move(msg), true);
}

std::optional<std::chrono::milliseconds> process::cancel_timer(term::value const& tref) {
  return process_impl::of(*this).sys.cancel_timer(tref);
}

} // namespace enode::runtime
