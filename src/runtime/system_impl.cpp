#include "system_impl.hpp"

#include "process_impl.hpp"

#include <enode/term/atoms.hpp>

#include <algorithm>
#include <stdexcept>

namespace enode::runtime {

namespace atoms = term::atoms;

bool running_in(net::io_context& ioc) noexcept { return ioc.get_executor().running_in_this_thread(); }

system_impl::system_impl(net::io_context& io, system_options const& opts, runtime::system& own)
    : ioc(io), node(opts.node), creation(opts.creation), owner(own),
      system_pid(term::pid{opts.node, 0, 0, opts.creation}), strand_(net::make_strand(io)) {}

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
      p->add_monitor_in(ref, parent->pid, p->self);
      if (opts.monitor_ref) *opts.monitor_ref = ref;
    }
  }
  if (remote) {
    if (remote->link) p->add_link(*remote->link);
    if (remote->monitor) p->add_monitor_in(remote->monitor->first, remote->monitor->second, p->self);
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

void system_impl::exited(process_impl& p) noexcept {
  counters().exited.fetch_add(1, std::memory_order_relaxed);
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
    if (to.node == node) {
      // A pid of an earlier incarnation of this node: that process is gone.
      answer_gone(to, s, atoms::noproc, continuation);
    } else if (auto* r = router()) {
      route(*r, to, s, term::value{});
    } else {
      // No distribution: another node's process is out of reach, and is answered as
      // BEAM answers for a node it cannot connect to.
      answer_gone(to, s, atoms::noconnection, continuation);
    }
    return;
  }
  bool const is_message = s->kind == signal_kind::message || s->kind == signal_kind::alias_message;
  // Pushed under the shard's shared lock, which keeps the process in the table (and so
  // alive) without taking a reference: one send, no reference count traffic.
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
  answer_gone(to, s, atoms::noproc, true);
}

void system_impl::answer_gone(term::pid const& gone, signal* s, term::atom reason, bool continuation) {
  control* r = nullptr;
  switch (s->kind) {
    case signal_kind::link:
      r = new control(signal_kind::exit_linked);
      r->payload = reason;
      break;
    case signal_kind::monitor:
      r = new control(signal_kind::down);
      r->ref = as_control(s).ref;
      r->extra = as_control(s).extra;
      r->payload = reason;
      break;
    case signal_kind::unlink:
      // Nobody is left to acknowledge; answer for it so the unlinker forgets the link.
      r = new control(signal_kind::unlink_ack);
      r->id = as_control(s).id;
      break;
    default: break;
  }
  if (r) {
    r->from = term::value(gone);
    deliver(as_control(s).from.as_pid(), r, continuation);
  }
  delete s;
}

