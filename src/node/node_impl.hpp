#pragma once

#include <enode/dist/connection.hpp>
#include <enode/dist/epmd_server.hpp>
#include <enode/dist/setup.hpp>
#include <enode/node/functions.hpp>
#include <enode/node/node.hpp>
#include <enode/runtime/remote.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
  std::vector<std::function<void(bool)>> waiters; // connect() callers
  bool retired = false;                           // dropped from the table: whoever still holds it looks again
};

class node_impl : public std::enable_shared_from_this<node_impl>,
                  public runtime::remote_router,
                  public dist::connection_sink {
public:
  explicit node_impl(options o);
  ~node_impl() override;

  result<void> start();
  void stop();

  // runtime::remote_router
  void route(term::atom node, signals::signal&& s) override;
  // dist::connection_sink
  void on_message(dist::connection& c, dist::control&& msg) override;
  void on_down(dist::connection& c, error_code why) override;

  std::vector<term::atom> nodes(bool include_hidden) const;
  /// Starts connecting if needed; `done(true)` once up, `done(false)` on failure.
  void connect(term::atom peer_name, std::function<void(bool)> done);
  bool disconnect(term::atom peer_name);
  /// Whether a connection to `peer_name` is up now.
  bool connected(term::atom peer_name) const;
  void monitor_node(term::pid const& watcher, term::atom peer_name, bool on);
  void monitor_nodes(term::pid const& watcher, bool on);
  void log(std::string_view line) const;
  /// Serves a SPAWN_REQUEST that came from the node `from` (spawn_server.cpp).
  void spawn_requested(term::atom from, signals::spawn_request&& r);

  options opts;
  std::string full_name;
  term::atom name_atom;
  std::string cookie;
  dist::flags::type flags = 0;
  std::uint32_t creation = 0;
  std::uint16_t epmd_port = 4369;
  std::uint16_t port = 0;

  runtime::scheduler sched;
  std::unique_ptr<runtime::system> sys;
  std::shared_ptr<dist::epmd::server> epmd_server;
  /// What rpc and erpc callers can call.
  enode::node::functions fns;
  /// The group leader of the processes our spawn requests make on other nodes: an I/O
  /// server that writes what they print to standard output (system processes).
  term::value group_leader;

private:
  std::shared_ptr<peer> find_or_add(term::atom n);
  std::shared_ptr<peer> find(term::atom n) const;
  /// The table's live entry for `n` (made if missing), locked.
  std::pair<std::shared_ptr<peer>, std::unique_lock<std::mutex>> lock_peer(term::atom n);
  dist::local_identity identity() const;
  dist::connection_options connection_options() const;
  net::awaitable<void> accept_loop();
  net::awaitable<void> accept_one(net::ip::tcp::socket s);
  net::awaitable<void> connect_to(std::shared_ptr<peer> p, std::uint64_t attempt);
  /// Starts an outgoing attempt (p->mutex held, nothing in progress).
  void start_connect(std::shared_ptr<peer> const& p);
  /// The peer's attempt failed: what waits for it gets an attempt of ours.
  void accept_failed(std::shared_ptr<peer> const& p);
  /// Ends the wait for the peer's attempt after a lost simultaneous connect, if one runs
  /// (p.mutex held).
  static void end_incoming_wait(peer& p);
  /// Drops `p` from the table if nothing refers to it any more.
  void forget_if_idle(std::shared_ptr<peer> const& p);
  net::awaitable<void> hold_epmd();
  /// Connects the nodes of options::keep_connected that are down, every reconnect_interval.
  net::awaitable<void> keep_connected();
  net::awaitable<result<std::uint32_t>> register_epmd();
  std::string accept_status(dist::peer_identity const& who);
  /// Makes `c` the peer's connection and sends what waited for it.
  void up(std::shared_ptr<peer> p, std::shared_ptr<dist::connection> c);
  /// The attempt to reach `p` failed: answer what waited as an unreachable node does.
  void unreachable(std::shared_ptr<peer> p);
  /// Sends `s` on `p`'s connection `c`, keeping `p`'s books (p.mutex held).
  void send_on(peer& p, dist::connection& c, signals::signal&& s);
  /// Keeps `p`'s books for `s`, which came from it; false when `s` is not to be
  /// delivered (not for us, or the node's own business, served here).
  bool received(dist::connection& c, peer& p, signals::signal& s);
  /// A connection to `peer_name` is gone: its links get `noconnection`, the monitors our
  /// processes held across it fire `noconnection`, the ones held on ours are dropped, and
  /// our spawn requests it had not answered fail with `noconnection`.
  void connection_lost(peer_books const& b);
  void node_event(term::atom peer_name, bool up_event, bool visible);

  /// `<Node.0.0>`: the sender of what is sent from outside any process.
  term::value system_pid_;
  net::any_io_executor strand_;
  std::unique_ptr<net::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<net::ip::tcp::socket> epmd_socket_;
  std::vector<term::atom> keep_connected_;
  std::unique_ptr<net::steady_timer> reconnect_timer_;
  /// hold_epmd's pause between attempts to register again (on strand_).
  std::unique_ptr<net::steady_timer> epmd_retry_timer_;
  /// Why the last attempt to reach each keep_connected node failed, until it is up: a
  /// node that stays away is reported once per reason, not every reconnect_interval.
  std::mutex failures_mutex_;
  std::map<term::atom, std::string> failures_;
  /// Whether `why` for `peer_name` is news (always, for a node not kept connected).
  bool report_failure(term::atom peer_name, std::string const& why);
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  mutable std::shared_mutex peers_mutex_;
  std::unordered_map<term::atom, std::shared_ptr<peer>> peers_;

  mutable std::mutex monitors_mutex_;
  std::multimap<term::atom, term::pid> node_monitors_;
  std::vector<term::pid> node_subscribers_;
};

} // namespace enode::node
