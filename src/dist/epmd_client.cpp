#include <enode/dist/epmd_client.hpp>

#include "deadline.hpp"

#include <enode/dist/error.hpp>

#include <array>
#include <memory>
#include <vector>

namespace enode::dist::epmd {
namespace {

using tcp = net::ip::tcp;

// Sends one request and reads the reply until EPMD closes the connection.
net::awaitable<result<std::vector<std::byte>>> exchange(std::string const& host, std::uint16_t port,
                                                        std::vector<std::byte> const& req,
                                                        std::chrono::milliseconds timeout, std::size_t max_reply) {
  auto s = co_await async_dial(host, port, timeout);
  if (!s) co_return unexpected(s.error());
  socket_deadline d(*s, timeout);
  auto [ec, n] = co_await net::async_write(*s, net::buffer(req), net::as_tuple(net::use_awaitable));
  (void)n;
  if (ec) co_return unexpected(d.map(ec));
  std::vector<std::byte> reply;
  std::array<std::byte, 4096> chunk;
  for (;;) {
    auto [ec2, got] = co_await s->async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
    reply.insert(reply.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    if (reply.size() > max_reply) co_return error::epmd_bad_reply;
    if (ec2 == net::error::eof) break;
    if (ec2) co_return unexpected(d.map(ec2));
  }
  co_return reply;
}

} // namespace

net::awaitable<result<tcp::socket>> async_dial(std::string const& host, std::uint16_t port,
                                               std::chrono::milliseconds timeout) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto const service = std::to_string(port);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, service, net::as_tuple(net::use_awaitable));
  if (rec) co_return unexpected(rec);
  tcp::socket s(ex);
  {
    socket_deadline d(s, timeout);
    auto [cec, ep] = co_await net::async_connect(s, endpoints, net::as_tuple(net::use_awaitable));
    (void)ep;
    if (cec) co_return unexpected(d.map(cec));
  }
  co_return std::move(s);
}

net::awaitable<result<std::uint32_t>> async_register(tcp::socket& socket, std::string const& host, std::uint16_t port,
                                                     node_entry const& entry, std::chrono::milliseconds timeout) {
  auto s = co_await async_dial(host, port, timeout);
  if (!s) co_return unexpected(s.error());
  socket = std::move(*s);
  socket_deadline d(socket, timeout);
  auto req = encode_alive2_req(entry);
  auto [ec, n] = co_await net::async_write(socket, net::buffer(req), net::as_tuple(net::use_awaitable));
  (void)n;
  if (ec) co_return unexpected(d.map(ec));
  std::vector<std::byte> reply;
  std::array<std::byte, 16> chunk;
  for (;;) {
    std::size_t used = 0;
    auto r = parse_alive2_resp(reply, used);
    if (r || r.error() != error::need_more) co_return r;
    auto [ec2, got] = co_await socket.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
    if (ec2) co_return unexpected(ec2 == net::error::eof ? make_error_code(error::epmd_bad_reply) : d.map(ec2));
    reply.insert(reply.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
}

net::awaitable<result<node_entry>> async_port_please(std::string const& host, std::uint16_t port,
                                                     std::string const& alive, std::chrono::milliseconds timeout) {
  auto const req = encode_port_please2_req(alive); // a local: see setup.cpp on GCC 12
  auto reply = co_await exchange(host, port, req, timeout, 2048);
  if (!reply) co_return unexpected(reply.error());
  co_return parse_port2_resp(*reply);
}

net::awaitable<result<names_reply>> async_names(std::string const& host, std::uint16_t port,
                                                std::chrono::milliseconds timeout) {
  auto const req = encode_names_req();
  auto reply = co_await exchange(host, port, req, timeout, std::size_t{16} << 20);
  if (!reply) co_return unexpected(reply.error());
  co_return parse_names_resp(*reply);
}

} // namespace enode::dist::epmd
