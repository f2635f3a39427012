#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/behaviours/supervisor.hpp>
#include <enode/node/node.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

/// A program that is a node, in a few lines: the node, its functions and a root
/// supervisor, run until SIGINT or SIGTERM, configured as an Elixir release is.
///
///     int main(int argc, char** argv) {
///       enode::node::application app;
///       app.setup = [](enode::node::node& n) {
///         n.functions().add("mathx", "mul", [](long a, long b) { return a * b; });
///       };
///       app.children.push_back(counter_spec());
///       return enode::node::run(argc, argv, std::move(app));
///     }
namespace enode::node {

/// Fills what `opts` leaves unset from the environment an Elixir release's start
/// script reads, and enode's own:
///
/// | variable                 | sets                                              |
/// |--------------------------|---------------------------------------------------|
/// | `RELEASE_NODE`           | `name` (`NAME` or `NAME@HOST`), when empty        |
/// | `RELEASE_DISTRIBUTION`   | `long_names`: `sname` (the default) or `name`     |
/// | `RELEASE_COOKIE`         | `cookie`                                          |
/// | `ERL_EPMD_PORT`          | `epmd_port`                                       |
/// | `ENODE_LOG_LEVEL`        | `log_level`                                       |
/// | `ENODE_DIST_LISTEN_MIN`  | `listen_port`, as the kernel's `inet_dist_listen_min` |
/// | `ENODE_DIST_LISTEN_MAX`  | `listen_port_max`, as `inet_dist_listen_max`      |
///
/// `RELEASE_DISTRIBUTION` decides the name mode only when it also gives the name (a
/// name set in `opts` keeps its `long_names`). Returns what is wrong, naming the
/// variable (`RELEASE_DISTRIBUTION=none`: a node needs distribution), or "" when
/// nothing is.
[[nodiscard]] std::string apply_environment(options& opts);

/// What `run` starts.
struct application {
  /// How the node starts; what it leaves unset comes from the environment
  /// (`apply_environment`).
  options node;
  /// Called before the node starts (`n.functions().add(...)`).
  std::function<void(enode::node::node&)> setup;
  /// The root supervisor's children, started in order once the node runs.
  std::vector<behaviours::child_spec> children;
  behaviours::sup_flags flags{
      .strategy = behaviours::strategy::one_for_one, .intensity = 10, .period = std::chrono::seconds(10)};
  /// The root supervisor's registered name, if any.
  std::optional<term::atom> supervisor_name;
  /// Called once the children run, on the thread that called `run`: calls into the
  /// cluster, a "ready" line. `run` stops the node if it throws.
  std::function<void(enode::node::node&)> started;
};

/// Runs `app` until SIGINT or SIGTERM, until another node calls `init:stop` or
/// `erlang:halt` on it, or until its root supervisor gives up: starts
/// the node (serving EPMD when none runs), the children under the root supervisor,
/// then waits; at the signal it stops the node, which shuts the tree down and hands an
/// embedded EPMD over if other nodes still use it. Returns the status for `main`: 0
/// after a signal, the status another node asked for, 1 when something could not start
/// or the root supervisor exited, 2 when the environment is wrong. Errors go to
/// standard error.
///
/// The stop signals are blocked in every thread `run` starts; call it before starting
/// threads of your own, or block SIGINT and SIGTERM in them.
///
/// First of all it calls `epmd_successor(argc, argv)`: a process started to take an
/// embedded EPMD over serves EPMD instead, and `run` returns when it is done.
int run(int argc, char const* const* argv, application app);
inline int run(int argc, char** argv, application app) {
  return run(argc, const_cast<char const* const*>(argv), std::move(app));
}

/// The EPMD hand-over's entry point. A node that serves EPMD and stops while other
/// nodes are still registered with it passes the listening socket and their
/// registrations to a new process, which serves them on: this same program, started
/// again with a reserved first argument, once this function has been called in it
/// (`run` calls it), else the `enode` command (`options::epmd_successor`, an `enode`
/// beside this program, or on the PATH).
///
/// When `argv` holds that reserved argument, serves EPMD until the last of those
/// nodes is gone and returns the exit status; else returns nullopt at once. A program
/// that starts its node without `run` calls it first in `main`:
///
///     if (auto status = enode::node::epmd_successor(argc, argv)) return *status;
std::optional<int> epmd_successor(int argc, char const* const* argv);
inline std::optional<int> epmd_successor(int argc, char** argv) {
  return epmd_successor(argc, const_cast<char const* const*>(argv));
}

/// A standalone EPMD on `port` (unset: `ERL_EPMD_PORT`, else 4369) until SIGINT or
/// SIGTERM, as `enode epmd` runs it; the exit status.
int serve_epmd(std::optional<std::uint16_t> port);

} // namespace enode::node

#pragma GCC visibility pop
