#pragma once

#include "mailbox.hpp"
#include "signal.hpp"
#include "system_impl.hpp"

#include <enode/runtime/process.hpp>
#include <enode/runtime/process_info.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

namespace enode::runtime {

/// How a process is parked in a receive: the handler that resumes its coroutine.
using park_handler = net::async_result<std::decay_t<decltype(use_awaitable)>, void()>::handler_type;

/// A link as one side holds it (OTP 26 link protocol, erl_dist_protocol "Link Protocol"):
/// active, or being removed by an unlink that the other side has not acknowledged.
struct link_state {
  bool active = true;
  std::uint64_t unlink_id = 0;
};

/// A monitor of a registered name, `{Name, Node}`: 'DOWN' names that tuple. `pid` is
/// the process the name stood for when the monitor was made, if the name is of this
/// node and was registered (a name on another node is resolved there).
struct name_target {
  term::atom name, node;
  std::optional<term::pid> pid;
};

/// A monitor made with a spawn request (`spawn_request(..., [monitor])`), until the
/// reply names the new process: it watches the request made to `node`.
struct spawn_target {
  term::atom node;
};

/// What a monitor watches: a process, a name, or a spawn request not yet answered.
using monitor_target = std::variant<term::pid, name_target, spawn_target>;

/// A monitor this process holds on another: what it watches, and its alias.
struct monitor_out {
  monitor_target target;
  alias_mode alias = alias_mode::none;
};

/// A monitor another process holds on this one.
struct monitor_in {
  term::value watcher; ///< a pid
  term::atom name;     ///< the name it was made by (empty for a monitor of the pid)
};

/// A spawn request of this process not answered yet: what it asked for.
struct spawn_pending {
  spawn_reply reply = spawn_reply::yes;
  bool monitor = false;
};

/// Links, monitors, aliases and spawn requests: allocated on first use, most processes
/// have none.
struct relations {
  std::unordered_map<term::value, link_state> links;        // by pid
  std::unordered_map<term::value, monitor_out> monitors;    // by reference
  std::unordered_map<term::value, monitor_in> monitored_by; // by reference
  std::unordered_map<term::value, alias_mode> aliases;      // active aliases
  std::unordered_map<term::value, spawn_pending> spawns;    // by request id
  std::uint64_t next_unlink_id = 1;
};

/// The whole state of a process. The members under "shared" are touched by any thread
/// that signals the process; the rest belongs to the process itself: its executor never
/// runs two things for it at once.
///
/// Signals arrive on a lock-free stack (`inbox_`): a sender pushes with one
/// compare-and-swap; the process takes the whole stack at once and reverses it, which
/// keeps each sender's order. The state word `flags_` says what the process has to do
/// (start, resume its parked receive, handle an urgent exit signal, run queued handlers)
/// and whether a `run` is posted or running (`scheduled`); whoever sets the first bit
/// while `scheduled` is clear posts the run, which then does everything in order.
class process_impl final : public process {
public:
  process_impl(system_impl& sys, std::uint64_t number, std::unique_ptr<detail::body_base> body, bool root);
  ~process_impl();
  ENODE_POOLED_NEW

  static process_impl& of(process& p) noexcept { return static_cast<process_impl&>(p); }
  static process_impl const& of(process const& p) noexcept { return static_cast<process_impl const&>(p); }

  // --- identity ---------------------------------------------------------------------------
  system_impl& sys; ///< valid until the process has finished
  /// The io_context it runs on; unlike `sys`, valid for as long as the object lives
  /// (its executors may outlive the system by a little while its coroutine unwinds).
  net::io_context& ioc;
  std::uint64_t const number;
  term::pid const pid;
  term::value const self;
  bool const root;
  std::atomic<std::uint32_t> refs{1};

  executor get_executor() noexcept { return executor(this); }
  /// Queues a handler from the executor (any thread).
  void enqueue(detail::handler_node* h, bool continuation);
  /// Does what the process has to do; posted by `schedule`.
  void run();

  // --- shared ----------------------------------------------------------------------------
  /// Queues `s` for this process and wakes it if it waits (any thread). False, with `s`
  /// untouched, when the process has already closed its queue on exit.
  bool push(signal* s, bool continuation);
  /// Mailbox and queue lengths, under the lock (introspection).
  std::size_t queue_length();
  process_info info();