result<void> system_impl::send(term::value const& from, term::value const& dest, term::value msg) {
  (void)from; // carried by the distribution's SEND_SENDER; local delivery does not need it
  if (dest.is_pid()) {
    auto const& to = dest.as_pid();
    if (to.node != node) {
      if (auto* r = router()) {
        r->route(remote_signal{remote_signal::kind::send, to.node, from, dest, {}, 0, std::move(msg), {}});
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
      if (auto* r = router()) {
        r->route(
            remote_signal{remote_signal::kind::reg_send, dest[1].as_atom(), from, dest[0], {}, 0, std::move(msg), {}});
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
      if (auto* rt = router()) {
        rt->route(remote_signal{remote_signal::kind::alias_send, r.node, from, dest, {}, 0, std::move(msg), {}});
        count_sent();
      }
      return {};
    }
    if (r.creation != creation) return {};
    if (auto holder = alias_owner(dest)) {
      auto* s = new control(signal_kind::alias_message);
      as_control(s).ref = dest;
      s->payload = std::move(msg);
      deliver(pid_of(*holder), s, true);
    }
    return {}; // an inactive alias: dropped
  }
  return error::bad_destination;
}

// --- other nodes -------------------------------------------------------------------------------

void system_impl::route(remote_router& router, term::pid const& to, signal* s, term::value const& from_of_message) {
  using k = remote_signal::kind;
  remote_signal r;
  r.node = to.node;
  r.to = term::value(to);
  switch (s->kind) {
    case signal_kind::message:
      r.what = k::send;
      r.from = from_of_message;
      break;
    case signal_kind::alias_message:
      r.what = k::alias_send;
      r.to = as_control(s).ref;
      break;
    case signal_kind::exit: r.what = k::exit; break;
    case signal_kind::exit_linked: r.what = k::exit_linked; break;
    case signal_kind::link: r.what = k::link; break;
    case signal_kind::unlink: r.what = k::unlink; break;
    case signal_kind::unlink_ack: r.what = k::unlink_ack; break;
    case signal_kind::monitor:
      r.what = k::monitor;
      r.object = as_control(s).extra;
      // A monitor of {Name, Node}: process::monitor addresses it to the node's pid 0.
      if (to.id == 0 && to.serial == 0 && to.creation == 0 && r.object.is_tuple()) r.to = r.object[0];
      break;
    case signal_kind::demonitor: r.what = k::demonitor; break;
    case signal_kind::down:
      r.what = k::down;
      r.object = as_control(s).extra;
      break;
  }
  if (s->kind != signal_kind::message) {
    auto& c = as_control(s);
    r.from = std::move(c.from);
    r.ref = std::move(c.ref);
    r.id = c.id;
  }
  r.payload = std::move(s->payload);
  delete s;
  router.route(std::move(r));
}

void system_impl::inject(remote_signal&& r) {
  using k = remote_signal::kind;
  auto control_of = [&](signal_kind kind) {
    auto* c = new control(kind);
    c->from = std::move(r.from);
    c->ref = std::move(r.ref);
    c->id = r.id;
    c->payload = std::move(r.payload);
    c->extra = std::move(r.object);
    return c;
  };
  auto to_pid = [&]() -> std::optional<term::pid> {
    if (r.to.is_pid()) return r.to.as_pid();
    if (r.to.is_atom()) return whereis(r.to.as_atom());
    return std::nullopt;
  };
  switch (r.what) {
    case k::send:
      if (r.to.is_pid()) deliver(r.to.as_pid(), signal::message(std::move(r.payload)), true);
      return;
    case k::reg_send:
    case k::alias_send: {
      term::value dest = std::move(r.to);
      (void)send(r.from, dest, std::move(r.payload)); // an unknown name or alias: dropped
      return;
    }
    case k::monitor: {
      auto target = to_pid();
      if (!target) {
        // A name that is not registered: 'DOWN' noproc at once, naming {Name, Node}.
        if (auto* rt = router()) {
          remote_signal d;
          d.what = k::down;
          d.node = r.node;
          d.from = r.to;
          d.to = std::move(r.from);
          d.ref = std::move(r.ref);
          d.payload = atoms::noproc;
          d.object = std::move(r.object);
          rt->route(std::move(d));
        }
        return;
      }
      deliver(*target, control_of(signal_kind::monitor), true);
      return;
    }
    default: break;
  }
  auto target = to_pid();
  if (!target) return;
  signal_kind kind = signal_kind::message;
  switch (r.what) {
    case k::link: kind = signal_kind::link; break;
    case k::unlink: kind = signal_kind::unlink; break;
    case k::unlink_ack: kind = signal_kind::unlink_ack; break;
    case k::exit: kind = signal_kind::exit; break;
    case k::exit_linked: kind = signal_kind::exit_linked; break;
    case k::demonitor: kind = signal_kind::demonitor; break;
    case k::down: kind = signal_kind::down; break;
    default: return;
  }
  deliver(*target, control_of(kind), true);
}

void system_impl::signal_exit(term::pid const& to, term::value const& reason) {
  auto* s = new control(signal_kind::exit);
  as_control(s).from = system_pid;
  s->payload = reason;
  deliver(to, s);
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
  }
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
