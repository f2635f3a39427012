#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// Forward declarations of the runtime module: the scheduler, the process table and
/// registry (`system`), processes with their mailboxes, links, monitors and timers.
namespace enode::runtime {
class scheduler;
class system;
class process;
class pattern;
class match_fn;
class receive_marker;
class exit_exception;
class error_exception;
class throw_exception;
struct spawn_options;
struct monitor_options;
struct process_info;
struct system_stats;
} // namespace enode::runtime

#pragma GCC visibility pop
