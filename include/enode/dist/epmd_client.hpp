#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/core/result.hpp>
#include <enode/dist/epmd.hpp>

#include <chrono>
#include <cstdint>
#include <string>

/// Talking to an EPMD (ours or the system's): register, look up, list. Every exchange
/// has a deadline; a reply that does not parse is `epmd_bad_reply`.
namespace enode::dist::epmd {

/// Registers `entry` with the EPMD at `host:port` over `socket` (connected here) and
/// returns the creation. The registration lasts as long as `socket` stays open and
/// silent: keep it, write nothing to it, close it to unregister.
net::awaitable<result<std::uint32_t>> async_register(net::ip::tcp::socket& socket, std::string const& host,
                                                     std::uint16_t port, node_entry const& entry,
                                                     std::chrono::milliseconds timeout);

/// `PORT_PLEASE2`: where `alive` listens on `host`. `epmd_no_such_node` when unknown.
net::awaitable<result<node_entry>> async_port_please(std::string const& host, std::uint16_t port,
                                                     std::string const& alive, std::chrono::milliseconds timeout);

/// `NAMES`: the nodes registered with the EPMD on `host`.
net::awaitable<result<names_reply>> async_names(std::string const& host, std::uint16_t port,
                                                std::chrono::milliseconds timeout);

/// Connects to `host:port` (resolving the name), within the deadline.
net::awaitable<result<net::ip::tcp::socket>> async_dial(std::string const& host, std::uint16_t port,
                                                        std::chrono::milliseconds timeout);

} // namespace enode::dist::epmd

#pragma GCC visibility pop
