#include "system_impl.hpp"

#include "process_impl.hpp"

#include <enode/core/overloaded.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace enode::runtime {

namespace atoms = term::atoms;

bool running_in(net::io_context& ioc) noexcept { return ioc.get_executor().running_in_this_thread(); }

system_impl::system_impl(net::io_context& io, system_options const& opts, log::logger log, runtime::system& own)
    : ioc(io), node(opts.node), creation(opts.creation), owner(own), logger(std::move(log)),
      system_pid(term::pid{opts.node, 0, 0, opts.creation}), strand_(net::make_strand(io)) {
  logger.set_node(std::string(node.name()));
}

system_impl::~system_impl() = default;

// --- pids ---------------------------------------------------------------------------------

term::pid system_impl::pid_of(std::uint64_t n) const noexcept {
  return term::pid{node, static_cast<std::uint32_t>(n & ((std::uint64_t{1} << id_bits) - 1)),
                   static_cast<std::uint32_t>(n >> id_bits), creation};
}

std::optional<std::uint64_t> system_impl::number_of(term::pid const& p) const noexcept {
  if (!is_local(p) || p.id >= (std::uint32_t{1} << id_bits)) return std::nullopt;
  return (std::uint64_t{p.serial} << id_bits) | p.id;
}

// --- the table ------------------------------------------------------------------------------

process_ptr system_impl::lookup(std::uint64_t n) {
  return table_.with_shared(n, [&](auto const& m) -> process_ptr {
    auto it = m.find(n);
    return it == m.end() ? process_ptr{} : process_ptr(it->second);
  });
}

process_ptr system_impl::lookup(term::pid const& p) {
  auto n = number_of(p);
  return n ? lookup(*n) : process_ptr{};
}

std::vector<process_ptr> system_impl::all() {
  std::vector<process_ptr> out;
  table_.for_each_shard([&](auto const& m) {
    for (auto const& [n, p] : m) out.emplace_back(p);
  });
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a->number < b->number; });
  return out;
}

result<term::pid> system_impl::spawn(std::unique_ptr<detail::body_base> body, process_impl* parent,
                                     spawn_options const& opts, remote_spawn const* remote) {
  if (!parent && shutting_down_.load(std::memory_order_acquire)) return error::shutting_down;
  auto n = next_number_.fetch_add(1, std::memory_order_relaxed);
  auto* p = new process_impl(*this, n, std::move(body), parent == nullptr);
  if (parent) {
    // Set up before the child runs or is known: spawn_link and spawn_monitor are atomic.
    if (opts.link) {
      parent->add_link(p->pid);
      p->add_link(parent->pid);
    }
    if (opts.monitor) {
      term::value ref = make_ref();
      parent->add_monitor_out(ref, p->pid, alias_mode::none);
      p->add_monitor_in(ref, parent->self);
      if (opts.monitor_ref) *opts.monitor_ref = ref;
    }
  }
  if (remote) {
    if (remote->link) p->add_link(*remote->link);
    if (remote->monitor) p->add_monitor_in(remote->monitor->first, term::value(remote->monitor->second));
  }
  alive_.fetch_add(1, std::memory_order_relaxed);
  counters().spawned.fetch_add(1, std::memory_order_relaxed);
  if (!parent) {
    std::lock_guard g(roots_mutex_);
    roots_.emplace(n, p->pid);
  }
  table_.with(n, [&](auto& m) { m.emplace(n, p); }); // the table's reference is p's first
  term::pid const pid = p->pid;
  if (remote && remote->ready) remote->ready(pid);
  p->start();
  if (killing()) signal_exit(pid, atoms::kill);
  return pid;
}

void system_impl::leave_table(std::uint64_t n) noexcept {
  process_impl* p = table_.with(n, [&](auto& m) -> process_impl* {
    auto it = m.find(n);
    if (it == m.end()) return nullptr;
    auto* q = it->second;
    m.erase(it);
    return q;
  });
  if (p) intrusive_ptr_release(p);
}

