#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/value.hpp>

#include <chrono>

/// OTP's `sys` functions, from C++, for any gen_server-like process that speaks sys's
/// protocol: a C++ gen_server or supervisor, or an Erlang one on another node. Each
/// sends `{system, From, Request}` and waits for the answer; when there is none the
/// caller exits, as sys's callers do, with `{Reason, {sys, Function, Args}}` (Reason
/// `noproc`, `timeout`, `{nodedown, Node}` or the server's exit reason).
namespace enode::behaviours::sys {

inline constexpr runtime::timeout default_timeout = std::chrono::seconds(5);

/// `sys:get_state/2`: the server's state (a C++ gen_server's `state()`). A callback
/// that failed is raised as an error `{callback_failed, ...}`.
runtime::awaitable<term::value> get_state(runtime::process& self, term::value const& server,
                                          runtime::timeout t = default_timeout);
/// `sys:get_status/2`: `{status, Pid, {module, gen_server}, [PDict, running | suspended,
/// Parent, Debug, [{header, ...}, {data, ...}, {data, [{"State", State}]}]]}`.
runtime::awaitable<term::value> get_status(runtime::process& self, term::value const& server,
                                           runtime::timeout t = default_timeout);
/// `sys:suspend/2`: the server answers only system messages until resumed; what else
/// arrives waits in its mailbox.
runtime::awaitable<> suspend(runtime::process& self, term::value const& server, runtime::timeout t = default_timeout);
/// `sys:resume/2`.
runtime::awaitable<> resume(runtime::process& self, term::value const& server, runtime::timeout t = default_timeout);
/// `sys:statistics/3` with `true`, `false` (`ok`) or `get` (`{ok, [{start_time, _},
/// {current_time, _}, {reductions, N}, {messages_in, N}, {messages_out, N}]}`, or
/// `{ok, no_statistics}`).
runtime::awaitable<term::value> statistics(runtime::process& self, term::value const& server, term::value flag,
                                           runtime::timeout t = default_timeout);
/// `sys:trace/3`: each event is written to the server node's log (`*DBG* kv got call ...`).
runtime::awaitable<term::value> trace(runtime::process& self, term::value const& server, bool on,
                                      runtime::timeout t = default_timeout);
/// `sys:log/3` with `true`, `{true, N}`, `false`, `print` (`ok`) or `get` (`{ok, Events}`).
runtime::awaitable<term::value> log(runtime::process& self, term::value const& server, term::value flag,
                                    runtime::timeout t = default_timeout);
/// `sys:terminate/3`: the server answers `ok` and ends with `reason`.
runtime::awaitable<> terminate(runtime::process& self, term::value const& server, term::value reason,
                               runtime::timeout t = runtime::infinity);

} // namespace enode::behaviours::sys

#pragma GCC visibility pop
