#pragma once

#include <enode/core/asio.hpp>

#include <chrono>

namespace enode::runtime {

/// The executor every process runs on: a strand of the system's io_context, so that a
/// process's body, its timers and its other completions never run on two threads at once.
using executor = net::strand<net::io_context::executor_type>;

/// What process bodies and behaviour callbacks return: a coroutine on a process's strand.
template <class T = void>
using awaitable = net::awaitable<T, executor>;

/// The completion token for Asio operations awaited inside a process
/// (`co_await timer.async_wait(runtime::use_awaitable)`).
inline constexpr net::use_awaitable_t<executor> use_awaitable{};

/// A receive or call timeout; `infinity` waits forever, as Erlang's `infinity`.
using timeout = std::chrono::steady_clock::duration;
inline constexpr timeout infinity = timeout::max();

} // namespace enode::runtime
