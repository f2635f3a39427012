#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace enode::runtime {

/// What a process is doing, in `erlang:process_info(P, status)`'s words.
enum class process_status : std::uint8_t {
  /// Not parked in a receive: running, queued to run, or awaiting some other operation.
  runnable,
  /// Parked in a receive (or a sleep), waiting for a message or its timeout.
  waiting,
  /// Its body has ended; links, monitors and its name are being released.
  exiting,
};

std::string_view to_string(process_status s) noexcept;

/// A snapshot of one process, as `erlang:process_info/2` would report it.
struct process_info {
  term::pid pid;
  /// The registered name, if any.
  std::optional<term::atom> registered_name;
  /// Messages received but not yet taken by a receive (signals not yet handled count too).
  std::size_t message_queue_len = 0;
  process_status status = process_status::runnable;
  bool trap_exit = false;
  /// Links, monitors it holds on others, and monitors others hold on it (as last seen by the process).
  std::size_t links = 0;
  std::size_t monitors = 0;
  std::size_t monitored_by = 0;
  /// Messages taken out of its mailbox so far.
  std::uint64_t messages_received = 0;
  /// Its work so far, in turns on a scheduler (BEAM counts reductions; a turn is the
  /// nearest measure a C++ process has).
  std::uint64_t reductions = 0;
  /// Bytes of its own structures and of its queued messages' nodes (the terms' heaps
  /// are not counted).
  std::size_t memory = 0;
  /// Its process dictionary (`put/2`), in no particular order.
  std::vector<std::pair<term::value, term::value>> dictionary;
};

/// What `erlang:process_info/2` tells of a process that only the process itself knows
/// (see `process::inspect`).
struct process_relations {
  std::vector<term::value> links;        ///< pids
  std::vector<term::value> monitors;     ///< `{process, Pid}` or `{process, {Name, Node}}`
  std::vector<term::value> monitored_by; ///< pids, one per monitor
  std::vector<term::value> messages;     ///< queued, oldest first (when asked for)
};

/// Counters of a runtime system since it started (they feed the node's metrics).
struct system_stats {
  std::uint64_t processes = 0; ///< alive now
  std::uint64_t spawned = 0;
  std::uint64_t exited = 0;
  std::uint64_t messages_sent = 0;     ///< messages handed to a local process's mailbox
  std::uint64_t messages_received = 0; ///< messages taken out by a receive
  std::uint64_t timers = 0;            ///< `send_after`/`start_timer` timers pending
  std::uint64_t turns = 0;             ///< turns processes had on a scheduler (reductions)
  /// `exited`, by reason: `normal`; `shutdown` or `{shutdown, _}`; any other.
  std::uint64_t exited_normal = 0, exited_shutdown = 0, exited_other = 0;
};

} // namespace enode::runtime

#pragma GCC visibility pop