void system_impl::exited(process_impl& p, term::value const& reason) noexcept {
  auto& c = counters();
  c.exited.fetch_add(1, std::memory_order_relaxed);
  c.turns.fetch_add(p.turns_.load(std::memory_order_relaxed), std::memory_order_relaxed); // its share, kept
  if (reason == term::value(atoms::normal))
    c.exited_normal.fetch_add(1, std::memory_order_relaxed);
  else if (is_normal_exit(reason)) // shutdown or {shutdown, _}
    c.exited_shutdown.fetch_add(1, std::memory_order_relaxed);
  if (p.root) {
    std::lock_guard g(roots_mutex_);
    roots_.erase(p.number);
  }
  // The last one counts down under the lock, so that join() cannot see zero, return and
  // let the system be destroyed while this thread is still about to notify.
  auto n = alive_.load(std::memory_order_acquire);
  for (;;) {
    if (n == 1) {
      std::lock_guard g(join_mutex_);
      if (alive_.compare_exchange_strong(n, 0, std::memory_order_acq_rel)) {
        join_cv_.notify_all();
        return;
      }
    } else if (alive_.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel)) {
      return;
    }
  }
}

// --- signals --------------------------------------------------------------------------------

void system_impl::deliver(term::pid const& to, signal* s, bool continuation) {
  if (!is_local(to)) {
    if (to.node != node && s->kind != signal_kind::inspect) {
      // Another node's: as the distribution carries it. A message that came through
      // here has no sender to tell (sends with one go through `send`).
      if (s->kind == signal_kind::message)
        send_to_node(to.node, signals::send{{}, term::value(to), std::move(s->payload)}, continuation);
      else
        send_to_node(to.node, std::move(as_control(s).body), continuation);
      delete s;
      return;
    }
    // A pid of an earlier incarnation of this node: that process is gone.
  } else {
    bool const is_message =
        s->kind == signal_kind::message ||
        (s->kind == signal_kind::control && std::holds_alternative<signals::alias_send>(as_control(s).body));
    // Pushed under the shard's shared lock, which keeps the process in the table (and
    // so alive) without taking a reference: one send, no reference count traffic.
    bool pushed = false;
    if (auto n = number_of(to)) {
      pushed = table_.with_shared(*n, [&](auto const& m) {
        auto it = m.find(*n);
        return it != m.end() && it->second->push(s, continuation);
      });
    }
    if (pushed) {
      if (is_message) count_sent();
      return;
    }
    continuation = true;
  }
  if (s->kind == signal_kind::control) answer_gone(as_control(s).body, atoms::noproc, continuation, term::value(to));
  delete s;
}

void system_impl::send_to_node(term::atom to, signals::signal&& s, bool continuation) {
  if (auto* r = router()) {
    r->route(to, std::move(s));
    return;
  }
  // No distribution: another node's process is out of reach, and is answered as BEAM
  // answers for a node it cannot connect to.
  answer_gone(s, atoms::noconnection, continuation);
}

void system_impl::answer_gone(signals::signal const& s, term::atom reason, bool continuation, term::value const& gone) {
  auto answer = [&](term::value const& to, signals::signal a) {
    if (to.is_pid()) deliver(to.as_pid(), new control(std::move(a)), continuation);
  };
  std::visit(overloaded{
                 [&](signals::link const& x) {
                   answer(x.from, signals::exit{x.to, x.from, reason});
                 },
                 [&](signals::monitor const& x) {
                   // By name: the 'DOWN' carries the name, and goes behind what the process
                   // the name stood for sent last.
                   answer(x.from, signals::down_for(x.to, x.from, x.ref, reason, gone));
                 },
                 // Nobody is left to acknowledge; answer for it so the unlinker forgets the link.
                 [&](signals::unlink const& x) {
                   answer(x.from, signals::unlink_ack{x.to, x.from, x.id});
                 },
                 [&](signals::spawn_request const& x) {
                   answer(x.from, signals::spawn_reply{x.ref, x.from, 0, term::value(reason)});
                 },
                 [&](signals::spawn_reply const& x) {
                   if (x.flags & signals::spawn_reply::monitored)
                     answer(x.result, signals::demonitor{x.to, x.result, x.ref});
                   if (x.flags & signals::spawn_reply::linked) answer(x.result, signals::exit{x.to, x.result, reason});
                 },
                 [](auto const&) {}, // messages and the rest: lost, as with a process that is not there
             },
             s);
}

