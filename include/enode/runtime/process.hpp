#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/pool.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/fwd.hpp>
#include <enode/runtime/process_info.hpp>
#include <enode/term/value.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace enode::runtime {

/// A predicate over messages for a selective receive; a non-owning reference to any
/// callable `bool(term::value const&)`, which must outlive the receive (a lambda written
/// in the `co_await` expression does).
class match_fn {
public:
  /// Matches every message.
  match_fn() noexcept = default;
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, match_fn> && std::is_invocable_r_v<bool, F&, term::value const&>)
      match_fn(F&& f)
  noexcept // NOLINT: converting, like std::function_ref
      : obj_(const_cast<void*>(static_cast<void const*>(std::addressof(f)))),
        call_([](void* o, term::value const& m) -> bool {
          return std::invoke(*static_cast<std::remove_reference_t<F>*>(o), m);
        }) {}
  bool operator()(term::value const& m) const { return !call_ || call_(obj_, m); }
  bool matches_all() const noexcept { return call_ == nullptr; }

private:
  void* obj_ = nullptr;
  bool (*call_)(void*, term::value const&) = nullptr;
};

/// A position in a process's mailbox: a receive that starts there skips every message
/// that was already in the mailbox when the mark was made (BEAM's receive marker).
/// Mark right before creating the reference a reply will carry; see `process::mark`.
/// Only the process that made it may use it; it is released when destroyed.
class receive_marker {
public:
  receive_marker() noexcept = default;
  receive_marker(receive_marker&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), slot_(o.slot_) {}
  receive_marker& operator=(receive_marker&& o) noexcept {
    reset();
    owner_ = std::exchange(o.owner_, nullptr);
    slot_ = o.slot_;
    return *this;
  }
  ~receive_marker() { reset(); }
  /// Releases the mark; a receive from a released mark scans the whole mailbox.
  void reset() noexcept;
  explicit operator bool() const noexcept { return owner_ != nullptr; }

private:
  friend class process;
  receive_marker(process* owner, std::uint8_t slot) noexcept : owner_(owner), slot_(slot) {}
  process* owner_ = nullptr;
  std::uint8_t slot_ = 0;
};

/// Options of `spawn`.
struct spawn_options {
  /// Link the new process to the spawner (`spawn_link`).
  bool link = false;
  /// Monitor the new process from the spawner (`spawn_monitor`); the reference is
  /// returned through `monitor_ref`.
  bool monitor = false;
  /// Where `spawn` puts the monitor reference when `monitor` is set.
  term::value* monitor_ref = nullptr;
};

/// How a process alias ends (OTP 24+ `alias/1` and `monitor/3` options).
enum class alias_mode : std::uint8_t {
  /// No alias (for monitors).
  none,
  /// Active until `unalias` (or the process ends).
  explicit_unalias,
  /// For a monitor: deactivated when the monitor goes (`demonitor`, or the `'DOWN'` message).
  demonitor,
  /// Deactivated on the first message received through the alias (`alias([reply])`);
  /// for a monitor, the monitor goes too (`{alias, reply_demonitor}`).
  reply_demonitor,
};

/// Which outcomes of a `spawn_request` come back as a message (its `{reply, R}` option).
enum class spawn_reply : std::uint8_t { no, yes, error_only };

/// Options of `monitor`.
struct monitor_options {
  /// Makes the monitor reference an alias of the monitoring process as well.
  alias_mode alias = alias_mode::none;
};

namespace detail {
/// A process body held for the life of the process, so that a lambda's captures
/// outlive the coroutine that refers to them.
struct body_base {
  virtual ~body_base() = default;
  ENODE_POOLED_NEW
  virtual awaitable<> start(process& self) = 0;
};
template <class F>
struct body_holder final : body_base {
  F f;
  explicit body_holder(F fn) : f(std::move(fn)) {}
  awaitable<> start(process& self) override { return std::invoke(f, self); }
};
template <class F>
std::unique_ptr<body_base> make_body(F&& f) {
  static_assert(std::is_invocable_r_v<awaitable<>, std::decay_t<F>&, process&>,
                "a process body is callable as runtime::awaitable<>(runtime::process&)");
  return std::make_unique<body_holder<std::decay_t<F>>>(std::forward<F>(f));
}
} // namespace detail

