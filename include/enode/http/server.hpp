#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/core/export.hpp>
#include <enode/core/logger.hpp>
#include <enode/core/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// A small HTTP/1.1 server on Boost.Beast for a node's admin endpoints: GET routes, an
/// optional bearer token, limits on what a client may send or hold, and Server-Sent
/// Events. A bad or slow client gets a 4xx answer or is dropped; nothing else is affected.
namespace enode::http {

/// What one client may send and hold.
struct limits {
  /// The request line and headers, in bytes (431 beyond).
  std::size_t header_bytes = 8 * 1024;
  /// Headers in one request (431 beyond).
  std::size_t header_count = 64;
  /// A request body (413 beyond; the admin routes take none).
  std::size_t body_bytes = 16 * 1024;
  /// A connection that sends nothing for this long, or takes longer over a request or
  /// over reading an answer, is closed; an event stream only while a write is stuck.
  std::chrono::milliseconds idle{30000};
  /// Connections open at once; past it new ones get 503 and are closed.
  std::size_t connections = 4096;
};

/// Where and how the server listens.
struct server_options {
  /// The address to bind: 127.0.0.1 unless another is given.
  std::string address = "127.0.0.1";
  /// 0 picks a free port.
  std::uint16_t port = 0;
  /// A bearer token every request but `GET /health` must carry, as `Authorization:
  /// Bearer T` or as the query parameter `access_token=T`; unset: no token.
  std::optional<std::string> token;
  http::limits limits;
};

/// Parses `ADDRESS:PORT`, `[V6]:PORT` or `PORT` (on 127.0.0.1), as `--http` takes it;
/// nullopt when malformed.
std::optional<server_options> parse_listen(std::string_view spec);

/// A request as a route sees it.
struct request {
  std::string method;
  std::string path;                           ///< percent-decoded, without the query
  std::map<std::string, std::string> query;   ///< percent-decoded parameters
  std::map<std::string, std::string> headers; ///< names in lower case
};

/// Events a route streams (`text/event-stream`): `next` is called every `interval` and
/// its text written as is (`event: x\ndata: ...\n\n`), until the client goes.
struct event_stream {
  std::chrono::milliseconds interval{1000};
  std::function<std::string()> next;
};

/// A route's answer.
struct response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set: the answer is this stream instead of `body`.
  std::optional<event_stream> stream;

  static response text(unsigned status, std::string body);
  static response json(unsigned status, std::string body);
};

/// Answers requests: the route for a method and path (exact, or a prefix ending in '/').
class router {
public:
  /// A route: a coroutine on the connection's strand, so that it may await the node.
  using handler = std::function<net::awaitable<response>(request const&)>;
  /// Serves `GET path` (`prefix/` matches every path under it).
  void get(std::string path, handler h);
  /// The answer to `r`: a route's, 404 for an unknown path, 405 for another method.
  net::awaitable<response> dispatch(request const& r) const;

private:
  std::vector<std::pair<std::string, handler>> routes_;
};

class ENODE_INTERNAL server_impl;

/// The server. `start` binds and begins accepting on the io_context's threads; `stop`
/// closes the listener and every connection. Thread-safe.
class server {
public:
  server(net::io_context& ioc, server_options opts, router routes, log::logger logger = {});
  ~server();
  server(server const&) = delete;
  server& operator=(server const&) = delete;

  /// Binds and listens; the error when the address is bad or taken.
  [[nodiscard]] result<void> start();
  /// The port it listens on (after `start`).
  std::uint16_t port() const noexcept;
  void stop();

private:
  std::shared_ptr<server_impl> impl_;
};

} // namespace enode::http

#pragma GCC visibility pop
