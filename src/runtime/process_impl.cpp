#include "process_impl.hpp"

#include <enode/core/overloaded.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

#include <stdexcept>
#include <utility>

namespace enode::runtime {

namespace atoms = term::atoms;

void intrusive_ptr_add_ref(process_impl* p) noexcept { p->refs.fetch_add(1, std::memory_order_relaxed); }

void intrusive_ptr_release(process_impl* p) noexcept {
  if (p->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete p;
}

process_impl::process_impl(system_impl& s, std::uint64_t n, std::unique_ptr<detail::body_base> body, bool is_root)
    : sys(s), ioc(s.ioc), number(n), pid(s.pid_of(n)), self(pid), root(is_root), body_(std::move(body)) {}

process_impl::~process_impl() {
  delete dict_.load(std::memory_order_relaxed);
  // Handlers that never ran (the io_context stopped first) are destroyed uncalled.
  while (detail::handler_node* h = handlers_head_) {
    handlers_head_ = h->next;
    h->complete(h, false);
  }
}

// --- the executor's side -------------------------------------------------------------------

namespace {
/// The process whose run() this thread is in, if any.
thread_local process_impl* running = nullptr;
} // namespace

namespace detail {
void retain(process_impl* p) noexcept { intrusive_ptr_add_ref(p); }
void release(process_impl* p) noexcept { intrusive_ptr_release(p); }
bool running_in(process_impl const* p) noexcept { return running == p; }
net::io_context& context_of(process_impl const* p) noexcept { return p->ioc; }
void enqueue(process_impl* p, handler_node* h, bool continuation) { p->enqueue(h, continuation); }
void work_started(process_impl const* p) noexcept { p->ioc.get_executor().on_work_started(); }
void work_finished(process_impl const* p) noexcept { p->ioc.get_executor().on_work_finished(); }
} // namespace detail

namespace {
/// A process that the one running on this thread made runnable, to run right after it
/// without going through the io_context (a reference is held). One slot: a second one
/// is queued the usual way.
thread_local process_impl* next_here = nullptr;
/// Processes run one after another in a single io_context handler before the chain
/// goes back to the queue, so that others (and I/O) get their turn.
constexpr int max_chain = 32;

struct chain_runner {
  process_ptr first;
  void operator()() {
    // Whatever happens, a process left in the slot goes back to the queue.
    struct flush {
      ~flush() {
        if (process_impl* left = std::exchange(next_here, nullptr)) {
          process_ptr p(left, false);
          p->post_run(true);
        }
      }
    } flush_on_exit;
    first->run();
    for (int n = 0; n < max_chain && next_here; ++n) {
      process_ptr p(std::exchange(next_here, nullptr), false);
      p->run();
    }
  }
};
} // namespace

void process_impl::post_run(bool continuation) {
  // A process woken by another that is running here runs right after it, on this
  // thread, without a trip through the io_context (as BEAM hands a woken process to
  // its waker's scheduler); failing that, a continuation goes to this thread's queue
  // (defer), so that an idle thread is woken only when there is more than one thing to
  // run. Anything else is posted.
  if (continuation && running && !next_here && &running->ioc == &ioc) {
    intrusive_ptr_add_ref(this);
    next_here = this;
    return;
  }
  auto ex = ioc.get_executor();
  if (continuation)
    net::defer(ex, chain_runner{process_ptr(this)});
  else
    net::post(ex, chain_runner{process_ptr(this)});
}

void process_impl::raise(std::uint32_t bits, bool continuation) {
  auto prev = flags_.fetch_or(bits | scheduled, std::memory_order_acq_rel);
  if (!(prev & scheduled)) post_run(continuation);
}

void process_impl::enqueue(detail::handler_node* h, bool continuation) {
  {
    std::lock_guard g(handlers_mutex_);
    h->next = nullptr;
    if (handlers_tail_)
      handlers_tail_->next = h;
    else
      handlers_head_ = h;
    handlers_tail_ = h;
  }
  raise(handlers, continuation);
}

void process_impl::run() {
  // At most this many things in one go, then the process queues again behind others.
  constexpr int budget = 64;
  process_impl* const outer = running;
  running = this;
  struct restore {
    process_impl* outer;
    ~restore() { running = outer; }
  } restore_running{outer};
  turns_.store(turns_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  for (int done = 0; done < budget; ++done) {
    auto f = flags_.load(std::memory_order_seq_cst);
    if (f & starting) {
      flags_.fetch_and(~starting, std::memory_order_acq_rel);
      launch();
    } else if (f & urgent) {
      flags_.fetch_and(~urgent, std::memory_order_acq_rel);
      on_urgent();
    } else if (f & wake) {
      wake_parked_here();
    } else if (f & handlers) {
      flags_.fetch_and(~handlers, std::memory_order_acq_rel);
      detail::handler_node* batch;
      {
        std::lock_guard g(handlers_mutex_);
        batch = handlers_head_;
        handlers_head_ = handlers_tail_ = nullptr;
      }
      while (detail::handler_node* h = batch) {
        batch = h->next;
        try {
          h->complete(h, true);
        } catch (...) {
          // A handler that throws (Asio's own never do) ends this run: the rest of the
          // batch goes back in front of the queue and the process stays scheduled.
          if (batch) {
            std::lock_guard g(handlers_mutex_);
            detail::handler_node* last = batch;
            while (last->next) last = last->next;
            last->next = handlers_head_;
            handlers_head_ = batch;
            if (!handlers_tail_) handlers_tail_ = last;
            flags_.fetch_or(handlers, std::memory_order_acq_rel);
          }
          post_run(false);
          throw;
        }
      }
    } else if (flags_.compare_exchange_strong(f, f & ~scheduled, std::memory_order_seq_cst)) {
      return; // nothing left; a later signal posts a new run
    }
  }
  post_run(false); // `scheduled` stays set: the new run takes over
}

relations& process_impl::rel() {
  if (!rel_) rel_ = std::make_unique<relations>();
  return *rel_;
}
void process_impl::sync_counts() noexcept {
  n_links_.store(rel_ ? static_cast<std::uint32_t>(rel_->links.size()) : 0, std::memory_order_relaxed);
  n_monitors_.store(rel_ ? static_cast<std::uint32_t>(rel_->monitors.size()) : 0, std::memory_order_relaxed);
  n_monitored_by_.store(rel_ ? static_cast<std::uint32_t>(rel_->monitored_by.size()) : 0, std::memory_order_relaxed);
}

// --- starting and ending ------------------------------------------------------------------

void process_impl::start() {
  try {
    pending_body_ = body_->start(*this);
  } catch (...) {
    // A body that throws before it is even a coroutine ends the same way.
    start_error_ = std::current_exception();
  }
  // Deferred: a process spawned by another queues behind its spawner on the same
  // thread (as BEAM puts it on the spawner's run queue), and an idle thread is woken
  // only when there is more than one thing to run.
  raise(starting, true);
}

void process_impl::launch() {
  intrusive_ptr_add_ref(this); // the coroutine's own reference, dropped after finish()
  // A process killed before it ever ran does not run at all, as on BEAM.
  drain();
  if (start_error_ || doom) {
    finish(std::exchange(start_error_, nullptr));
    intrusive_ptr_release(this);
    return;
  }
  // In run(), so co_spawn starts the body here and now.
  net::co_spawn(get_executor(), std::move(pending_body_),
                net::bind_cancellation_slot(cancel_.slot(), [this](std::exception_ptr e) {
                  finish(e);
                  intrusive_ptr_release(this);
                }));
}

void process_impl::finish(std::exception_ptr e) noexcept {
  term::value reason = atoms::normal;
  if (doom)
    reason = *doom;
  else if (e)
    reason = exit_reason_of(e);
  finished_ = true;
  status_.store(process_status::exiting, std::memory_order_relaxed);
  timer_.reset();         // cancels a pending wait; its handler only finds the process finished
  cancel_.slot().clear(); // co_spawn's cancellation handler holds the executor, hence this process
  body_.reset();

  // Leave the table first: from here on signals to this pid are answered as to a
  // process that does not exist, and register/2 refuses the pid.
  sys.leave_table(number);
  sys.drop_name(*this);

  signal_list rest = take_inbox(inbox_.exchange(closed_mark(), std::memory_order_acq_rel));
  parked_.reset();
  // Signals that reached the queue before it closed are this process's last to
  // handle: a link or monitor that arrived in time gets the real exit reason.
  while (signal* s = rest.pop_front()) {
    if (s->kind == signal_kind::control) {
      auto const& b = as_control(s).body;
      if (std::holds_alternative<signals::link>(b) || std::holds_alternative<signals::monitor>(b) ||
          std::holds_alternative<signals::demonitor>(b) || std::holds_alternative<signals::unlink>(b) ||
          std::holds_alternative<signals::unlink_ack>(b)) {
        handle(s); // handle() takes it
        continue;
      }
      if (std::holds_alternative<signals::spawn_reply>(b)) {
        sys.answer_gone(b, atoms::noproc, false); // a process made for us must not watch us
        delete s;
        continue;
      }
    }
    delete s; // messages, exits, DOWNs: moot now
  }
  mbox.clear();

  if (rel_) {
    for (auto const& [ref, mode] : rel_->aliases) sys.remove_alias(ref);
    for (auto const& [peer, st] : rel_->links)
      if (st.active) send_signal(peer.as_pid(), signals::exit{self, peer, reason}, false);
    for (auto const& [ref, m] : rel_->monitored_by)
      send_signal(m.watcher.as_pid(), signals::down{self, m.name, m.watcher, ref, reason}, false);
    for (auto const& [ref, m] : rel_->monitors) send_demonitor(ref, m.target);
    rel_.reset();
  }
  sync_counts();
  sys.exited(*this, reason);
}

// --- signals ---------------------------------------------------------------------------------

bool process_impl::push(signal* s, bool continuation) {
  // Read before the push: once pushed, the signal belongs to the process, which may
  // already have handled and freed it.
  bool const is_exit = s->kind == signal_kind::control && (std::holds_alternative<signals::exit>(as_control(s).body) ||
                                                           std::holds_alternative<signals::exit2>(as_control(s).body));
  // Counted first, so that a drain that takes the signal never counts it below zero.
  inbox_len_.fetch_add(1, std::memory_order_relaxed);
  signal* head = inbox_.load(std::memory_order_relaxed);
  do {
    if (head == closed_mark()) {
      inbox_len_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    s->next = head;
  } while (!inbox_.compare_exchange_weak(head, s, std::memory_order_seq_cst, std::memory_order_relaxed));
  // Seen after the push (both seq_cst): a process that parks after its last look at the
  // inbox sets `parked` first, so one of the two sees the other.
  auto f = flags_.load(std::memory_order_seq_cst);
  if (f & parked) {
    if (!(f & wake)) raise(wake, continuation);
  } else if (is_exit) {
    // An exit signal must reach a process that is not waiting in a receive, too: it
    // may be awaiting some other operation, which the signal then cancels.
    if (!(f & urgent)) raise(urgent, continuation);
  }
  return true;
}

signal_list process_impl::take_inbox(signal* newest_first) noexcept {
  // The stack holds the newest first: reversed, it is in arrival order.
  signal_list out;
  signal* reversed = nullptr;
  std::size_t n = 0;
  while (newest_first && newest_first != closed_mark()) {
    signal* next = newest_first->next;
    newest_first->next = reversed;
    reversed = newest_first;
    newest_first = next;
    ++n;
  }
  inbox_len_.fetch_sub(n, std::memory_order_relaxed);
  out.adopt(reversed, n);
  return out;
}

void process_impl::send_signal(term::pid const& to, signals::signal s, bool continuation) {
  sys.deliver(to, new control(std::move(s)), continuation);
}

void process_impl::send_demonitor(term::value const& ref, monitor_target const& target) {
  std::visit(overloaded{
                 [&](term::pid const& p) {
                   send_signal(p, signals::demonitor{self, term::value(p), ref});
                 },
                 [&](name_target const& n) {
                   if (n.pid)
                     send_signal(*n.pid, signals::demonitor{self, term::value(n.name), ref});
                   else if (n.node != sys.node) // resolved there: tell the node
                     sys.send_to_node(n.node, signals::demonitor{self, term::value(n.name), ref}, true);
                   // else a name of ours that was not registered: no one to tell
                 },
                 [](spawn_target const&) {}, // no process yet: its reply is undone when it comes
             },
             target);
}

void process_impl::drain() {
  if (!inbox_.load(std::memory_order_relaxed)) return;
  signal_list got = take_inbox(inbox_.exchange(nullptr, std::memory_order_acquire));
  bool relations_changed = false;
  while (signal* s = got.pop_front()) {
    if (s->kind == signal_kind::message) {
      mbox.push_back(s);
      continue;
    }
    relations_changed = true;
    handle(s);
  }
  if (relations_changed) sync_counts();
}

void process_impl::impose(term::value reason) {
  if (!doom) doom = std::move(reason);
}

void process_impl::throw_if_doomed() const {
  if (doom) throw exit_exception(*doom);
}

void process_impl::add_link(term::pid const& other) {
  auto& links = rel().links;
  links.insert_or_assign(term::value(other), link_state{});
  sync_counts();
}

void process_impl::add_monitor_in(term::value const& ref, term::value watcher, term::atom by_name) {
  rel().monitored_by.insert_or_assign(ref, monitor_in{std::move(watcher), by_name});
  sync_counts();
}

void process_impl::add_monitor_out(term::value const& ref, monitor_target target, alias_mode alias) {
  auto& r = rel();
  r.monitors.insert_or_assign(ref, monitor_out{std::move(target), alias});
  if (alias != alias_mode::none) {
    r.aliases.insert_or_assign(ref, alias);
    sys.add_alias(ref, number);
  }
  sync_counts();
}

std::optional<monitor_target> process_impl::drop_monitor_out(term::value const& ref) {
  if (!rel_) return std::nullopt;
  auto it = rel_->monitors.find(ref);
  if (it == rel_->monitors.end()) return std::nullopt;
  if (it->second.alias == alias_mode::demonitor || it->second.alias == alias_mode::reply_demonitor) {
    if (rel_->aliases.erase(ref)) sys.remove_alias(ref);
  }
  auto target = std::move(it->second.target);
  rel_->monitors.erase(it);
  return target;
}

// --- waiting ---------------------------------------------------------------------------------

void process_impl::wake_parked_here() {
  auto prev = flags_.fetch_and(~(parked | wake), std::memory_order_acq_rel);
  if (!(prev & parked)) return; // woken already, or a wake that found it running
  park_handler h(std::move(*parked_));
  parked_.reset();
  h(); // in the process already: resume the receive here
}

void process_impl::on_urgent() {
  if (finished_) return;
  drain();
  if (flags_.load(std::memory_order_acquire) & parked)
    wake_parked_here();
  else if (doom)
    cancel_.emit(net::cancellation_type::terminal); // unblocks any other wait
}

void process_impl::arm_timer(std::chrono::steady_clock::time_point deadline) {
  if (!timer_) timer_ = std::make_unique<net::steady_timer>(get_executor());
  if (timer_armed_ && timer_->expiry() == deadline) return;
  timer_->expires_at(deadline);
  auto gen = ++timer_gen_;
  timer_armed_ = true;
  timer_->async_wait([p = process_ptr(this), gen](error_code ec) {
    if (ec || gen != p->timer_gen_ || p->finished_) return;
    p->timer_armed_ = false;
    p->wake_parked_here();
  });
}

void process_impl::disarm_timer() noexcept {
  if (timer_armed_) {
    timer_armed_ = false;
    ++timer_gen_;
    timer_->cancel();
  }
}

term::value process_impl::take(mailbox::cursor const& at, signal* s) {
  received_.store(received_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sys.count_received();
  return mbox.take(at, s);
}

template <class Result>
awaitable<Result> process_impl::do_receive(match_fn match, timeout after, std::uint8_t mark) {
  throw_if_doomed();
  match_fn const* m = match.matches_all() ? nullptr : &match;
  mailbox::cursor at = mbox.from_mark(mark);
  if (signal* s = mbox.find(m, at)) co_return take(at, s);

  using clock = std::chrono::steady_clock;
  bool const forever = after == infinity;
  clock::time_point deadline{};
  if (!forever && after > timeout::zero()) {
    auto now = clock::now();
    deadline = after >= clock::time_point::max() - now ? clock::time_point::max() : now + after;
  }
  for (;;) {
    drain();
    throw_if_doomed();
    if (signal* s = mbox.find(m, at)) {
      disarm_timer();
      co_return take(at, s);
    }
    if (!forever) {
      if (after <= timeout::zero() || clock::now() >= deadline) {
        disarm_timer();
        if constexpr (std::is_same_v<Result, std::optional<term::value>>)
          co_return std::nullopt;
        else
          co_return term::value{}; // unreachable: only `forever` receives return a bare value
      }
      arm_timer(deadline);
    }
    if (parked_) {
      // A second coroutine of the same process receiving while the first waits: a
      // process has one thread of control, and its mailbox one reader.
      throw std::logic_error("runtime::process: two receives at once in one process");
    }
    status_.store(process_status::waiting, std::memory_order_relaxed);
    co_await net::async_initiate<std::decay_t<decltype(use_awaitable)> const, void()>(
        [this](park_handler h) {
          // In run(), so `scheduled` is set: a wake raised here is seen by this run.
          parked_.emplace(std::move(h));
          flags_.fetch_or(parked, std::memory_order_seq_cst);
          // A signal that came in since the last drain wakes it at once.
          if (inbox_.load(std::memory_order_seq_cst)) flags_.fetch_or(wake, std::memory_order_acq_rel);
        },
        use_awaitable);
    status_.store(process_status::runnable, std::memory_order_relaxed);
  }
}

template awaitable<term::value> process_impl::do_receive<term::value>(match_fn, timeout, std::uint8_t);
template awaitable<std::optional<term::value>> process_impl::do_receive<std::optional<term::value>>(match_fn, timeout,
                                                                                                    std::uint8_t);

// --- introspection ---------------------------------------------------------------------------

std::size_t process_impl::queue_length() { return mbox.size() + inbox_len_.load(std::memory_order_relaxed); }

process_relations process_impl::relations_of_self(bool with_messages, term::value const& skip) const {
  process_relations r;
  if (rel_) {
    for (auto const& [peer, st] : rel_->links)
      if (st.active) r.links.push_back(peer);
    for (auto const& [ref, m] : rel_->monitors) {
      if (auto const* watched = std::get_if<term::pid>(&m.target))
        r.monitors.push_back(term::tuple_of({atoms::process, term::value(*watched)}));
      else if (auto const* by_name = std::get_if<name_target>(&m.target))
        r.monitors.push_back(
            term::tuple_of({atoms::process, term::tuple_of({term::value(by_name->name), term::value(by_name->node)})}));
    }
    for (auto const& [ref, m] : rel_->monitored_by)
      if (ref != skip) r.monitored_by.push_back(m.watcher);
  }
  if (with_messages) mbox.for_each([&](term::value const& m) { r.messages.push_back(m); });
  return r;
}

process_impl::dictionary& process_impl::dict() {
  if (auto* d = dict_if_any()) return *d;
  auto* d = new dictionary;
  dict_.store(d, std::memory_order_release);
  return *d;
}

process_info process_impl::info() {
  process_info i;
  i.pid = pid;
  i.registered_name = sys.name_of(*this);
  i.message_queue_len = queue_length();
  i.status = status_.load(std::memory_order_relaxed);
  i.trap_exit = trap_flag_.load(std::memory_order_relaxed);
  i.links = n_links_.load(std::memory_order_relaxed);
  i.monitors = n_monitors_.load(std::memory_order_relaxed);
  i.monitored_by = n_monitored_by_.load(std::memory_order_relaxed);
  i.messages_received = received_.load(std::memory_order_relaxed);
  i.reductions = turns_.load(std::memory_order_relaxed);
  i.memory = sizeof(process_impl) + i.message_queue_len * sizeof(signal) +
             (i.links + i.monitors + i.monitored_by) * 64; // a relation's map node, about
  if (auto* d = dict_if_any()) {
    std::lock_guard g(d->mutex);
    i.dictionary = d->entries;
    i.memory += sizeof(dictionary) + d->entries.capacity() * sizeof(d->entries[0]);
  }
  return i;
}

} // namespace enode::runtime
