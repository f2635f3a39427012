#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/export.hpp>
#include <enode/core/logger.hpp>
#include <enode/core/result.hpp>
#include <enode/http/server.hpp>
#include <enode/node/functions.hpp>
#include <enode/node/metrics.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atom.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enode::node {

/// How a node starts.
struct options {
  /// `alive@host`, or just `alive` to have the host filled in: the short host name for
  /// short names, the fully qualified one for long names.
  std::string name;
  /// Long names (`-name`) rather than short ones (`-sname`).
  bool long_names = false;
  /// The cookie; when unset, `~/.erlang.cookie`, created as `erl` creates it if missing.
  std::optional<std::string> cookie;
  /// A hidden node does not appear in the peers' `nodes()` (only in `nodes(hidden)`).
  bool hidden = false;
  /// The distribution port; 0 picks a free one. With `listen_port_max` above it, the
  /// first free port of `listen_port`..`listen_port_max`, as the kernel parameters
  /// `inet_dist_listen_min` and `inet_dist_listen_max` choose one.
  std::uint16_t listen_port = 0;
  std::uint16_t listen_port_max = 0;
  /// net_ticktime: a silent peer is declared down after about this long.
  std::chrono::seconds ticktime{60};
  /// The EPMD port; unset: `ERL_EPMD_PORT`, else 4369.
  std::optional<std::uint16_t> epmd_port;
  /// Serve EPMD ourselves when nothing listens on its port.
  bool embedded_epmd = true;
  /// When the EPMD registration is lost (EPMD stopped), the pause before each attempt to
  /// register again.
  std::chrono::milliseconds epmd_retry_interval{1000};
  /// Deadline of each connection setup (net_setuptime).
  std::chrono::milliseconds setup_timeout{7000};
  /// Nodes (`alive@host`) to stay connected to, as libcluster's Epmd strategy keeps its
  /// hosts: each is connected once the node has started and again, every
  /// `reconnect_interval`, while its connection is down (after a restart or a partition).
  std::vector<std::string> keep_connected;
  std::chrono::milliseconds reconnect_interval{2000};
  /// At `stop`, how long the processes have after their exit signal `shutdown` before
  /// those still running are killed.
  std::chrono::milliseconds shutdown_grace{2000};
  /// Scheduler threads; 0: one per core.
  std::size_t threads = 0;
  /// The `enode` program that takes the embedded EPMD over when the node stops while
  /// other nodes are registered with it, for a program that does not serve as its own
  /// successor (see `epmd_successor` in application.hpp); empty: an `enode` beside this
  /// program, else one on the PATH.
  std::string epmd_successor;
  /// Where the node's log lines go (connection events and failures, crash and
  /// supervisor reports): a callable taking a `log::record` or just the text; default:
  /// standard error, as `2026-12-03T10:15:02.123Z notice cpp@host: connected to ...`.
  log::sink log;
  /// The least severe level logged; unset: `ENODE_LOG_LEVEL`, else `notice`.
  std::optional<log::level> log_level;
  /// What `init:stop/0,1` and `erlang:halt/0,1` called by another node (over rpc, as
  /// `erl_call -q` does) do: called once, from a thread of the node's, with the exit
  /// status asked for (0 for init:stop/0 and halt/0). Unset: the node stops itself, on
  /// a thread of its own. `node::run` sets it to end the program with that status.
  std::function<void(int status)> stop_requested;
  /// Serve the admin endpoints over HTTP (`/metrics`, `/health`, `/api/...`, the status
  /// page at `/`), on 127.0.0.1 unless another address is given; unset: no HTTP.
  std::optional<http::server_options> http;
};

class ENODE_INTERNAL node_impl;

/// An Erlang node: a runtime system that speaks the distribution protocol. It registers
/// with EPMD (serving EPMD itself when none runs), accepts and makes connections, routes
/// messages, links, monitors and exits between its processes and other nodes', and
/// hosts `net_kernel` (so `net_adm:ping/1` answers pong) and a `global_name_server` that
/// keeps `global` working on the BEAM nodes.
///
/// Thread-safe. `start` and `stop` block; call them from outside the node's threads.
class node {
public:
  explicit node(options opts);
  /// Stops the node if it runs.
  ~node();
  node(node const&) = delete;
  node& operator=(node const&) = delete;

  /// Listens, registers with EPMD and starts the system processes. Errors: a malformed
  /// name (`dist::error::bad_node_name`), a name taken (`epmd_duplicate_name`), EPMD
  /// unreachable, a port in use.
  [[nodiscard]] result<void> start();
  /// Closes every connection (links and monitors of remote processes get
  /// `noconnection`), ends the EPMD registration, hands the embedded EPMD over if other
  /// nodes still use it, and shuts the runtime down. Idempotent.
  void stop();

  runtime::system& system();
  /// The C++ functions that `rpc:call`, `erpc:call` and `erpc:cast` reach on this node:
  ///
  ///     n.functions().add("math", "add", [](long a, long b) { return a + b; });
  ///
  /// (`rpc:call(Node, math, add, [1, 2])` is 3). A spawn request for anything else
  /// answers as a BEAM node without that module does (`undef`).
  enode::node::functions& functions();
  term::atom name() const;
  std::uint32_t creation() const;
  std::uint16_t listen_port() const;
  /// Whether this node serves EPMD itself.
  bool serves_epmd() const;
  /// The port of the admin HTTP server (`options::http`), 0 when it does not run.
  std::uint16_t http_port() const;
  /// What the node counts now (see metrics.hpp), with the `longest_mailboxes` longest
  /// message queues.
  metrics_snapshot metrics(std::size_t longest_mailboxes = 10) const;

  /// Connected nodes: visible ones, or hidden ones too.
  std::vector<term::atom> nodes(bool include_hidden = false) const;
  /// `net_kernel:connect_node/1`: once connected (blocking, up to the setup timeout), or
  /// why not: a dist error of the setup (`bad_digest` for a wrong cookie,
  /// `epmd_no_such_node`, `setup_timeout`, ...), a socket error, or `node::error`.
  /// `runtime::error::would_deadlock` at once from the node's own threads.
  result<void> connect(term::atom peer);
  /// `erlang:disconnect_node/1`; `node::error::not_connected` when not connected.
  result<void> disconnect(term::atom peer);
  /// `net_adm:ping/1`: success for pong; else why (as `connect`, or `node::error::pang`
  /// when connected but not answered). `would_deadlock` from the node's own threads.
  result<void> ping(term::atom peer, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// `erlang:monitor_node(Node, Flag)` for `watcher`: `{nodedown, Node}` when the
  /// connection goes (at once if it cannot be made).
  void monitor_node(term::pid const& watcher, term::atom peer, bool on);
  /// `net_kernel:monitor_nodes(Flag)` for `watcher`: `{nodeup, Node}` and `{nodedown, Node}`.
  void monitor_nodes(term::pid const& watcher, bool on);

private:
  bool on_own_thread() const;
  /// `connect`, waiting at most `limit` (then `error::pang`; the attempt goes on).
  result<void> connect_within(term::atom peer, std::optional<std::chrono::milliseconds> limit);
  std::shared_ptr<node_impl> impl_;
};

/// The cookie of `~/.erlang.cookie` ($HOME), created with 20 random capital letters and
/// mode 0400 if missing, as `erl` does.
[[nodiscard]] result<std::string> default_cookie();

/// This host's name for node names: short (up to the first dot) or fully qualified.
[[nodiscard]] result<std::string> host_name(bool long_names);

} // namespace enode::node

#pragma GCC visibility pop