/// A process as its own body sees it: `self()` and the BIFs that act on or for the
/// calling process. Every member is for the process's own body (it runs on the
/// process's strand); other code reaches a process only by sending to it.
///
/// Semantics are BEAM's: messages between two processes arrive in the order sent;
/// exit signals, links and monitors follow `erlang(3)` (a `kill` exit signal cannot be
/// trapped and leaves reason `killed`; `normal` exit signals do not end a process that
/// does not trap exits; a monitor on a process that does not exist yields `noproc` at
/// once). Where a BIF raises an Erlang error, the member throws `error_exception`
/// (`badarg`, `noproc`); a process that an exit signal ends is unwound by an
/// `exit_exception` thrown from its current (or next) wait. A body must let those
/// propagate: a `catch (...)` that swallows one does not save the process, which ends
/// at its next wait with the reason it was given.
class process {
public:
  process(process const&) = delete;
  process& operator=(process const&) = delete;

  /// This process's pid.
  term::pid const& pid() const noexcept;
  /// This process's pid as a term (Erlang's `self()`).
  term::value const& self() const noexcept;
  /// The runtime system it lives in.
  runtime::system& system() const noexcept;
  /// The process's executor, for Asio operations the body awaits.
  executor get_executor() const noexcept;

  // --- processes -----------------------------------------------------------------------

  /// Starts a new process running `body`. With `opts.link` it is linked to this one
  /// (atomically, as `spawn_link`), with `opts.monitor` monitored (`spawn_monitor`).
  template <class F>
  term::pid spawn(F&& body, spawn_options opts = {}) {
    return spawn_body(detail::make_body(std::forward<F>(body)), opts);
  }
  template <class F>
  term::pid spawn_link(F&& body) {
    return spawn(std::forward<F>(body), spawn_options{.link = true});
  }
  /// Spawns and monitors: the pid and the monitor reference.
  template <class F>
  std::pair<term::pid, term::value> spawn_monitor(F&& body) {
    term::value ref;
    auto p = spawn(std::forward<F>(body), spawn_options{.monitor = true, .monitor_ref = &ref});
    return {p, ref};
  }

  // --- messages ------------------------------------------------------------------------

  /// `Dest ! Msg`: to a pid (local or remote), a registered name (an atom; `badarg` if
  /// unregistered), `{Name, Node}` (dropped silently when no such name), or an alias
  /// reference (dropped when the alias is no longer active). Never blocks.
  void send(term::value const& dest, term::value msg);

  /// The oldest message; waits as long as it takes.
  awaitable<term::value> receive();
  /// The oldest message, or nullopt after `after` (`receive ... after T`; 0 polls).
  awaitable<std::optional<term::value>> receive(timeout after);
  /// The oldest message for which `match` holds, leaving the others in order; nullopt
  /// after `after`. Messages already looked at are not looked at again while it waits.
  awaitable<std::optional<term::value>> receive(match_fn match, timeout after = infinity);
  /// The same, looking only at messages that arrived after `from` was made.
  awaitable<std::optional<term::value>> receive(match_fn match, timeout after, receive_marker const& from);
  /// The oldest message that matches `p`.
  awaitable<std::optional<term::value>> receive(pattern const& p, timeout after = infinity);
  /// `receive after T -> ok end` (`timer:sleep/1`): waits without taking a message.
  awaitable<> sleep(timeout t);

  /// Marks the end of the mailbox as it is now, for a receive that waits for a reply
  /// tagged with a reference made after the mark. At most a few marks are live at once;
  /// past that the mark is empty and the receive scans the whole mailbox (still correct).
  receive_marker mark();

  /// Messages in the mailbox (`process_info(self(), message_queue_len)`).
  std::size_t message_queue_len() const noexcept;

  /// The links, monitors, monitored_by (and queued messages, if asked) of the local
  /// process `pid`, for `process_info`: asked as BEAM asks another process, with a
  /// signal it answers between its own steps. nullopt when it is not alive.
  awaitable<std::optional<process_relations>> inspect(term::pid const& pid, bool with_messages = false);

  // --- links and exits -----------------------------------------------------------------

