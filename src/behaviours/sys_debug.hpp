#pragma once

// What sys keeps for one server (sys:trace, sys:log, sys:statistics) and the pieces of
// sys's protocol that are not the gen_server loop's: the shapes of its answers.

#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <typeinfo>

namespace enode::behaviours::detail {

/// sys's debug options of one server and the events they record. A gen_server records
/// `{in, Msg}` for every message it takes (not system ones), `{out, Reply, From, State}`
/// for a reply, `{noreply, State}` and `{continue, C}`, as OTP's does.
class debug_state {
public:
  /// Whether any option is on: only then are events made at all.
  bool active() const noexcept { return trace_ || log_max_ || stats_; }
  /// Records `event` of the server `name`: counted, kept, written to the node's log.
  void event(runtime::process& self, term::value const& name, term::value const& event);
  /// Answers `{debug, What}`: the reply sys expects.
  term::value command(runtime::process& self, term::value const& name, term::value const& what);
  /// The logged events, oldest first (`[]` when logging is off).
  term::value events() const;
  /// sys's Debug list as get_status shows it: `[{trace, true}, {log, ...}, {statistics, ...}]`.
  term::value as_term() const;

private:
  struct statistics {
    term::value start_time; ///< `{{Y, M, D}, {H, Mi, S}}`, local time, as sys keeps it
    std::uint64_t reductions = 0;
    std::uint64_t in = 0, out = 0;
  };
  bool trace_ = false;
  std::optional<std::size_t> log_max_;
  std::deque<term::value> log_;
  std::optional<statistics> stats_;
};

/// A C++ class as the module sys and process_info name it: its type, demangled, without
/// `(anonymous namespace)::` (`'app::counter'`).
term::atom module_of(std::type_info const& t);
/// `{{Y, M, D}, {H, Mi, S}}` of now, local time (`erlang:localtime/0`).
term::value local_time();
/// How a server is named in sys's output: its registered name, else its pid.
term::value name_of(runtime::process& self);
/// `"Status for generic server kv"`, as gen:format_status_header makes it (an Erlang string).
term::value status_header(term::value const& name);
/// `{Class, Reason}` of what a callback threw, as sys reports a failed callback.
term::value failure_of(std::exception_ptr e);

/// Whether a sys:get_state or sys:replace_state answer to `caller` is `{ok, State}`
/// (OTP 26.1 on) or the bare state (before): asked of the caller's node once
/// (`erlang:system_info(otp_release)`) and remembered per node incarnation. Local callers
/// and nodes that do not answer get `{ok, State}`.
runtime::awaitable<bool> answers_with_ok(runtime::process& self, term::pid const& caller);

} // namespace enode::behaviours::detail