result<void> system_impl::send(term::value const& from, term::value const& dest, term::value msg) {
  if (dest.is_pid()) {
    auto const& to = dest.as_pid();
    if (to.node != node) {
      if (router()) {
        send_to_node(to.node, signals::send{from, dest, std::move(msg)}, true);
        count_sent();
      }
      return {}; // without distribution: dropped, as a message to an unreachable node
    }
    deliver(to, signal::message(std::move(msg)), true);
    return {};
  }
  if (dest.is_atom()) {
    auto p = whereis(dest.as_atom());
    if (!p) return error::not_registered;
    deliver(*p, signal::message(std::move(msg)), true);
    return {};
  }
  if (dest.is_tuple() && dest.arity() == 2 && dest[0].is_atom() && dest[1].is_atom()) {
    if (dest[1].as_atom() != node) {
      if (router()) {
        send_to_node(dest[1].as_atom(), signals::reg_send{from, dest[0].as_atom(), std::move(msg)}, true);
        count_sent();
      }
      return {};
    }
    if (auto p = whereis(dest[0].as_atom())) deliver(*p, signal::message(std::move(msg)), true);
    return {}; // {Name, Node} to an unregistered name is dropped, as BEAM does
  }
  if (dest.is_reference()) {
    auto const& r = dest.as_reference();
    if (r.node != node) {
      if (router()) {
        send_to_node(r.node, signals::alias_send{from, dest, std::move(msg)}, true);
        count_sent();
      }
      return {};
    }
    if (r.creation != creation) return {};
    if (auto holder = alias_owner(dest))
      deliver(pid_of(*holder), new control(signals::alias_send{from, dest, std::move(msg)}), true);
    return {}; // an inactive alias: dropped
  }
  return error::bad_destination;
}

// --- other nodes -------------------------------------------------------------------------------

void system_impl::inject(signals::signal&& s) {
  // The process a signal is for: a pid, or a name registered here.
  auto local = [&](term::value const& to) -> std::optional<term::pid> {
    if (to.is_pid()) return to.as_pid();
    if (to.is_atom()) return whereis(to.as_atom());
    return std::nullopt;
  };
  std::visit(overloaded{
                 [&](signals::send& x) {
                   if (auto t = local(x.to)) deliver(*t, signal::message(std::move(x.message)), true);
                 },
                 [&](signals::reg_send& x) {
                   (void)send(x.from, term::value(x.to), std::move(x.message)); // an unknown name: dropped
                 },
                 [&](signals::alias_send& x) {
                   (void)send(x.from, x.alias, std::move(x.message)); // an inactive alias: dropped
                 },
                 [](signals::group_leader&) {},
                 [](signals::spawn_request&) {},
                 [](signals::node_link&) {},
                 [&]<class S>(S& x) {
                   if (auto t = local(x.to)) {
                     deliver(*t, new control(std::move(s)), true); // x is not used after this
                   } else if constexpr (std::is_same_v<S, signals::monitor>) {
                     answer_gone(s, atoms::noproc, true); // a name not registered: 'DOWN' noproc at once
                   }
                 },
             },
             s);
}

void system_impl::signal_exit(term::pid const& to, term::value const& reason) {
  deliver(to, new control(signals::exit2{system_pid, term::value(to), reason}));
}

// --- the registry ---------------------------------------------------------------------------

result<void> system_impl::register_name(term::atom name, term::pid const& pid) {
  if (name == atoms::undefined) return error::bad_name;
  if (!is_local(pid)) return error::not_local;
  std::lock_guard g(registry_mutex_);
  auto p = lookup(pid); // under the registry lock: an exiting process drops its name after leaving the table
  if (!p) return error::not_alive;
  if (names_.contains(name)) return error::name_taken;
  if (p->name) return error::already_named;
  names_.emplace(name, p.get());
  p->name = name;
  return {};
}

result<void> system_impl::unregister_name(term::atom name, process_impl const* only_if) {
  std::lock_guard g(registry_mutex_);
  auto it = names_.find(name);
  if (it == names_.end()) return error::not_registered;
  if (only_if && it->second != only_if) return error::name_taken;
  it->second->name.reset();
  names_.erase(it);
  return {};
}

std::optional<term::pid> system_impl::whereis(term::atom name) {
  std::shared_lock g(registry_mutex_);
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second->pid;
}

