#include <enode/dist/epmd_server.hpp>

#include <enode/dist/error.hpp>

#include <array>
#include <cerrno>
#include <ctime>
#include <future>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace enode::dist::epmd {
namespace {
using tcp = net::ip::tcp;
} // namespace

struct server::registration {
  explicit registration(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  node_entry entry;
  std::uint32_t creation = 0;
  bool released = false;
};

server::server(net::any_io_executor ex, log::logger log)
    : strand_(net::make_strand(ex)), log_(std::move(log)), acceptor_(strand_) {}

void server::spawn(net::awaitable<void> body, char const* what) {
  net::co_spawn(strand_, std::move(body), log_.on_exit(std::string("EPMD server: ") + what));
}

result<std::shared_ptr<server>> server::listen(net::any_io_executor ex, std::uint16_t port, log::logger log) {
  std::shared_ptr<server> s(new server(ex, std::move(log)));
  // On every address as epmd does (loopback only would hide the nodes from other
  // hosts): IPv6 and IPv4 on one dual-stack socket, or IPv4 alone where there is no IPv6.
  auto try_listen = [&](tcp::endpoint ep, bool dual) {
    error_code ec;
    s->acceptor_.open(ep.protocol(), ec);
    if (!ec && dual) s->acceptor_.set_option(net::ip::v6_only(false), ec);
    if (!ec) s->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) s->acceptor_.bind(ep, ec);
    if (!ec) s->acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      s->acceptor_.close(ignored);
    }
    return ec;
  };
  error_code ec = try_listen(tcp::endpoint(net::ip::address_v6::any(), port), true);
  if (ec && ec != net::error::address_in_use) ec = try_listen(tcp::endpoint(net::ip::address_v4::any(), port), false);
  if (ec) return unexpected(ec);
  s->port_ = s->acceptor_.local_endpoint().port();
  return s;
}

result<std::shared_ptr<server>> server::adopt(net::any_io_executor ex, int listen_fd, std::vector<adopted> const& regs,
                                              log::logger log) {
  std::shared_ptr<server> s(new server(ex, std::move(log)));
  error_code ec;
  // The descriptors' family, as the previous server opened them.
  auto family = [](int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && ss.ss_family == AF_INET6) return tcp::v6();
    return tcp::v4();
  };
  s->acceptor_.assign(family(listen_fd), listen_fd, ec);
  if (ec) return unexpected(ec);
  s->port_ = s->acceptor_.local_endpoint(ec).port();
  for (auto const& a : regs) {
    tcp::socket sock(s->strand_);
    sock.assign(family(a.fd), a.fd, ec);
    if (ec) {
      ::close(a.fd);
      continue;
    }
    auto r = std::make_shared<registration>(std::move(sock));
    r->entry = a.entry;
    r->creation = a.creation;
    s->registered_[a.entry.name] = r;
    s->creations_[a.entry.name] = a.creation;
  }
  return s;
}

void server::start() {
  auto self = shared_from_this();
  spawn(accept_loop(), "the accept loop");
  std::lock_guard g(mutex_);
  for (auto& [name, r] : registered_) spawn(hold(r, {}), "a registration");
}

void server::stop() {
  net::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    error_code ignored;
    self->acceptor_.close(ignored);
    std::lock_guard g(self->mutex_);
    for (auto& [name, r] : self->registered_) r->socket.close(ignored);
    self->registered_.clear();
  });
}

std::pair<int, std::vector<server::adopted>> server::release(std::string const& keep_out) {
  // Shared: the strand's thread may still be inside set_value when this one returns.
  auto done = std::make_shared<std::promise<std::pair<int, std::vector<adopted>>>>();
  auto f = done->get_future();
  net::dispatch(strand_, [&keep_out, done, self = shared_from_this(), this] {
    std::pair<int, std::vector<adopted>> out{-1, {}};
    stopped_ = true;
    error_code ec;
    if (acceptor_.is_open()) {
      out.first = acceptor_.release(ec);
      if (ec) out.first = -1;
    }
    std::lock_guard g(mutex_);
    for (auto& [name, r] : registered_) {
      r->released = true;
      // A registration whose node has gone (end of stream, or any byte, which ends it
      // too) but whose close we have not yet handled is not handed over.
      std::byte probe;
      ssize_t const got = ::recv(r->socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
      bool const alive = got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      if (name == keep_out || !alive) {
        r->socket.close(ec);
        continue;
      }
      int fd = r->socket.release(ec);
      if (!ec && fd >= 0) out.second.push_back(adopted{fd, r->entry, r->creation});
    }
    registered_.clear();
    done->set_value(std::move(out));
  });
  return f.get();
}

std::vector<node_entry> server::nodes() const {
  std::lock_guard g(mutex_);
  std::vector<node_entry> out;
  for (auto const& [name, r] : registered_) out.push_back(r->entry);
  return out;
}

bool server::is_local(tcp::socket const& s) const {
  error_code ec1, ec2;
  auto remote = s.remote_endpoint(ec1).address();
  auto local = s.local_endpoint(ec2).address();
  if (ec1 || ec2) return false;
  if (remote.is_loopback()) return true;
  if (remote.is_v6() && remote.to_v6().is_v4_mapped() &&
      net::ip::make_address_v4(net::ip::v4_mapped, remote.to_v6()).is_loopback())
    return true;
  return remote == local;
}

std::uint32_t server::next_creation(std::string const& name) {
  // As epmd_srv.c: a name seen before gets its last creation plus one; a new one starts
  // from the clock. 0 is reserved and 1..3 were version-5 creations.
  auto it = creations_.find(name);
  std::uint32_t c = it == creations_.end() ? static_cast<std::uint32_t>(std::time(nullptr)) : it->second + 1;
  if (c < 4) c = 4;
  creations_[name] = c;
  return c;
}

net::awaitable<void> server::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, s] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
    if (stopped_) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
      continue; // EMFILE and the like: keep serving
    }
    spawn(serve(std::move(s)), "a request");
  }
}

