#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/awaitable.hpp>
#include <enode/term/value.hpp>

#include <optional>

namespace enode::behaviours {

/// What starting a gen_server or supervisor gave: `{ok, Pid}`, `ignore` or `{error, Reason}`.
struct start_result {
  enum class status : std::uint8_t { ok, ignore, error };

  status state = status::error;
  term::pid pid;      ///< when ok
  term::value reason; ///< when error

  static start_result ok(term::pid p) { return {status::ok, std::move(p), {}}; }
  static start_result ignore() { return {status::ignore, {}, {}}; }
  static start_result error(term::value why) { return {status::error, {}, std::move(why)}; }

  explicit operator bool() const noexcept { return state == status::ok; }
  /// `{ok, Pid}`, `ignore` or `{error, Reason}`.
  term::value to_term() const;
};

/// Options of a start.
struct start_options {
  /// Registers the process under this name before `init` runs; a start finds the name
  /// taken fails with `{already_started, Pid}`.
  std::optional<term::atom> name = std::nullopt;
  /// How long `init` may take; past it the process is killed and the start fails with `timeout`.
  runtime::timeout timeout = runtime::infinity;
};

} // namespace enode::behaviours

#pragma GCC visibility pop
