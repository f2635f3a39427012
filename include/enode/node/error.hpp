#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/error.hpp>

#include <type_traits>

namespace enode::node {

/// What the node's own operations answer (connection setup failures keep dist's codes).
enum class error {
  /// No connection to that node.
  not_connected = 1,
  /// The node answered the ping with something other than `yes`, or not in time.
  pang,
  /// A long-names node cannot reach a host that is not fully qualified, nor a
  /// short-names node a dotted one (erl refuses the same).
  wrong_name_mode,
  /// After a lost simultaneous connect, the other node's own attempt never completed.
  simultaneous_never_completed,
  /// The node is stopping, or has not started.
  not_running,
  /// `ENODE_LOG_LEVEL` names no log level.
  bad_log_level,
  /// A long name was asked for without a host, and this host's name has no domain (a
  /// container's often has none).
  no_domain,
  /// No port of `listen_port`..`listen_port_max` is free.
  no_listen_port,
};

/// The category behind node errors.
error_category const& node_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), node_category()}; }

} // namespace enode::node

// What makes the enum an error_code; left out of the API reference.
/// @cond
template <>
struct boost::system::is_error_code_enum<enode::node::error> : std::true_type {};
/// @endcond

#pragma GCC visibility pop
