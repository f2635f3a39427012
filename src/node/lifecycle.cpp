// The node's lifecycle: its name, cookie and listening socket, its EPMD registration
// (serving EPMD itself when none runs, registering again when EPMD goes), the system
// processes, the nodes it keeps connected, and the stop that undoes all of it in order.
#include "node/admin.hpp"
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/dist/epmd_client.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/node/error.hpp>

#include <algorithm>
#include <future>
#include <thread>

namespace enode::node {

using tcp = net::ip::tcp;

namespace {

// Runs `body` on `ex` and waits for its result (not from the node's own threads). The
// promise is shared: the thread that sets it may still be inside set_value (waking this
// one) when this one returns, and must not find it destroyed.
template <class T>
T run_blocking(net::any_io_executor ex, net::awaitable<T> body) {
  auto p = std::make_shared<std::promise<T>>();
  auto f = p->get_future();
  auto wrapper = [](std::shared_ptr<std::promise<T>> out, net::awaitable<T> b) -> net::awaitable<void> {
    out->set_value(co_await std::move(b));
  };
  net::co_spawn(ex, wrapper(p, std::move(body)), [p](std::exception_ptr e) {
    if (e) p->set_exception(e);
  });
  return f.get();
}

log::logger make_logger(options const& o) { return log::logger(o.log_level, o.log); }

} // namespace

node_impl::node_impl(options o)
    : opts_(std::move(o)), logger_(make_logger(opts_)), sched_(opts_.threads),
      strand_(net::make_strand(sched_.context())) {}

node_impl::~node_impl() { stop(); }

void node_impl::spawn_on(net::any_io_executor ex, net::awaitable<void> body, std::string what) {
  net::co_spawn(std::move(ex), std::move(body), logger_.on_exit(std::move(what)));
}

result<void> node_impl::start() {
  if (started_) return {};
  if (auto r = configure(); !r) return r;
  sched_.start();
  if (opts_.http) {
    // First, so that /health says "starting" until the node is up.
    http_ = std::make_unique<http::server>(sched_.context(), *opts_.http, admin_routes(*this), logger_);
    if (auto r = http_->start(); !r) {
      logger_.error("cannot serve HTTP on " + opts_.http->address + ":" + std::to_string(opts_.http->port) + ": " +
                    r.error().message());
      http_.reset();
      sched_.stop();
      return r;
    }
    logger_.notice("serving HTTP on " + opts_.http->address + ":" + std::to_string(http_->port()));
  }
  // The listening socket first: EPMD is told its port.
  if (auto r = listen(); !r) return r;
  auto reg = run_blocking(strand_, register_epmd());
  if (!reg) {
    error_code ignored;
    acceptor_->close(ignored);
    if (epmd_server_) epmd_server_->stop();
    return unexpected(reg.error());
  }
  creation_ = *reg;
  system_pid_ = term::value(term::pid{name_, 0, 0, creation_});
  logger_.notice("started: listening on port " + std::to_string(port_) + ", creation " + std::to_string(creation_));
  start_system();
  started_ = true;
  started_at_ = std::chrono::steady_clock::now();
  spawn_on(strand_, accept_loop(), "the accept loop");
  spawn_on(strand_, hold_epmd(), "the EPMD registration");
  if (!keep_connected_.empty()) {
    reconnect_timer_ = std::make_unique<net::steady_timer>(strand_);
    spawn_on(strand_, keep_connected(), "keep_connected");
  }
  return {};
}

// The name, cookie and flags, from the options.
result<void> node_impl::configure() {
  if (!opts_.log_level) {
    auto env = log::level_from_env();
    if (!env.problem.empty()) {
      logger_.error(env.problem);
      return error::bad_log_level;
    }
  }
  std::string name = opts_.name;
  if (name.find('@') == std::string::npos) {
    auto h = host_name(opts_.long_names);
    if (!h) return unexpected(h.error());
    name += '@' + *h;
  }
  auto parsed = dist::handshake::parse_node_name(name);
  if (!parsed) return unexpected(parsed.error());
  if (!dist::handshake::host_fits(parsed->host, opts_.long_names ? dist::handshake::name_mode::longnames
                                                                 : dist::handshake::name_mode::shortnames))
    return dist::error::bad_node_name;
  full_name_ = name;
  name_ = term::atom(full_name_);
  logger_.set_node(full_name_);
  keep_connected_.clear();
  for (auto const& k : opts_.keep_connected) {
    if (!dist::handshake::parse_node_name(k)) return dist::error::bad_node_name;
    if (k != full_name_) keep_connected_.emplace_back(k);
  }
  if (opts_.cookie) {
    cookie_ = *opts_.cookie;
  } else {
    auto c = default_cookie();
    if (!c) return unexpected(c.error());
    cookie_ = *c;
  }
  flags_ = dist::flags::ours | (opts_.hidden ? 0 : dist::flags::published);
  epmd_port_ = opts_.epmd_port ? *opts_.epmd_port : dist::epmd::default_port();
  return {};
}

// On `listen_port`, or the first free port of `listen_port`..`listen_port_max`.
result<void> node_impl::listen() {
  unsigned const first = opts_.listen_port;
  unsigned const last = first != 0 && opts_.listen_port_max > first ? opts_.listen_port_max : first;
  error_code ec;
  for (unsigned port = first; port <= last; ++port) {
    ec = {};
    acceptor_ = std::make_unique<tcp::acceptor>(strand_);
    tcp::endpoint ep(net::ip::address_v4::any(), static_cast<std::uint16_t>(port));
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (!ec) {
      port_ = acceptor_->local_endpoint().port();
      return {};
    }
    if (ec != net::error::address_in_use) break;
  }
  if (last != first && ec == net::error::address_in_use) return error::no_listen_port;
  return unexpected(ec);
}

// The runtime, and the system processes under it.
void node_impl::start_system() {
  sys_ = std::make_unique<runtime::system>(sched_.context(), runtime::system_options{name_, creation_}, logger_);
  sys_->set_router(this);
  add_builtins(*this);
  add_tooling(*this);
  if (!start_system_processes(*this)) logger_.error("the system processes (kernel_sup) did not start");
}

bool node_impl::report_failure(term::atom peer_name, std::string const& why) {
  if (std::find(keep_connected_.begin(), keep_connected_.end(), peer_name) == keep_connected_.end()) return true;
  std::lock_guard g(failures_mutex_);
  auto [it, added] = failures_.try_emplace(peer_name, why);
  if (added) return true;
  if (it->second == why) return false;
  it->second = why;
  return true;
}

net::awaitable<void> node_impl::keep_connected() {
  auto self = shared_from_this();
  for (;;) {
    for (auto const& n : keep_connected_)
      if (!connected(n)) connect(n, [](error_code) {});
    reconnect_timer_->expires_after(opts_.reconnect_interval);
    co_await reconnect_timer_->async_wait(net::as_tuple(net::use_awaitable));
    if (stopping_) co_return;
  }
}

// Registers with the EPMD on this host; when none answers, serves one first.
net::awaitable<result<std::uint32_t>> node_impl::register_epmd() {
  dist::epmd::node_entry e;
  e.name = full_name_.substr(0, full_name_.find('@'));
  e.port = port_;
  for (int attempt = 0;; ++attempt) {
    epmd_socket_ = std::make_unique<tcp::socket>(strand_);
    std::string const host = "127.0.0.1"; // a local: see setup.cpp on GCC 12
    auto r = co_await dist::epmd::async_register(*epmd_socket_, host, epmd_port_, e, opts_.setup_timeout);
    if (r) logger_.debug("registered with EPMD on port " + std::to_string(epmd_port_) + " as " + e.name);
    if (r || attempt >= 2 || stopping_) co_return r;
    if (r.error() != net::error::connection_refused || !opts_.embedded_epmd || epmd_server_) co_return r;
    auto srv = dist::epmd::server::listen(sched_.context().get_executor(), epmd_port_, logger_);
    if (!srv) continue; // someone else took the port meanwhile: register with them
    epmd_server_ = *srv;
    epmd_server_->start();
    logger_.notice("no EPMD on port " + std::to_string(epmd_port_) + ": serving EPMD in this node");
  }
}

// The registration lasts while its connection does. If EPMD goes away, register again
// with the next one (ours if none comes), keeping the creation we started with.
net::awaitable<void> node_impl::hold_epmd() {
  auto self = shared_from_this();
  for (;;) {
    std::array<std::byte, 16> b;
    auto [ec, n] = co_await epmd_socket_->async_read_some(net::buffer(b), net::as_tuple(net::use_awaitable));
    (void)n;
    if (stopping_) co_return;
    logger_.warning("EPMD registration lost (" + describe(ec) + "); registering again");
    if (!epmd_retry_timer_) epmd_retry_timer_ = std::make_unique<net::steady_timer>(strand_);
    for (;;) {
      // stop cancels the pause (on this strand, after setting stopping_).
      if (stopping_) co_return;
      epmd_retry_timer_->expires_after(opts_.epmd_retry_interval);
      co_await epmd_retry_timer_->async_wait(net::as_tuple(net::use_awaitable));
      if (stopping_) co_return;
      auto r = co_await register_epmd();
      if (r) break;
      logger_.warning("EPMD registration failed: " + describe(r.error()));
    }
  }
}

std::uint16_t node_impl::http_port() const noexcept { return http_ ? http_->port() : 0; }

void node_impl::request_stop(int status, bool halt) {
  if (stop_requested_.exchange(true)) return;
  logger_.notice(std::string(halt ? "halted" : "asked to stop") + ", with status " + std::to_string(status));
  if (halt) {
    std::vector<std::shared_ptr<dist::connection>> conns;
    peers_.for_each([&](peer& p) {
      if (p.conn) conns.push_back(p.conn);
    });
    for (auto& c : conns)
      c->close(make_error_code(dist::error::closed)); // outside the peers' locks: on_down takes them
  }
  if (opts_.stop_requested) {
    opts_.stop_requested(status);
    return;
  }
  // stop() waits for the node's threads, so it cannot run on one of them.
  std::thread([self = shared_from_this()] { self->stop(); }).detach();
}

void node_impl::stop() {
  if (!started_ || stopping_.exchange(true)) {
    if (!started_) sched_.stop();
    return;
  }
  logger_.notice("stopping");
  // Processes first, while the connections still carry their exit signals; then the
  // connections, flushed; then EPMD.
  sys_->shutdown(opts_.shutdown_grace);
  sys_->join();
  net::dispatch(strand_, [this] {
    error_code ignored;
    acceptor_->close(ignored);
  });
  close_connections();
  std::promise<bool> closed;
  net::dispatch(strand_, [this, &closed] {
    error_code ignored;
    if (epmd_socket_) epmd_socket_->close(ignored);
    if (reconnect_timer_) reconnect_timer_->cancel();
    if (epmd_retry_timer_) epmd_retry_timer_->cancel();
    closed.set_value(epmd_server_ != nullptr); // read here: hold_epmd sets it on this strand
  });
  if (closed.get_future().get()) handover_epmd(*this);
  if (http_) http_->stop();
  sched_.stop();
  // Gone once the threads are: its last handlers (an accept that ended) ran on them.
  epmd_server_.reset();
  sys_->set_router(nullptr);
}

// Flushes every connection and waits (up to 5 s) for them to close.
void node_impl::close_connections() {
  std::vector<std::shared_ptr<dist::connection>> conns;
  peers_.for_each([&](peer& p) {
    if (p.conn) conns.push_back(p.conn);
    end_incoming_wait(p); // its connect() callers get their answer now, not after the wait
  });
  for (auto& c : conns) c->close_after_flush();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (auto& c : conns) {
    while (!c->closed() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    c->close(make_error_code(dist::error::closed));
  }
}

} // namespace enode::node