net::awaitable<void> server::serve(tcp::socket s) {
  auto self = shared_from_this();
  // A request must arrive whole within a few seconds; a client that stalls is dropped.
  auto timer = std::make_shared<net::steady_timer>(strand_, std::chrono::seconds(10));
  auto gone = std::make_shared<bool>(false);
  timer->async_wait([&s, gone](error_code ec) {
    if (ec || *gone) return;
    error_code ignored;
    s.close(ignored);
  });
  struct disarm {
    std::shared_ptr<net::steady_timer> t;
    std::shared_ptr<bool> g;
    ~disarm() {
      *g = true;
      t->cancel();
    }
  } guard{timer, gone};

  std::vector<std::byte> in;
  std::array<std::byte, 1024> chunk;
  error_code ignored;
  for (;;) {
    std::size_t used = 0;
    auto req = parse_request(in, used);
    if (!req && req.error() == error::need_more) {
      if (in.size() > 70000) co_return; // no request is that long
      auto [ec, n] = co_await s.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
      if (ec || stopped_) co_return;
      in.insert(in.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      continue;
    }
    if (!req) co_return; // unknown request or garbage: close, as epmd does
    std::vector<std::byte> reply;
    bool keep = false;
    std::shared_ptr<registration> reg;
    if (auto* a = std::get_if<alive2_req>(&*req)) {
      if (!is_local(s)) co_return; // epmd ignores registrations from other hosts
      std::lock_guard g(mutex_);
      if (registered_.contains(a->entry.name) || a->entry.highest_version < 6) {
        reply = encode_alive2_x_resp(false, 99);
      } else {
        reg = std::make_shared<registration>(std::move(s));
        reg->entry = a->entry;
        reg->creation = next_creation(a->entry.name);
        registered_[a->entry.name] = reg;
        reply = encode_alive2_x_resp(true, reg->creation);
        keep = true;
      }
    } else if (auto* p = std::get_if<port_please2_req>(&*req)) {
      std::lock_guard g(mutex_);
      auto it = registered_.find(p->name);
      reply = encode_port2_resp(it == registered_.end() ? nullptr : &it->second->entry);
    } else if (std::holds_alternative<names_req>(*req) || std::holds_alternative<dump_req>(*req)) {
      auto list = nodes();
      reply = encode_names_resp(port_, list);
    } else if (std::holds_alternative<kill_req>(*req)) {
      if (!is_local(s)) co_return;
      // A node serves this EPMD: it does not die on request (epmd answers NO while
      // nodes are registered and relaxed checks are off).
      for (char c : std::string_view("NO")) reply.push_back(static_cast<std::byte>(c));
    } else {
      co_return; // STOP_REQ needs relaxed command checks, which we do not offer
    }
    tcp::socket& out = keep ? reg->socket : s;
    auto [ec, n] = co_await net::async_write(out, net::buffer(reply), net::as_tuple(net::use_awaitable));
    (void)n;
    if (keep) {
      if (ec) {
        std::lock_guard g(mutex_);
        if (auto it = registered_.find(reg->entry.name); it != registered_.end() && it->second == reg)
          registered_.erase(it);
        co_return;
      }
      in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(used));
      *gone = true;
      timer->cancel();
      spawn(hold(reg, std::move(in)), "a registration");
      co_return;
    }
    s.shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }
}

net::awaitable<void> server::hold(std::shared_ptr<registration> r, std::vector<std::byte> pending) {
  auto self = shared_from_this();
  // The registration ends when the connection closes or says anything at all.
  if (pending.empty()) {
    std::array<std::byte, 64> chunk;
    auto [ec, n] = co_await r->socket.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
    (void)ec, (void)n;
  }
  if (r->released) co_return;
  bool empty = false;
  {
    std::lock_guard g(mutex_);
    if (auto it = registered_.find(r->entry.name); it != registered_.end() && it->second == r) registered_.erase(it);
    empty = registered_.empty();
  }
  error_code ignored;
  r->socket.close(ignored);
  if (empty && on_empty_ && !stopped_) on_empty_();
}

} // namespace enode::dist::epmd
