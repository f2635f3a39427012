#pragma once

#include "node_monitors.hpp"
#include "peer_table.hpp"

#include <enode/core/logger.hpp>
#include <enode/dist/connection.hpp>
#include <enode/dist/epmd_server.hpp>
#include <enode/dist/setup.hpp>
#include <enode/node/functions.hpp>
#include <enode/node/metrics.hpp>
#include <enode/node/node.hpp>
#include <enode/runtime/remote.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

/// The node, in parts: the lifecycle (start, stop, EPMD; lifecycle.cpp), the connection
/// manager over the peer table (connections.cpp, peer_table.hpp, whose header holds the
/// node's lock order), the router of signals both ways (router.cpp), node monitoring
/// (node_monitors.hpp) and the server side of spawn requests (spawn_server.cpp). The
/// system processes (net_kernel, rex, global_name_server, the I/O server) use it
/// through the accessors below.
namespace enode::node {

class node_impl : public std::enable_shared_from_this<node_impl>,
                  public runtime::remote_router,
                  public dist::connection_sink {
public:
  explicit node_impl(options o);
  ~node_impl() override;

  // --- lifecycle (lifecycle.cpp) ----------------------------------------------------------
  result<void> start();
  void stop();

  // --- what the system processes and the facade use ---------------------------------------
  term::atom name() const noexcept { return name_; }
  std::string const& full_name() const noexcept { return full_name_; }
  std::uint32_t creation() const noexcept { return creation_; }
  std::uint16_t listen_port() const noexcept { return port_; }
  options const& opts() const noexcept { return opts_; }
  log::logger const& logger() const noexcept { return logger_; }
  runtime::system& system() noexcept { return *sys_; }
  enode::node::functions& functions() noexcept { return fns_; }
  bool serves_epmd() const noexcept { return epmd_server_ != nullptr; }
  /// The group leader of the processes our spawn requests make on other nodes: an I/O
  /// server that writes what they print to standard output.
  void set_group_leader(term::value gl) { group_leader_ = std::move(gl); }
  term::value const& group_leader() const noexcept { return group_leader_; }
  runtime::scheduler const& scheduler() const noexcept { return sched_; }
  /// Started and not stopping: connections are accepted (what /health tells).
  bool accepting() const noexcept { return started_ && !stopping_; }
  bool stopping() const noexcept { return stopping_; }
  /// The admin HTTP server's port, 0 when it does not run.
  std::uint16_t http_port() const noexcept;
  /// When `start` succeeded.
  std::chrono::steady_clock::time_point started_at() const noexcept { return started_at_; }
  /// Asks the program to stop, with `status` (init:stop, erlang:halt from another node);
  /// `halt`: the connections close at once, before anything else.
  void request_stop(int status, bool halt);

  // --- metrics (metrics.cpp) -----------------------------------------------------------------
  metrics_snapshot metrics(std::size_t longest_mailboxes) const;

  // --- connections (connections.cpp) ------------------------------------------------------
  std::vector<term::atom> nodes(bool include_hidden) const;
  /// Starts connecting if needed; `done({})` once up, `done(why)` on failure.
  void connect(term::atom peer_name, std::function<void(error_code)> done);
  /// Closes the connection to `peer_name`; `not_connected` when there is none.
  error_code disconnect(term::atom peer_name);
  /// Whether a connection to `peer_name` is up now.
  bool connected(term::atom peer_name) const;
  void monitor_node(term::pid const& watcher, term::atom peer_name, bool on);
  void monitor_nodes(term::pid const& watcher, bool on);

  // --- runtime::remote_router, dist::connection_sink (router.cpp, connections.cpp) ---------
  void route(term::atom node, signals::signal&& s) override;
  void on_message(dist::connection& c, dist::control&& msg) override;
  void on_down(dist::connection& c, error_code why) override;

private:
  friend void handover_epmd(node_impl& n);

  // lifecycle.cpp
  result<void> configure();
  result<void> listen();
  void start_system();
  net::awaitable<result<std::uint32_t>> register_epmd();
  net::awaitable<void> hold_epmd();
  /// Connects the nodes of options::keep_connected that are down, every reconnect_interval.
  net::awaitable<void> keep_connected();
  /// Whether `why` for `peer_name` is news (always, for a node not kept connected).
  bool report_failure(term::atom peer_name, std::string const& why);
  void close_connections();
  /// Runs `body` on the node's strand, with a handler that logs what escapes it.
  void spawn_on(net::any_io_executor ex, net::awaitable<void> body, std::string what);

  // connections.cpp
  dist::local_identity identity() const;
  dist::connection_options connection_options() const;
  net::awaitable<void> accept_loop();
  net::awaitable<void> accept_one(net::ip::tcp::socket s);
  dist::status accept_status(dist::peer_identity const& who);
  /// Starts an outgoing attempt (p->mutex held, nothing in progress).
  void start_connect(std::shared_ptr<peer> const& p);
  net::awaitable<void> connect_to(std::shared_ptr<peer> p, std::uint64_t attempt);
  /// After a lost simultaneous connect: waits (up to twice the setup time) for the peer's
  /// own attempt; false when that never came.
  net::awaitable<bool> await_incoming(std::shared_ptr<peer> p, std::uint64_t attempt);
  /// The peer's attempt failed: what waits for it gets an attempt of ours.
  void accept_failed(std::shared_ptr<peer> const& p);
  /// Ends the wait for the peer's attempt after a lost simultaneous connect, if one runs
  /// (p.mutex held).
  static void end_incoming_wait(peer& p);
  /// Makes `c` the peer's connection and sends what waited for it.
  void up(std::shared_ptr<peer> p, std::shared_ptr<dist::connection> c);
  /// The attempt to reach `p` failed with `why`: answer what waited as an unreachable
  /// node does.
  void unreachable(std::shared_ptr<peer> p, error_code why);

  // router.cpp
  /// Sends `s` on `p`'s connection `c`, keeping `p`'s books (p.mutex held).
  void send_on(peer& p, dist::connection& c, signals::signal&& s);
  /// Keeps `p`'s books for `s`, which came from it; false when `s` is not to be
  /// delivered (not for us, or the node's own business, served here).
  bool received(dist::connection& c, peer& p, signals::signal& s);
  /// A connection is gone: its links get `noconnection`, the monitors our processes held
  /// across it fire `noconnection`, the ones held on ours are dropped, and our spawn
  /// requests it had not answered fail with `noconnection`.
  void connection_lost(peer_books const& b);

  // spawn_server.cpp
  /// Serves a SPAWN_REQUEST that came from the node `from`.
  void spawn_requested(term::atom from, signals::spawn_request&& r);

  // metrics.cpp: the distribution's counters (metrics_mutex_ is a leaf lock)
  void count_up(term::atom peer_name);
  void count_down(dist::connection const& c, error_code why);
  void count_handshake_failure(error_code why);
  struct dist_totals {
    std::uint64_t connects = 0, messages_in = 0, messages_out = 0, bytes_in = 0, bytes_out = 0;
  };

  options opts_;
  log::logger logger_;
  std::string full_name_;
  term::atom name_;
  std::string cookie_;
  dist::flags::type flags_ = 0;
  std::uint32_t creation_ = 0;
  std::uint16_t epmd_port_ = 4369;
  std::uint16_t port_ = 0;
  /// `<Node.0.0>`: the sender of what is sent from outside any process.
  term::value system_pid_;
  term::value group_leader_;

  runtime::scheduler sched_;
  std::unique_ptr<runtime::system> sys_;
  enode::node::functions fns_;
  peer_table peers_;
  node_monitors monitors_;

  net::any_io_executor strand_;
  std::shared_ptr<dist::epmd::server> epmd_server_;
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
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stop_requested_{false};
  bool started_ = false;
  std::chrono::steady_clock::time_point started_at_;

  std::unique_ptr<http::server> http_;
  mutable std::mutex metrics_mutex_;
  std::map<term::atom, dist_totals> dist_totals_; // of finished connections, and connects
  std::uint64_t connects_ = 0, disconnects_ = 0, ticks_missed_ = 0, decode_errors_ = 0;
  std::map<std::string, std::uint64_t> handshakes_failed_;
};

/// A visible node: one net_kernel and global count, nodes() lists, and monitor_nodes tells of.
inline bool visible(dist::connection const& c) noexcept { return (c.flags() & dist::flags::published) != 0; }

/// Resident memory of this OS process in bytes, 0 where unknown (metrics.cpp).
std::uint64_t resident_bytes();

/// `error_code` spelled out: its message, category and value.
std::string describe(error_code ec);

} // namespace enode::node