  // --- owned by the strand ------------------------------------------------------------------
  /// Starts the body (on the spawner's thread, before anyone else knows the process).
  void start();
  /// Handles every queued signal: messages move to the mailbox, the others act.
  void drain();
  void throw_if_doomed() const;
  /// A receive: `Result` is term::value (waits forever) or std::optional<term::value>.
  template <class Result>
  awaitable<Result> do_receive(match_fn match, timeout after, std::uint8_t mark);
  /// Creates the link/monitor tables on first use.
  relations& rel();
  relations* rel_ptr() noexcept { return rel_.get(); }
  void add_link(term::pid const& other);
  void add_monitor_in(term::value const& ref, term::value watcher, term::atom by_name = {});
  void add_monitor_out(term::value const& ref, monitor_target target, alias_mode alias);
  /// Removes the monitor `ref` (and the alias it made, if the alias goes with it);
  /// returns what it watched, or nullopt if there was no such monitor.
  std::optional<monitor_target> drop_monitor_out(term::value const& ref);
  /// Sends `s` to the process `to`, of any node.
  void send_signal(term::pid const& to, signals::signal s, bool continuation = true);
  /// Tells what the monitor `ref` watches that it is gone (DEMONITOR_P), if anyone is
  /// there to tell.
  void send_demonitor(term::value const& ref, monitor_target const& target);

  void set_trap(bool on) noexcept {
    trap = on;
    trap_flag_.store(on, std::memory_order_relaxed);
  }
  /// Publishes the link and monitor counts for introspection.
  void sync_counts() noexcept;
  /// Its links, monitors and monitored_by (but the monitor `skip`), and its messages if asked.
  process_relations relations_of_self(bool with_messages, term::value const& skip) const;

  mailbox mbox;
  std::optional<term::value> doom; ///< the exit reason an exit signal imposed
  /// The process dictionary, made on the first `put` (most processes have none); locked
  /// because introspection reads it from other threads.
  struct dictionary {
    std::mutex mutex;
    std::vector<std::pair<term::value, term::value>> entries;
  };
  /// The dictionary, made if missing (the process's own thread only).
  dictionary& dict();
  /// The dictionary if there is one (any thread; it lives as long as the process).
  dictionary* dict_if_any() const noexcept { return dict_.load(std::memory_order_acquire); }
  bool trap = false;

private:
  friend class system_impl;
  friend struct signal_handler;
  void handle(signal* s);
  /// The answer to one of our spawn requests; true when it became a message (`s` then
  /// holds it, in the mailbox).
  bool handle_spawn_reply(signal* s, signals::spawn_reply const& r);
  /// A message in place of the signal `s`, which becomes the message's node.
  void into_mailbox(signal* s, term::value msg);
  void impose(term::value reason);
  void wake_parked_here();
  void on_urgent();
  /// The signals of a stack taken off `inbox_`, oldest first.
  signal_list take_inbox(signal* newest_first) noexcept;
  /// Sets `bits` and `scheduled`; posts a run if none was posted or running.
  void raise(std::uint32_t bits, bool continuation);

public:
  /// Has `run` called: right after the running process when woken by it, else queued.
  void post_run(bool continuation);

private:
  /// The stack value of a closed inbox.
  static signal* closed_mark() noexcept { return reinterpret_cast<signal*>(std::uintptr_t{1}); }
  void arm_timer(std::chrono::steady_clock::time_point deadline);
  void disarm_timer() noexcept;
  term::value take(mailbox::cursor const& at, signal* s);
  void launch();
  void finish(std::exception_ptr e) noexcept;

  // Bits of `flags_`.
  static constexpr std::uint32_t scheduled = 1u << 0; ///< a run is posted or running
  static constexpr std::uint32_t starting = 1u << 1;  ///< the body has not been started yet
  static constexpr std::uint32_t parked = 1u << 2;    ///< `parked_` holds the receive's handler
  static constexpr std::uint32_t wake = 1u << 3;      ///< resume the parked receive
  static constexpr std::uint32_t urgent = 1u << 4;    ///< an exit signal arrived while not parked
  static constexpr std::uint32_t handlers = 1u << 5;  ///< `handlers_` has something
  std::atomic<signal*> inbox_{nullptr};               // newest first
  std::atomic<std::size_t> inbox_len_{0};
  std::atomic<std::uint32_t> flags_{0};
  std::optional<park_handler> parked_; // handed over through the `parked` bit
  std::mutex handlers_mutex_;
  detail::handler_node* handlers_head_ = nullptr;
  detail::handler_node* handlers_tail_ = nullptr;

  std::atomic<process_status> status_{process_status::runnable};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> turns_{0}; // written by the process only
  std::atomic<bool> trap_flag_{false};
  std::atomic<std::uint32_t> n_links_{0}, n_monitors_{0}, n_monitored_by_{0};
  bool finished_ = false;

  std::unique_ptr<relations> rel_;
  std::atomic<dictionary*> dict_{nullptr};
  std::unique_ptr<net::steady_timer> timer_;
  std::uint64_t timer_gen_ = 0;
  bool timer_armed_ = false;
  net::cancellation_signal cancel_;
  std::unique_ptr<detail::body_base> body_;
  awaitable<> pending_body_;
  std::exception_ptr start_error_;

public:
  std::optional<term::atom> name; ///< guarded by the system's registry mutex
};

} // namespace enode::runtime