std::vector<term::atom> system_impl::registered() {
  std::shared_lock g(registry_mutex_);
  std::vector<term::atom> out;
  out.reserve(names_.size());
  for (auto const& [name, p] : names_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

void system_impl::drop_name(process_impl& p) noexcept {
  std::lock_guard g(registry_mutex_);
  if (p.name) {
    names_.erase(*p.name);
    p.name.reset();
  }
}

std::optional<term::atom> system_impl::name_of(process_impl const& p) {
  std::shared_lock g(registry_mutex_);
  return p.name;
}

// --- aliases -------------------------------------------------------------------------------

void system_impl::add_alias(term::value const& ref, std::uint64_t n) {
  aliases_.with(ref, [&](auto& m) { m.insert_or_assign(ref, n); });
}

void system_impl::remove_alias(term::value const& ref) noexcept {
  aliases_.with(ref, [&](auto& m) { m.erase(ref); });
}

std::optional<std::uint64_t> system_impl::alias_owner(term::value const& ref) {
  return aliases_.with(ref, [&](auto& m) -> std::optional<std::uint64_t> {
    auto it = m.find(ref);
    if (it == m.end()) return std::nullopt;
    return it->second;
  });
}

// --- references and timers ------------------------------------------------------------------

namespace {
std::atomic<std::uint64_t> ref_counter{1};
} // namespace

term::value system_impl::make_ref() {
  // Each thread takes numbers in blocks, so that making references does not contend.
  thread_local std::uint64_t next = 0, end = 0;
  if (next == end) {
    next = ref_counter.fetch_add(1024, std::memory_order_relaxed);
    end = next + 1024;
  }
  std::uint64_t const n = next++;
  term::reference r;
  r.node = node;
  r.creation = creation;
  r.size = 3;
  r.words[0] = static_cast<std::uint32_t>(n & 0x3ffff); // BEAM uses 18 bits of the first word
  r.words[1] = static_cast<std::uint32_t>(n >> 18);
  r.words[2] = static_cast<std::uint32_t>(n >> 50);
  return term::value(r);
}

struct system_impl::timer_entry {
  timer_entry(net::strand<net::io_context::executor_type> const& ex, std::chrono::steady_clock::time_point d)
      : timer(ex), deadline(d) {}
  net::steady_timer timer;
  std::chrono::steady_clock::time_point deadline;
  term::value dest;
  term::value msg;
};

term::value system_impl::start_timer(timeout t, term::value const& dest, term::value msg, bool wrap) {
  using clock = std::chrono::steady_clock;
  term::value ref = make_ref();
  auto now = clock::now();
  if (t < timeout::zero()) t = timeout::zero();
  auto deadline = t >= clock::time_point::max() - now ? clock::time_point::max() : now + t;
  auto e = std::make_shared<timer_entry>(strand_, deadline);
  e->dest = dest;
  e->msg = wrap ? term::tuple_of({atoms::timeout, ref, std::move(msg)}) : std::move(msg);
  timers_.with(ref, [&](auto& m) { m.emplace(ref, e); });
  timer_count_.fetch_add(1, std::memory_order_relaxed);
  // Timer objects are touched on the system strand only.
  net::post(strand_, [self = shared_from_this(), e, ref] {
    e->timer.expires_at(e->deadline);
    e->timer.async_wait([self, e, ref](error_code ec) {
      if (ec) return;
      bool const mine = self->timers_.with(ref, [&](auto& m) { return m.erase(ref) == 1; });
      if (!mine) return; // cancelled meanwhile
      self->timer_count_.fetch_sub(1, std::memory_order_relaxed);
      (void)self->send(term::value{}, e->dest, e->msg);
    });
  });
  return ref;
}

namespace {
std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  auto left = deadline - std::chrono::steady_clock::now();
  if (left < std::chrono::steady_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(left);
}
} // namespace

std::optional<std::chrono::milliseconds> system_impl::cancel_timer(term::value const& tref) {
  auto e = timers_.with(tref, [&](auto& m) -> std::shared_ptr<timer_entry> {
    auto it = m.find(tref);
    if (it == m.end()) return nullptr;
    auto found = std::move(it->second);
    m.erase(it);
    return found;
  });
  if (!e) return std::nullopt;
  timer_count_.fetch_sub(1, std::memory_order_relaxed);
  net::post(strand_, [e] { e->timer.cancel(); });
  return time_left(e->deadline);
}

std::optional<std::chrono::milliseconds> system_impl::read_timer(term::value const& tref) {
  auto d = timers_.with(tref, [&](auto& m) -> std::optional<std::chrono::steady_clock::time_point> {
    auto it = m.find(tref);
    if (it == m.end()) return std::nullopt;
    return it->second->deadline;
  });
  if (!d) return std::nullopt;
  return time_left(*d);
}

// --- counters -------------------------------------------------------------------------------

system_impl::counter_shard& system_impl::counters() noexcept {
  static std::atomic<std::size_t> next_slot{0};
  thread_local std::size_t const slot = next_slot.fetch_add(1, std::memory_order_relaxed);
  return counters_[slot % counters_.size()];
}

system_stats system_impl::stats() const {
  system_stats s;
  for (auto const& c : counters_) {
    s.spawned += c.spawned.load(std::memory_order_relaxed);
    s.exited += c.exited.load(std::memory_order_relaxed);
    s.messages_sent += c.sent.load(std::memory_order_relaxed);
    s.messages_received += c.received.load(std::memory_order_relaxed);
    s.exited_normal += c.exited_normal.load(std::memory_order_relaxed);
    s.exited_shutdown += c.exited_shutdown.load(std::memory_order_relaxed);
    s.turns += c.turns.load(std::memory_order_relaxed);
  }
  s.exited_other = s.exited - std::min(s.exited, s.exited_normal + s.exited_shutdown);
  // Turns of the processes that ended, and of the live ones (read here: a process counts
  // its own turns without touching anything shared).
  table_.for_each_shard([&](auto const& m) {
    for (auto const& [n, p] : m) s.turns += p->turns_.load(std::memory_order_relaxed);
  });
  // A process that ends while this reads may be missed once: never report less than before.
  auto reported = turns_reported_.load(std::memory_order_relaxed);
  while (reported < s.turns && !turns_reported_.compare_exchange_weak(reported, s.turns, std::memory_order_relaxed)) {
  }
  s.turns = std::max(s.turns, reported);
  s.processes = alive_.load(std::memory_order_relaxed);
  s.timers = timer_count_.load(std::memory_order_relaxed);
  return s;
}

// --- shutdown -------------------------------------------------------------------------------

void system_impl::shutdown(timeout grace) {
  if (shutting_down_.exchange(true, std::memory_order_acq_rel)) return;
  std::vector<term::pid> roots;
  {
    std::lock_guard g(roots_mutex_);
    for (auto const& [n, p] : roots_) roots.push_back(p);
  }
  for (auto const& p : roots) signal_exit(p, atoms::shutdown);
  net::post(strand_, [self = shared_from_this(), grace] {
    self->grace_timer_ = std::make_unique<net::steady_timer>(self->strand_);
    self->grace_timer_->expires_after(grace);
    self->grace_timer_->async_wait([self](error_code ec) {
      if (!ec) self->kill_all();
    });
  });
}

void system_impl::kill_all() {
  killing_.store(true, std::memory_order_release);
  for (auto const& p : all()) signal_exit(p->pid, atoms::kill);
}

void system_impl::join() {
  if (running_in(ioc)) throw std::logic_error("runtime::system::join called from a thread of its own io_context");
  {
    std::unique_lock lk(join_mutex_);
    join_cv_.wait(lk, [&] { return alive_.load(std::memory_order_acquire) == 0; });
  }
  // Every process is gone: nothing may wait on the system's timers any more.
  std::vector<term::value> refs;
  timers_.for_each_shard([&](auto const& m) {
    for (auto const& [ref, e] : m) refs.push_back(ref);
  });
  for (auto const& r : refs) (void)cancel_timer(r);
  net::post(strand_, [self = shared_from_this()] {
    if (self->grace_timer_) self->grace_timer_->cancel();
  });
}

bool system_impl::stopped() const noexcept {
  return shutting_down_.load(std::memory_order_acquire) && alive_.load(std::memory_order_acquire) == 0;
}

} // namespace enode::runtime
