#include <enode/runtime/process.hpp>

#include "process_impl.hpp"
#include "system_impl.hpp"

#include <enode/runtime/exit.hpp>
#include <enode/runtime/pattern.hpp>
#include <enode/term/atoms.hpp>

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
  auto* s = new control(signal_kind::link);
  s->from = p.self;
  p.send_signal(other, s); // answered with an exit `noproc` if it died meanwhile
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
  auto* s = new control(signal_kind::unlink);
  s->from = p.self;
  s->id = id;
  p.send_signal(other, s);
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
  auto* s = new control(signal_kind::exit);
  s->from = p.self;
  s->payload = std::move(reason);
  p.send_signal(target, s);
}

bool process::exiting() const noexcept { return process_impl::of(*this).doom.has_value(); }

// --- monitors and aliases --------------------------------------------------------------------

term::value process::monitor(term::value const& target, monitor_options opts) {
  auto& p = process_impl::of(*this);
  term::pid pid;
  term::value object;
  if (target.is_pid()) {
    pid = target.as_pid();
    object = target;
  } else if (target.is_atom() || is_name_node(target)) {
    term::atom name = target.is_atom() ? target.as_atom() : target[0].as_atom();
    term::atom node = target.is_atom() ? p.sys.node : target[1].as_atom();
    object = term::tuple_of({name, node});
    if (node == p.sys.node) {
      if (auto found = p.sys.whereis(name)) pid = *found;
    } else {
      // A name on another node: the distribution resolves it there.
      pid = term::pid{node, 0, 0, 0};
    }
  } else {
    raise(atoms::badarg);
  }
  term::value ref = p.sys.make_ref();
  p.add_monitor_out(ref, pid, opts.alias);
  if (pid.node.empty()) {
    // A local name that is not registered: 'DOWN' with noproc at once.
    auto* s = new control(signal_kind::down);
    s->from = p.self;
    s->ref = ref;
    s->extra = object;
    s->payload = atoms::noproc;
    p.sys.deliver(p.pid, s, true);
    return ref;
  }
  auto* s = new control(signal_kind::monitor);
  s->from = p.self;
  s->ref = ref;
  s->extra = object;
  p.send_signal(pid, s);
  return ref;
}

term::value process::spawn_request(term::atom node, term::atom module, term::atom function, term::value args,
                                   bool monitor, spawn_reply reply) {
  auto& p = process_impl::of(*this);
  if (node == p.sys.node || !args.is_proper_list()) raise(atoms::badarg);
  term::value ref = p.sys.make_ref();
  // Until the reply names the new process, the monitor's target is the node itself.
  if (monitor) p.add_monitor_out(ref, term::pid{node, 0, 0, 0}, alias_mode::none);
  auto const arity = term::value(args.list_elements().size());
  term::value options = monitor ? term::list_of({term::atom("monitor")}) : term::value();
  remote_signal r{remote_signal::kind::spawn_request,
                  node,
                  p.self,
                  term::tuple_of({module, function, arity}),
                  ref,
                  static_cast<std::uint64_t>(reply),
                  std::move(args),
                  std::move(options)};
  if (auto* rt = p.sys.router()) {
    rt->route(std::move(r));
  } else if (monitor) {
    auto* s = new control(signal_kind::down);
    s->from = p.self;
    s->ref = ref;
    s->extra = term::value(term::pid{node, 0, 0, 0});
    s->payload = atoms::noconnection;
    p.sys.deliver(p.pid, s, true);
  } else if (reply != spawn_reply::no) {
    send(p.self, spawn_reply_message(ref, term::value(atoms::noconnection)));
  }
  return ref;
}

bool process::demonitor(term::value const& ref, bool flush) {
  auto& p = process_impl::of(*this);
  bool active = false;
  if (p.rel_ptr()) {
    auto& monitors = p.rel().monitors;
    if (auto it = monitors.find(ref); it != monitors.end()) {
      term::pid target = it->second.target;
      active = p.drop_monitor_out(ref);
      p.sync_counts();
      if (!target.node.empty()) {
        auto* s = new control(signal_kind::demonitor);
        s->from = p.self;
        s->ref = ref;
        p.send_signal(target, s);
      }
    }
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
