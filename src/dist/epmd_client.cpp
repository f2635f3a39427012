#include <enode/dist/epmd_client.hpp>

#include "deadline.hpp"
#include "epmd_io.hpp"

#include <enode/dist/error.hpp>

#include <array>
#include <memory>
#include <vector>

namespace enode::dist::epmd {
namespace {

using tcp = net::ip::tcp;

// Connects, then runs `req` through epmd_io::async_request: the deadline covers each.
net::awaitable<result<std::vector<std::byte>>> exchange(std::string const& host, std::uint16_t port,
                                                        std::vector<std::byte> const& req,
                                                        std::chrono::milliseconds timeout, std::size_t max_reply) {
  auto s = co_await async_dial(host, port, timeout);
  if (!s) co_return unexpected(s.error());
  co_return co_await epmd_io::async_request(*s, req, timeout, max_reply);
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
  co_return co_await epmd_io::async_alive2(socket, entry, timeout);
}

net::awaitable<result<node_entry>> async_port_please(std::string const& host, std::uint16_t port,
                                                     std::string const& alive, std::chrono::milliseconds timeout) {
  auto s = co_await async_dial(host, port, timeout);
  if (!s) co_return unexpected(s.error());
  co_return co_await epmd_io::async_port_please2(*s, alive, timeout);
}

net::awaitable<result<names_reply>> async_names(std::string const& host, std::uint16_t port,
                                                std::chrono::milliseconds timeout) {
  auto const req = encode_names_req();
  auto reply = co_await exchange(host, port, req, timeout, std::size_t{16} << 20);
  if (!reply) co_return unexpected(reply.error());
  co_return parse_names_resp(*reply);
}

} // namespace enode::dist::epmd
