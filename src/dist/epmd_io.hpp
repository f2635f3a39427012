#pragma once

// The EPMD client exchanges over any Asio stream that is already connected: the client
// (epmd_client.cpp) runs them on a TCP socket, the tests on Beast's test stream. Private
// to dist; the requests and replies are encoded and parsed by epmd.hpp, free of I/O.

#include "deadline.hpp"

#include <enode/core/asio.hpp>
#include <enode/core/result.hpp>
#include <enode/dist/epmd.hpp>
#include <enode/dist/error.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace enode::dist::epmd_io {

/// Sends `req` and reads the reply until EPMD closes the connection (at most
/// `max_reply` bytes, else `epmd_bad_reply`).
template <class AsyncStream>
net::awaitable<result<std::vector<std::byte>>> async_request(AsyncStream& s, std::vector<std::byte> const& req,
                                                             std::chrono::milliseconds timeout, std::size_t max_reply) {
  socket_deadline d(s, timeout);
  auto [ec, n] = co_await net::async_write(s, net::buffer(req), net::as_tuple(net::use_awaitable));
  (void)n;
  if (ec) co_return unexpected(d.map(ec));
  std::vector<std::byte> reply;
  std::array<std::byte, 4096> chunk;
  for (;;) {
    auto [ec2, got] = co_await s.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
    reply.insert(reply.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    if (reply.size() > max_reply) co_return error::epmd_bad_reply;
    if (ec2 == net::error::eof) break;
    if (ec2) co_return unexpected(d.map(ec2));
  }
  co_return reply;
}

/// `ALIVE2_REQ` for `entry`, then its `ALIVE2_X_RESP`: the creation. EPMD keeps the
/// connection open (it is the registration), so the reply is read until it parses.
template <class AsyncStream>
net::awaitable<result<std::uint32_t>> async_alive2(AsyncStream& s, epmd::node_entry const& entry,
                                                   std::chrono::milliseconds timeout) {
  socket_deadline d(s, timeout);
  auto const req = epmd::encode_alive2_req(entry);
  auto [ec, n] = co_await net::async_write(s, net::buffer(req), net::as_tuple(net::use_awaitable));
  (void)n;
  if (ec) co_return unexpected(d.map(ec));
  std::vector<std::byte> reply;
  std::array<std::byte, 16> chunk;
  for (;;) {
    std::size_t used = 0;
    auto r = epmd::parse_alive2_resp(reply, used);
    if (r || r.error() != error::need_more) co_return r;
    auto [ec2, got] = co_await s.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
    if (ec2) co_return unexpected(ec2 == net::error::eof ? make_error_code(error::epmd_bad_reply) : d.map(ec2));
    reply.insert(reply.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
}

/// `PORT_PLEASE2_REQ` for `alive`, then the whole `PORT2_RESP`.
template <class AsyncStream>
net::awaitable<result<epmd::node_entry>> async_port_please2(AsyncStream& s, std::string const& alive,
                                                            std::chrono::milliseconds timeout) {
  auto const req = epmd::encode_port_please2_req(alive); // a local: see setup_io.hpp on GCC 12
  auto reply = co_await async_request(s, req, timeout, 2048);
  if (!reply) co_return unexpected(reply.error());
  co_return epmd::parse_port2_resp(*reply);
}

} // namespace enode::dist::epmd_io
