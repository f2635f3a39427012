#pragma once

#include <enode/core/asio.hpp>
#include <enode/dist/connection.hpp>
#include <enode/signals/signal.hpp>
#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

/// The node's table of other nodes.
///
/// Lock order, for the whole node (take them in this order, never the other way, and
/// none across a co_await):
///   1. peer_table's mutex (the table itself);
///   2. a peer's `mutex` (one node's state and books);
///   3. a dist::connection's queue mutex (inside `connection::send`);
///   4. the runtime's locks (process table shards, registry; inside system calls).
/// node_monitors' mutex and the lifecycle's `failures_mutex_` are leaves: nothing else
/// is taken while one is held.
namespace enode::node {

/// What crosses a connection and must be answered if it goes: the books of links,
/// monitors and spawn requests, kept by the router as the signals pass.
struct peer_books {
  std::set<std::pair<term::value, term::value>> links; // (local pid, remote pid)
  struct monitor_out {
    term::value watcher; // local pid
    term::value target;  // remote pid, or the name (an atom) it watches there
  };
  std::unordered_map<term::value, monitor_out> monitors_out; // by ref
  std::unordered_map<term::value, term::value> monitors_in;  // ref -> local target (pid or name)
  std::unordered_map<term::value, term::value> spawns;       // our spawn requests not replied: id -> caller
  bool empty() const noexcept { return links.empty() && monitors_out.empty() && monitors_in.empty() && spawns.empty(); }
};

/// One other node, connected or being connected: its connection, the signals waiting
/// for it, and what must be answered if it goes (links and monitors across it).
struct peer {
  explicit peer(term::atom n) : name(n) {}
  term::atom const name;

  std::mutex mutex; // guards all below
  std::shared_ptr<dist::connection> conn;
  bool connecting = false;        // our outgoing attempt is in its handshake
  bool accepting = false;         // the peer's attempt is in its handshake (we said ok)
  bool awaiting_incoming = false; // we lost a simultaneous connect: the peer's attempt comes
  /// While awaiting_incoming: the timer of that wait (on its coroutine's strand), cancelled
  /// as soon as the wait has an outcome (the connection is up, another attempt starts,
  /// the node stops) so that nothing keeps waiting, nor keeps `stop` waiting, for it.
  std::shared_ptr<net::steady_timer> incoming_wait;
  std::uint64_t attempt = 0;            // our outgoing attempt's number; bumped to abort it
  std::vector<signals::signal> pending; // routed while not connected, in order
  peer_books books;
  std::vector<std::function<void(error_code)>> waiters; // connect() callers
  bool retired = false;                                 // dropped from the table: whoever still holds it looks again
  std::chrono::system_clock::time_point up_since;       // of the current connection

  /// Whether a connection is up now (mutex held).
  bool up() const noexcept { return conn && !conn->closed(); }
  /// Nothing refers to it: not connected nor connecting, nothing waits or is booked
  /// (mutex held).
  bool idle() const noexcept {
    return !conn && !connecting && !accepting && !awaiting_incoming && pending.empty() && waiters.empty() &&
           books.empty();
  }
};

/// The peers by name. Thread-safe.
class peer_table {
public:
  std::shared_ptr<peer> find(term::atom n) const;
  std::shared_ptr<peer> find_or_add(term::atom n);
  /// The table's live entry for `n` (made if missing), locked.
  std::pair<std::shared_ptr<peer>, std::unique_lock<std::mutex>> lock(term::atom n);
  /// Drops `p` if it is idle, so that failed attempts from many names (or sends to many
  /// absent nodes) do not pile up.
  void forget_if_idle(std::shared_ptr<peer> const& p);
  /// Runs `f` on each peer, its mutex held.
  void for_each(std::function<void(peer&)> const& f) const;

private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<term::atom, std::shared_ptr<peer>> peers_;
};

} // namespace enode::node