  /// `link/1`. Linking to oneself, or to a linked process, does nothing. A local process
  /// that does not exist raises `noproc`, unless this process traps exits: it then gets
  /// `{'EXIT', Pid, noproc}`.
  void link(term::pid const& other);
  /// `unlink/1`: once it returns, the link has no more effect on this process.
  void unlink(term::pid const& other);
  /// `process_flag(trap_exit, On)`; returns the old value.
  bool trap_exit(bool on);
  bool trapping_exits() const noexcept;
  /// `exit/1`: ends this process with `reason` (throws `exit_exception`).
  [[noreturn]] void exit(term::value reason);
  /// `exit/2`: sends an exit signal to `target` (a pid). `kill` cannot be trapped and
  /// leaves `killed`; `normal` ends no one but a caller that sends it to itself.
  void exit(term::pid const& target, term::value reason);
  /// Whether an exit signal has doomed this process (it unwinds at its next wait).
  bool exiting() const noexcept;

  // --- monitors and aliases ------------------------------------------------------------

  /// `monitor(process, Target)` for a pid, a registered name (atom) or `{Name, Node}`:
  /// the reference of the monitor. `{'DOWN', Ref, process, Object, Reason}` follows when
  /// the target ends (at once with `noproc` if it does not exist); Object is the pid, or
  /// `{Name, Node}` for a name. `badarg` for any other target.
  term::value monitor(term::value const& target, monitor_options opts = {});
  /// `demonitor(Ref)`, with `[flush]` when flush is true (removes its DOWN message if already
  /// received). Returns whether the monitor was still active (the answer of `[info]`).
  bool demonitor(term::value const& ref, bool flush = false);
  /// `alias()`: a reference that routes messages to this process while active.
  term::value alias(alias_mode mode = alias_mode::explicit_unalias);
  /// `unalias(Alias)`: whether it was an active alias of this process.
  bool unalias(term::value const& alias);

  /// `spawn_request(Node, Module, Function, Args, Options)` to another node: the request
  /// id. The outcome arrives as a message `{spawn_reply, ReqId, ok, Pid}` or
  /// `{spawn_reply, ReqId, error, Reason}` as `reply` says (`{reply, yes | no |
  /// error_only}`); with `monitor`, ReqId is also the reference of a monitor of the new
  /// process (`{'DOWN', ReqId, process, Pid, Reason}`, `noconnection` if the connection
  /// goes or cannot be made); `demonitor(ReqId)` before the reply abandons the request
  /// (the process, if made, is no longer monitored and its reply is dropped); after an
  /// error reply `demonitor(ReqId)` drops the monitor that was never made. `badarg` for
  /// this node's own name or an argument list that is not a proper list.
  term::value spawn_request(term::atom node, term::atom module, term::atom function, term::value args, bool monitor,
                            spawn_reply reply = spawn_reply::yes);

  // --- the process dictionary ----------------------------------------------------------

  /// `put(Key, Value)`: the value it replaces, or `undefined`.
  term::value put(term::value key, term::value value);
  /// `get(Key)`: the value, or `undefined`.
  term::value get(term::value const& key) const;
  /// `erase(Key)`: the value it held, or `undefined`.
  term::value erase(term::value const& key);

  // --- names and timers ----------------------------------------------------------------

  /// `register(Name, self())`; `badarg` if the name is taken or this process has one.
  void register_name(term::atom name);
  /// `unregister(Name)`, for any registered name; `badarg` if it is not registered.
  void unregister_name(term::atom name);

  /// `make_ref()`.
  term::value make_ref();
  /// `erlang:send_after(Time, Dest, Msg)`: a timer reference.
  term::value send_after(timeout t, term::value const& dest, term::value msg);
  /// `erlang:start_timer(Time, Dest, Msg)`: delivers `{timeout, TRef, Msg}`.
  term::value start_timer(timeout t, term::value const& dest, term::value msg);
  /// `erlang:cancel_timer(TRef)`: the time that was left, or nullopt if it had fired or
  /// never existed. A cancelled timer's message is never delivered.
  std::optional<std::chrono::milliseconds> cancel_timer(term::value const& tref);

private:
  friend class receive_marker;
  friend class system;
  friend class process_impl;
  process() = default;
  ~process() = default;

  term::pid spawn_body(std::unique_ptr<detail::body_base> body, spawn_options opts);
  void release_marker(std::uint8_t slot) noexcept;
};

inline void receive_marker::reset() noexcept {
  if (owner_) owner_->release_marker(slot_);
  owner_ = nullptr;
}

} // namespace enode::runtime

#pragma GCC visibility pop
