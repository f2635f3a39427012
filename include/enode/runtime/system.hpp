#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/core/export.hpp>
#include <enode/core/logger.hpp>
#include <enode/core/result.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/process_info.hpp>
#include <enode/runtime/remote.hpp>
#include <enode/term/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace enode::runtime {

/// Options of a runtime system.
struct system_options {
  /// The node name that local pids, ports and references carry (`nonode@nohost` until
  /// the node is distributed).
  term::atom node = term::atom("nonode@nohost");
  /// The node's creation: tells pids of this incarnation from those of an earlier one.
  std::uint32_t creation = 0;
};

/// How a process spawned for another node's spawn request starts (`SPAWN_REQUEST`):
/// linked to, or monitored by, the requester from its first instant, as BEAM's
/// `spawn_request` with `link` and `monitor` sets it up.
struct remote_spawn {
  /// The requester, linked to the new process.
  std::optional<term::pid> link;
  /// The requester's monitor, `{Ref, Watcher}`: 'DOWN' goes to Watcher when it ends.
  std::optional<std::pair<term::value, term::pid>> monitor;
  /// Runs once the pid exists and before the process does: the node sends its spawn
  /// reply there, so nothing the new process sends can overtake it.
  std::function<void(term::pid const&)> ready;
};

class ENODE_INTERNAL system_impl;

/// The runtime system of one node: its processes, their registered names, aliases and
/// timers, hosted on an io_context that some threads run (a `scheduler`'s, or the
/// application's own).
///
/// Every member is thread-safe. Members that act for a process (`send` and
/// `exit` with a `from`) are for code outside processes; inside a process use the
/// `process` members, which behave as the BIFs.
///
/// Shutdown: `shutdown` stops new spawns from outside, sends exit signal `shutdown` to
/// every process spawned from outside a process (the roots, such as top supervisors,
/// which take down what they link to in order), waits for them up to the grace time,
/// then kills every process still alive; `join` returns when every process body has
/// finished. The io_context must keep running until then. The destructor shuts down and
/// joins if that has not been done.
class system {
public:
  /// `logger`: where crash and supervisor reports go (a node gives its own).
  explicit system(net::io_context& ioc, system_options opts = {}, log::logger logger = {});
  ~system();
  system(system const&) = delete;
  system& operator=(system const&) = delete;

  term::atom node() const noexcept;
  /// The logger of this system's node: reports of crashed processes go there.
  log::logger const& logger() const noexcept;
  std::uint32_t creation() const noexcept;
  net::io_context& context() const noexcept;

  /// Starts a process with no parent (a root).
  /// @returns its pid, or `error::shutting_down` once `shutdown` has begun.
  template <class F>
  result<term::pid> spawn(F&& body) {
    return spawn_root(detail::make_body(std::forward<F>(body)));
  }

  /// Starts a process for another node's spawn request (see `remote_spawn`); a root too.
  template <class F>
  result<term::pid> spawn(F&& body, remote_spawn const& how) {
    return spawn_root(detail::make_body(std::forward<F>(body)), &how);
  }

  /// Sends `msg` as `Dest ! Msg` would, from no process. Fails with `not_registered` for
  /// an unregistered name and `bad_destination` for a term that is not a destination.
  [[nodiscard]] result<void> send(term::value const& dest, term::value msg);

  /// `Dest ! Msg` as the process `from` sends it (for code that acts for a process from
  /// outside it, such as `node::blocking`); the same errors as `send`.
  [[nodiscard]] result<void> send_as(term::pid const& from, term::value const& dest, term::value msg);

  /// `exit(Target, Reason)` from outside any process; `from` is the pid the exit
  /// signal carries (a trapping target sees `{'EXIT', From, Reason}`).
  void exit(term::pid const& from, term::pid const& target, term::value reason);

  /// `whereis/1`.
  std::optional<term::pid> whereis(term::atom name) const;
  /// `register/2`.
  [[nodiscard]] result<void> register_name(term::atom name, term::pid const& pid);
  /// `unregister/1`.
  [[nodiscard]] result<void> unregister_name(term::atom name);
  /// `registered/0`.
  std::vector<term::atom> registered() const;

  /// `is_process_alive/1` for a local pid (false for others).
  bool is_process_alive(term::pid const& pid) const;
  /// Whether `pid` is of this node's current incarnation.
  bool is_local(term::pid const& pid) const noexcept;

  /// `make_ref/0`: unique for the life of this node name and creation.
  term::value make_ref();

  /// `erlang:send_after/3` and `erlang:start_timer/3` from outside a process.
  term::value send_after(timeout t, term::value const& dest, term::value msg);
  term::value start_timer(timeout t, term::value const& dest, term::value msg);
  /// `erlang:cancel_timer/1`: the time that was left, or nullopt.
  std::optional<std::chrono::milliseconds> cancel_timer(term::value const& tref);
  /// `erlang:read_timer/1`: the time left, or nullopt.
  std::optional<std::chrono::milliseconds> read_timer(term::value const& tref) const;

  /// Installs the router for signals to other nodes (null: other nodes are unreachable,
  /// answered with `noconnection`). Set it before processes talk to other nodes; it must
  /// outlive every process.
  void set_router(remote_router* r) noexcept;
  /// Delivers a signal from a process of another node to a local process (or name, or
  /// alias), as a local signal would arrive. What finds no process is answered through
  /// the router as BEAM answers: a link with an exit `noproc`, a monitor with a 'DOWN'
  /// `noproc`; a message is dropped. Signals that are the node's business (spawn
  /// requests, group leaders, NODE_LINK) are not the runtime's and are dropped.
  void inject(signals::signal&& s);

  /// Answers `s`, sent by a local process to a node that cannot be reached, as BEAM
  /// answers: a link with an exit `noconnection`, a monitor with a 'DOWN'
  /// `noconnection`, an unlink with its acknowledgement, a spawn request with a failed
  /// reply. A message is lost.
  void answer_unreachable(signals::signal const& s);

  /// One snapshot per live process.
  std::vector<process_info> processes() const;
  /// A snapshot of one process, or nullopt if it is not alive.
  std::optional<runtime::process_info> info(term::pid const& pid) const;
  system_stats stats() const;

  /// Begins the shutdown described above; returns at once. Idempotent.
  void shutdown(timeout grace = std::chrono::seconds(5));
  /// Blocks until every process has ended. @throws std::logic_error when called from a
  /// thread that runs this system's io_context, where it would wait for itself.
  void join();
  /// Whether every process has ended after `shutdown`.
  bool stopped() const noexcept;

private:
  /// For the runtime's own modules (system_impl.hpp).
  friend system_impl& impl_of(system& s) noexcept;
  result<term::pid> spawn_root(std::unique_ptr<detail::body_base> body, remote_spawn const* how = nullptr);
  std::shared_ptr<system_impl> impl_;
};

} // namespace enode::runtime

#pragma GCC visibility pop
