// The admin HTTP server: one coroutine per connection on a strand of its own, reading
// with Beast's parser under the limits, answering from the router, streaming events.
#include <enode/http/server.hpp>

#include "http/request_parts.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <list>
#include <mutex>

namespace enode::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

class server_impl : public std::enable_shared_from_this<server_impl> {
public:
  server_impl(net::io_context& ioc, server_options o, router r, log::logger l)
      : ioc_(ioc), opts_(std::move(o)), routes_(std::move(r)), log_(std::move(l)), acceptor_(net::make_strand(ioc)) {}

  result<void> start() {
    error_code ec;
    auto const address = net::ip::make_address(opts_.address, ec);
    if (ec) return unexpected(ec);
    tcp::endpoint const at(address, opts_.port);
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return unexpected(ec);
    port_ = acceptor_.local_endpoint(ec).port();
    net::co_spawn(acceptor_.get_executor(), accept_loop(shared_from_this()), log_.on_exit("the HTTP accept loop"));
    return {};
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
    });
    std::lock_guard g(mutex_);
    for (auto& w : streams_)
      if (auto s = w.lock()) net::dispatch(s->get_executor(), [s] { s->close(); });
  }

  std::uint16_t port() const noexcept { return port_; }

private:
  using stream_list = std::list<std::weak_ptr<beast::tcp_stream>>;

  static net::awaitable<void> accept_loop(std::shared_ptr<server_impl> self) {
    for (;;) {
      tcp::socket s(net::make_strand(self->ioc_));
      auto [ec] = co_await self->acceptor_.async_accept(s, net::as_tuple(net::use_awaitable));
      if (self->stopped_) co_return;
      if (ec) {
        if (ec == net::error::operation_aborted) co_return;
        self->log_.warning("HTTP accept failed: " + ec.message());
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(s));
      auto ex = stream->get_executor();
      net::co_spawn(ex, serve(self, std::move(stream)), self->log_.on_exit("an HTTP connection"));
    }
  }

  stream_list::iterator track(std::shared_ptr<beast::tcp_stream> const& s) {
    std::lock_guard g(mutex_);
    return streams_.insert(streams_.end(), s);
  }
  void untrack(stream_list::iterator it) {
    std::lock_guard g(mutex_);
    streams_.erase(it);
  }

  static net::awaitable<void> serve(std::shared_ptr<server_impl> self, std::shared_ptr<beast::tcp_stream> stream) {
    struct guard {
      server_impl& s;
      stream_list::iterator it;
      ~guard() {
        s.open_.fetch_sub(1);
        s.untrack(it);
      }
    } g{*self, self->track(stream)};
    auto const open = self->open_.fetch_add(1) + 1;
    if (open > self->opts_.limits.connections || self->stopped_) {
      co_await self->answer(*stream, response::text(503, "too many connections\n"), false);
      co_return;
    }
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(self->opts_.limits.header_bytes));
      parser.body_limit(self->opts_.limits.body_bytes);
      stream->expires_after(self->opts_.limits.idle);
      auto [ec, n] = co_await bhttp::async_read_header(*stream, buffer, parser, net::as_tuple(net::use_awaitable));
      if (ec) {
        // A client silent past the idle time is dropped (the stream has closed the socket).
        if (ec == bhttp::error::header_limit)
          co_await self->answer(*stream, response::text(431, "request header too large\n"), false);
        else if (ec == bhttp::error::body_limit) // a Content-Length past the limit
          co_await self->answer(*stream, response::text(413, "request body too large\n"), false);
        else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout && ec != net::error::eof &&
                 ec != net::error::operation_aborted && ec != net::error::connection_reset)
          co_await self->answer(*stream, response::text(400, "bad request\n"), false);
        co_return;
      }
      auto const& head = parser.get();
      if (static_cast<std::size_t>(std::distance(head.begin(), head.end())) > self->opts_.limits.header_count) {
        co_await self->answer(*stream, response::text(431, "too many request headers\n"), false);
        co_return;
      }
      if (!parser.is_done()) {
        auto [bec, bn] = co_await bhttp::async_read(*stream, buffer, parser, net::as_tuple(net::use_awaitable));
        if (bec) {
          if (bec == bhttp::error::body_limit)
            co_await self->answer(*stream, response::text(413, "request body too large\n"), false);
          co_return;
        }
      }
      auto req = parser.release();
      bool const keep = req.keep_alive();
      auto r = co_await self->respond(req);
      if (r.stream) {
        co_await self->stream_events(*stream, std::move(r));
        co_return;
      }
      if (!co_await self->answer(*stream, std::move(r), keep) || !keep) co_return;
    }
  }

  net::awaitable<response> respond(bhttp::request<bhttp::string_body> const& req) const {
    request r;
    r.method = std::string(req.method_string());
    if (!split_target(req.target(), r.path, r.query)) co_return response::text(400, "bad request target\n");
    for (auto const& f : req) r.headers[lower(f.name_string())] = std::string(f.value());
    if (opts_.token && r.path != "/health" && !authorized(r, *opts_.token)) {
      auto out = response::text(401, "a bearer token is needed\n");
      out.headers.emplace_back("WWW-Authenticate", "Bearer");
      co_return out;
    }
    std::string failure;
    try {
      co_return co_await routes_.dispatch(r);
    } catch (std::exception const& e) {
      failure = e.what();
    }
    log_.error("HTTP route " + r.path + " failed: " + failure);
    co_return response::text(500, "internal error\n");
  }

  // Writes `r`; false when the write failed (the client went).
  net::awaitable<bool> answer(beast::tcp_stream& stream, response r, bool keep) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), 11};
    out.set(bhttp::field::server, "enode");
    out.set(bhttp::field::content_type, r.content_type);
    out.set(bhttp::field::cache_control, "no-store");
    for (auto const& [k, v] : r.headers) out.set(k, v);
    out.keep_alive(keep);
    out.body() = std::move(r.body);
    out.prepare_payload();
    stream.expires_after(opts_.limits.idle);
    auto [ec, n] = co_await bhttp::async_write(stream, out, net::as_tuple(net::use_awaitable));
    co_return !ec;
  }

  net::awaitable<void> stream_events(beast::tcp_stream& stream, response r) {
    bhttp::response<bhttp::empty_body> head{bhttp::status::ok, 11};
    head.set(bhttp::field::server, "enode");
    head.set(bhttp::field::content_type, "text/event-stream");
    head.set(bhttp::field::cache_control, "no-store");
    head.keep_alive(false); // the stream ends when the connection does
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    stream.expires_after(opts_.limits.idle);
    auto [ec, n] = co_await bhttp::async_write_header(stream, sr, net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    net::steady_timer timer(co_await net::this_coro::executor);
    while (!stopped_) {
      auto const text = r.stream->next();
      stream.expires_after(opts_.limits.idle); // a client that reads nothing for that long goes
      auto [wec, wn] = co_await net::async_write(stream, net::buffer(text), net::as_tuple(net::use_awaitable));
      if (wec) co_return;
      stream.expires_never();
      timer.expires_after(r.stream->interval);
      co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
  }

  net::io_context& ioc_;
  server_options opts_;
  router routes_;
  log::logger log_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  stream_list streams_;
};

server::server(net::io_context& ioc, server_options opts, router routes, log::logger logger)
    : impl_(std::make_shared<server_impl>(ioc, std::move(opts), std::move(routes), std::move(logger))) {}

server::~server() { stop(); }

result<void> server::start() { return impl_->start(); }
std::uint16_t server::port() const noexcept { return impl_->port(); }
void server::stop() { impl_->stop(); }

} // namespace enode::http
