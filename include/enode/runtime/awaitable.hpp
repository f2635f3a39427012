#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/runtime/executor.hpp>

#include <chrono>

namespace enode::runtime {

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

#pragma GCC visibility pop
