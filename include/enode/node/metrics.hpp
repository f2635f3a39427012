#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/process_info.hpp>
#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace enode::node {

/// Traffic with one other node since this node started, over all its connections.
struct peer_metrics {
  term::atom node;
  bool connected = false;
  bool hidden = false;        ///< the current connection is hidden (when connected)
  std::uint32_t creation = 0; ///< the peer's, on the current connection
  std::uint64_t flags = 0;    ///< the distribution flags both sides share
  std::string address;        ///< the peer's IP address and port, when connected
  std::optional<std::chrono::system_clock::time_point> up_since;
  std::uint64_t connects = 0;
  std::uint64_t messages_in = 0, messages_out = 0, bytes_in = 0, bytes_out = 0;
};

/// A process with a long queue.
struct mailbox_metrics {
  term::pid pid;
  std::optional<term::atom> name;
  std::size_t length = 0;
};

/// What a node counts, read at once: the runtime's counters, the distribution's, and
/// gauges of now. Counters only grow while the node runs.
struct metrics_snapshot {
  term::atom node;
  std::chrono::milliseconds uptime{0};
  runtime::system_stats runtime;
  std::size_t schedulers = 0;
  /// Time the scheduler threads spent running handlers, summed over them.
  std::chrono::nanoseconds scheduler_busy{0};
  /// Connections up now; connections made, lost; handshakes that failed, by reason
  /// (`bad_digest`, `setup_timeout`, ...); connections lost to a missed tick; packets
  /// that did not decode (each closes its connection).
  std::uint64_t connections = 0, connects = 0, disconnects = 0, ticks_missed = 0, decode_errors = 0;
  std::vector<std::pair<std::string, std::uint64_t>> handshakes_failed;
  std::vector<peer_metrics> peers; ///< by node name
  /// The longest message queues, longest first (empty ones left out).
  std::vector<mailbox_metrics> longest_mailboxes;
  /// Resident memory of the OS process, in bytes (0 where unknown).
  std::uint64_t resident_bytes = 0;
};

} // namespace enode::node

#pragma GCC visibility pop
