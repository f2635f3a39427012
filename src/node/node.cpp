#include <enode/node/node.hpp>

#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/dist/epmd_client.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <netdb.h>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace enode::node {

namespace atoms = term::atoms;
using tcp = net::ip::tcp;

namespace {

term::atom const nodeup_atom{"nodeup"};
term::atom const nodedown_atom{"nodedown"};

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

std::string describe(error_code ec) {
  return ec.message() + " (" + ec.category().name() + ":" + std::to_string(ec.value()) + ")";
}

} // namespace

// --- the cookie and the host name -------------------------------------------------------------

result<std::string> default_cookie() {
  char const* home = std::getenv("HOME");
  std::string path = std::string(home && *home ? home : "/") + "/.erlang.cookie";
  std::ifstream in(path);
  if (in) {
    std::string c;
    std::getline(in, c);
    while (!c.empty() && (c.back() == '\n' || c.back() == '\r' || c.back() == ' ')) c.pop_back();
    if (c.empty()) return unexpected(error_code(EINVAL, boost::system::generic_category()));
    return c;
  }
  // As erl (auth.erl): 20 random capital letters, readable by the owner only.
  unsigned char r[20];
  if (RAND_bytes(r, sizeof r) != 1) return unexpected(error_code(EIO, boost::system::generic_category()));
  std::string c;
  for (unsigned char b : r) c += static_cast<char>('A' + b % 26);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0400);
  if (fd < 0) return unexpected(error_code(errno, boost::system::generic_category()));
  bool ok = ::write(fd, c.data(), c.size()) == static_cast<ssize_t>(c.size());
  ::close(fd);
  if (!ok) return unexpected(error_code(EIO, boost::system::generic_category()));
  return c;
}

result<std::string> host_name(bool long_names) {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return unexpected(error_code(errno, boost::system::generic_category()));
  std::string h(buf);
  if (!long_names) return h.substr(0, h.find('.'));
  if (h.find('.') != std::string::npos) return h;
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* res = nullptr;
  if (::getaddrinfo(h.c_str(), nullptr, &hints, &res) == 0 && res) {
    std::string canon = res->ai_canonname ? res->ai_canonname : "";
    ::freeaddrinfo(res);
    if (canon.find('.') != std::string::npos) return canon;
  }
  // No fully qualified name: erl refuses to start; say what to do instead.
  return dist::error::bad_node_name;
}

// --- node --------------------------------------------------------------------------------------

node::node(options opts) : impl_(std::make_shared<node_impl>(std::move(opts))) {}
node::~node() { impl_->stop(); }
result<void> node::start() { return impl_->start(); }
void node::stop() { impl_->stop(); }
runtime::system& node::system() { return *impl_->sys; }
enode::node::functions& node::functions() { return impl_->fns; }
term::atom node::name() const { return impl_->name_atom; }
std::uint32_t node::creation() const { return impl_->creation; }
std::uint16_t node::listen_port() const { return impl_->port; }
bool node::serves_epmd() const { return impl_->epmd_server != nullptr; }
std::vector<term::atom> node::nodes(bool include_hidden) const { return impl_->nodes(include_hidden); }
bool node::disconnect(term::atom peer) { return impl_->disconnect(peer); }
void node::monitor_node(term::pid const& w, term::atom peer, bool on) { impl_->monitor_node(w, peer, on); }
void node::monitor_nodes(term::pid const& w, bool on) { impl_->monitor_nodes(w, on); }

bool node::connect(term::atom peer) {
  if (peer == impl_->name_atom) return true;
  auto p = std::make_shared<std::promise<bool>>();
  auto f = p->get_future();
  impl_->connect(peer, [p](bool ok) { p->set_value(ok); });
  return f.get();
}

bool node::ping(term::atom peer, std::chrono::milliseconds timeout) {
  if (peer == impl_->name_atom) return true;
  auto p = std::make_shared<std::promise<bool>>();
  auto f = p->get_future();
  term::atom me = impl_->name_atom;
  auto spawned = impl_->sys->spawn([p, peer, me, timeout](runtime::process& self) -> runtime::awaitable<> {
    bool pong = false;
    // (Built before the co_await: GCC 12 mishandles braced lists inside one.)
    term::value const server = term::tuple_of({term::atom("net_kernel"), peer});
    term::value const request = term::tuple_of({term::atom("is_auth"), me});
    try {
      auto r = co_await behaviours::gen_server::call(self, server, request, timeout);
      pong = r == term::value(term::atom("yes"));
    } catch (runtime::exit_exception const&) {
    }
    p->set_value(pong);
  });
  if (!spawned) return false;
  bool pong = f.get();
  if (!pong) impl_->disconnect(peer); // as net_adm:ping/1 does on pang
  return pong;
}

// --- node_impl: lifecycle ----------------------------------------------------------------------

node_impl::node_impl(options o) : opts(std::move(o)), sched(opts.threads), strand_(net::make_strand(sched.context())) {
  if (!opts.log) {
    opts.log = [](std::string_view line) {
      std::fprintf(stderr, "enode: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
}

node_impl::~node_impl() { stop(); }

void node_impl::log(std::string_view line) const { opts.log(line); }

dist::local_identity node_impl::identity() const { return {full_name, flags, creation, cookie}; }

dist::connection_options node_impl::connection_options() const {
  dist::connection_options o;
  o.ticktime = std::chrono::duration_cast<std::chrono::milliseconds>(opts.ticktime);
  return o;
}

result<void> node_impl::start() {
  if (started_) return {};
  std::string name = opts.name;
  if (name.find('@') == std::string::npos) {
    auto h = host_name(opts.long_names);
    if (!h) return unexpected(h.error());
    name += '@' + *h;
  }
  auto parsed = dist::handshake::parse_node_name(name);
  if (!parsed) return unexpected(parsed.error());
  if (!dist::handshake::host_fits(parsed->host, opts.long_names ? dist::handshake::name_mode::longnames
                                                                : dist::handshake::name_mode::shortnames))
    return dist::error::bad_node_name;
  full_name = name;
  name_atom = term::atom(full_name);
  keep_connected_.clear();
  for (auto const& k : opts.keep_connected) {
    if (!dist::handshake::parse_node_name(k)) return dist::error::bad_node_name;
    if (k != full_name) keep_connected_.emplace_back(k);
  }
  if (opts.cookie) {
    cookie = *opts.cookie;
  } else {
    auto c = default_cookie();
    if (!c) return unexpected(c.error());
    cookie = *c;
  }
  flags = dist::flags::ours | (opts.hidden ? 0 : dist::flags::published);
  epmd_port = opts.epmd_port ? *opts.epmd_port : dist::epmd::default_port();
  sched.start();

  // The listening socket first: EPMD is told its port.
  error_code ec;
  acceptor_ = std::make_unique<tcp::acceptor>(strand_);
  tcp::endpoint ep(net::ip::address_v4::any(), opts.listen_port);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return unexpected(ec);
  port = acceptor_->local_endpoint().port();

  auto reg = run_blocking(strand_, register_epmd());
  if (!reg) {
    error_code ignored;
    acceptor_->close(ignored);
    if (epmd_server) epmd_server->stop();
    return unexpected(reg.error());
  }
  creation = *reg;
  system_pid_ = term::value(term::pid{name_atom, 0, 0, creation});

  sys = std::make_unique<runtime::system>(sched.context(), runtime::system_options{name_atom, creation});
  sys->set_router(this);
  add_builtins(*this);
  start_io_server(*this);
  start_net_kernel(*this);
  start_rex(*this);
  start_global(*this);
  started_ = true;
  net::co_spawn(strand_, accept_loop(), net::detached);
  net::co_spawn(strand_, hold_epmd(), net::detached);
  if (!keep_connected_.empty()) {
    reconnect_timer_ = std::make_unique<net::steady_timer>(strand_);
    net::co_spawn(strand_, keep_connected(), net::detached);
  }
  return {};
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
      if (!connected(n)) connect(n, [](bool) {});
    reconnect_timer_->expires_after(opts.reconnect_interval);
    co_await reconnect_timer_->async_wait(net::as_tuple(net::use_awaitable));
    if (stopping_) co_return;
  }
}

// Registers with the EPMD on this host; when none answers, serves one first.
net::awaitable<result<std::uint32_t>> node_impl::register_epmd() {
  dist::epmd::node_entry e;
  e.name = full_name.substr(0, full_name.find('@'));
  e.port = port;
  for (int attempt = 0;; ++attempt) {
    epmd_socket_ = std::make_unique<tcp::socket>(strand_);
    std::string const host = "127.0.0.1"; // a local: see setup.cpp on GCC 12
    auto r = co_await dist::epmd::async_register(*epmd_socket_, host, epmd_port, e, opts.setup_timeout);
    if (r || attempt >= 2 || stopping_) co_return r;
    if (r.error() != net::error::connection_refused || !opts.embedded_epmd || epmd_server) co_return r;
    auto srv = dist::epmd::server::listen(sched.context().get_executor(), epmd_port);
    if (!srv) continue; // someone else took the port meanwhile: register with them
    epmd_server = *srv;
    epmd_server->start();
    log("no EPMD on port " + std::to_string(epmd_port) + ": serving EPMD in this node");
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
    log("EPMD registration lost (" + ec.message() + "); registering again");
    if (!epmd_retry_timer_) epmd_retry_timer_ = std::make_unique<net::steady_timer>(strand_);
    for (;;) {
      // stop cancels the pause (on this strand, after setting stopping_).
      if (stopping_) co_return;
      epmd_retry_timer_->expires_after(opts.epmd_retry_interval);
      co_await epmd_retry_timer_->async_wait(net::as_tuple(net::use_awaitable));
      if (stopping_) co_return;
      auto r = co_await register_epmd();
      if (r) break;
      log("EPMD registration failed: " + describe(r.error()));
    }
  }
}

void node_impl::stop() {
  if (!started_ || stopping_.exchange(true)) {
    if (!started_) sched.stop();
    return;
  }
  // Processes first, while the connections still carry their exit signals; then the
  // connections, flushed; then EPMD.
  sys->shutdown(opts.shutdown_grace);
  sys->join();
  net::dispatch(strand_, [this] {
    error_code ignored;
    acceptor_->close(ignored);
  });
  std::vector<std::shared_ptr<dist::connection>> conns;
  {
    std::shared_lock g(peers_mutex_);
    for (auto& [n, p] : peers_) {
      std::lock_guard pg(p->mutex);
      if (p->conn) conns.push_back(p->conn);
      end_incoming_wait(*p); // its connect() callers get false now, not after the wait
    }
  }
  for (auto& c : conns) c->close_after_flush();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (auto& c : conns) {
    while (!c->closed() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    c->close(make_error_code(dist::error::closed));
  }
  std::promise<bool> closed;
  net::dispatch(strand_, [this, &closed] {
    error_code ignored;
    if (epmd_socket_) epmd_socket_->close(ignored);
    if (reconnect_timer_) reconnect_timer_->cancel();
    if (epmd_retry_timer_) epmd_retry_timer_->cancel();
    closed.set_value(epmd_server != nullptr); // read here: hold_epmd sets it on this strand
  });
  if (closed.get_future().get()) handover_epmd(*this);
  sched.stop();
  // Gone once the threads are: its last handlers (an accept that ended) ran on them.
  epmd_server.reset();
  sys->set_router(nullptr);
}

// --- connections ---------------------------------------------------------------------------------

std::shared_ptr<peer> node_impl::find(term::atom n) const {
  std::shared_lock g(peers_mutex_);
  auto it = peers_.find(n);
  return it == peers_.end() ? nullptr : it->second;
}

std::pair<std::shared_ptr<peer>, std::unique_lock<std::mutex>> node_impl::lock_peer(term::atom n) {
  for (;;) {
    auto p = find_or_add(n);
    std::unique_lock g(p->mutex);
    if (!p->retired) return {std::move(p), std::move(g)};
  }
}

std::shared_ptr<peer> node_impl::find_or_add(term::atom n) {
  if (auto p = find(n)) return p;
  std::unique_lock g(peers_mutex_);
  auto& slot = peers_[n];
  if (!slot) slot = std::make_shared<peer>(n);
  return slot;
}

net::awaitable<void> node_impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    tcp::socket s(net::make_strand(sched.context()));
    auto [ec] = co_await acceptor_->async_accept(s, net::as_tuple(net::use_awaitable));
    if (stopping_) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
      log("accept failed: " + ec.message());
      continue;
    }
    auto ex = s.get_executor();
    net::co_spawn(ex, accept_one(std::move(s)), net::detached);
  }
}

std::string node_impl::accept_status(dist::peer_identity const& who) {
  if (stopping_ || who.name == full_name) return "not_allowed";
  auto a = term::atom::make(who.name);
  if (!a) return "not_allowed";
  auto [p, g] = lock_peer(*a);
  if (p->conn && !p->conn->closed()) return "alive";
  if (p->accepting) return "nok"; // one of its attempts is already in its handshake here
  if (p->connecting) {
    // Simultaneous connect (dist_util): the greater name's attempt wins. Ours loses:
    // it is abandoned (its result will be dropped) and theirs carries what waits.
    if (full_name > who.name) return "nok";
    ++p->attempt;
    p->connecting = false;
    p->accepting = true;
    return "ok_simultaneous";
  }
  // Until this handshake ends, sends to the node wait for it instead of dialling (as
  // net_kernel's pending entry for an incoming connection).
  p->accepting = true;
  return "ok";
}

void node_impl::start_connect(std::shared_ptr<peer> const& p) {
  p->connecting = true;
  end_incoming_wait(*p); // this attempt takes over what it waited for
  auto const n = ++p->attempt;
  net::co_spawn(net::make_strand(sched.context()), connect_to(p, n), net::detached);
}

void node_impl::accept_failed(std::shared_ptr<peer> const& p) {
  {
    std::lock_guard g(p->mutex);
    p->accepting = false;
    if (!p->conn && !p->connecting && !stopping_ && (!p->pending.empty() || !p->waiters.empty())) start_connect(p);
  }
  forget_if_idle(p);
}

void node_impl::end_incoming_wait(peer& p) {
  if (!p.incoming_wait) return;
  // Cancelled on the timer's strand: its coroutine may be starting the wait right now.
  auto t = std::move(p.incoming_wait);
  p.incoming_wait.reset();
  auto ex = t->get_executor();
  net::post(ex, [t = std::move(t)] { t->cancel(); });
}

void node_impl::forget_if_idle(std::shared_ptr<peer> const& p) {
  // A node we are not connected to and hold nothing for leaves the table, so that failed
  // attempts from many names (or sends to many absent nodes) do not pile up.
  std::unique_lock g(peers_mutex_);
  std::lock_guard pg(p->mutex);
  bool const idle = !p->conn && !p->connecting && !p->accepting && !p->awaiting_incoming && p->pending.empty() &&
                    p->waiters.empty() && p->books.empty();
  if (!idle) return;
  p->retired = true;
  if (auto it = peers_.find(p->name); it != peers_.end() && it->second == p) peers_.erase(it);
}

net::awaitable<void> node_impl::accept_one(tcp::socket s) {
  auto self = shared_from_this();
  error_code ignored;
  auto remote = s.remote_endpoint(ignored);
  auto const me = identity();
  std::shared_ptr<peer> seen; // the peer, once we answered it ok
  dist::accept_status const decide = [this, &seen](dist::peer_identity const& who) {
    auto status = accept_status(who);
    if (status == "ok" || status == "ok_simultaneous") seen = find(term::atom(who.name));
    return status;
  };
  auto r = co_await dist::async_handshake_accept(s, me, decide, opts.setup_timeout);
  if (!r) {
    if (r.error() == dist::error::simultaneous_lost)
      log("simultaneous connect: our attempt wins over the one from " + remote.address().to_string());
    else
      log("refused a connection from " + remote.address().to_string() + ": " + describe(r.error()));
    s.close(ignored);
    // If the peer got as far as our status answer, it was pending here.
    if (seen) accept_failed(seen);
    co_return;
  }
  if (stopping_) co_return;
  auto p = find_or_add(term::atom(r->name));
  auto c = std::make_shared<dist::connection>(std::move(s), std::move(*r), flags, *this, connection_options());
  c->set_context(p);
  up(p, c);
}

void node_impl::connect(term::atom n, std::function<void(bool)> done) {
  if (stopping_ || !dist::handshake::parse_node_name(n.name())) {
    done(false);
    return;
  }
  auto [p, g] = lock_peer(n);
  if (p->conn && !p->conn->closed()) {
    done(true);
    return;
  }
  p->waiters.push_back(std::move(done));
  if (p->connecting || p->accepting || p->awaiting_incoming) return;
  start_connect(p);
}

net::awaitable<void> node_impl::connect_to(std::shared_ptr<peer> p, std::uint64_t attempt) {
  auto self = shared_from_this();
  // co_spawn may start this inline, in start_connect's caller, which holds p->mutex:
  // continue from the executor's queue so that the checks below may take it.
  auto ex = co_await net::this_coro::executor;
  co_await net::post(ex, net::use_awaitable);
  // An attempt abandoned for the peer's own (simultaneous connect) ends quietly.
  auto abandoned = [&] {
    std::lock_guard g(p->mutex);
    return p->attempt != attempt;
  };
  auto fail = [&](std::string why) {
    if (abandoned()) return;
    if (report_failure(p->name, why)) log("cannot connect to " + std::string(p->name.name()) + ": " + why);
    unreachable(p);
  };
  auto name = dist::handshake::parse_node_name(p->name.name());
  if (!name) co_return fail("malformed node name");
  auto mode = opts.long_names ? dist::handshake::name_mode::longnames : dist::handshake::name_mode::shortnames;
  if (!dist::handshake::host_fits(name->host, mode))
    co_return fail(opts.long_names ? "a long-names node needs a fully qualified host"
                                   : "a short-names node cannot reach a dotted host");
  auto entry = co_await dist::epmd::async_port_please(name->host, epmd_port, name->alive, opts.setup_timeout);
  if (!entry) co_return fail("EPMD on " + name->host + ": " + describe(entry.error()));
  if (entry->highest_version < 6 || entry->lowest_version > 6) co_return fail("no common distribution version");
  auto sock = co_await dist::epmd::async_dial(name->host, entry->port, opts.setup_timeout);
  if (!sock) co_return fail(describe(sock.error()));
  auto const me = identity();
  // Whether this attempt is still the one we want: not abandoned for the peer's own,
  // and no connection came up meanwhile (then `alive` is answered false).
  std::function<bool()> const wanted = [&] {
    std::lock_guard g(p->mutex);
    return p->attempt == attempt && !(p->conn && !p->conn->closed());
  };
  auto r = co_await dist::async_handshake_connect(*sock, me, p->name.name(), opts.setup_timeout, wanted);
  if (!r && r.error() == dist::error::already_connected) co_return; // abandoned, or connected meanwhile
  if (!r) {
    if (r.error() == dist::error::simultaneous_lost) {
      // The peer's own attempt wins; it will arrive through accept. Give it the setup
      // time, no longer: the wait ends as soon as that connection is up (or another
      // attempt starts, or the node stops); only a peer whose attempt never comes makes
      // it last.
      auto t = std::make_shared<net::steady_timer>(co_await net::this_coro::executor, opts.setup_timeout * 2);
      {
        std::lock_guard g(p->mutex);
        if (p->attempt != attempt) co_return;
        p->connecting = false;
        if (p->conn || p->accepting) co_return;
        p->awaiting_incoming = true;
        p->incoming_wait = t;
      }
      co_await t->async_wait(net::as_tuple(net::use_awaitable));
      bool give_up = false;
      {
        std::lock_guard g(p->mutex);
        if (p->incoming_wait == t) p->incoming_wait.reset();
        give_up = p->attempt == attempt && p->awaiting_incoming && !p->conn;
      }
      if (give_up) fail("the simultaneous connection from it never completed");
      co_return;
    }
    co_return fail(describe(r.error()));
  }
  if (stopping_ || abandoned()) {
    // Abandoned for the peer's attempt, which the peer also keeps: close ours.
    log("simultaneous connect: our attempt to " + std::string(p->name.name()) + " gives way to its own");
    error_code ignored;
    sock->close(ignored);
    co_return;
  }
  auto c = std::make_shared<dist::connection>(std::move(*sock), std::move(*r), flags, *this, connection_options());
  c->set_context(p);
  up(p, c);
}

void node_impl::up(std::shared_ptr<peer> p, std::shared_ptr<dist::connection> c) {
  std::vector<std::function<void(bool)>> waiters;
  std::shared_ptr<dist::connection> old;
  peer_books old_books;
  bool old_visible = false;
  {
    std::lock_guard g(p->mutex);
    if (p->conn) {
      // The peer restarted (it answered `alive` with true): the old connection is dead.
      old = std::move(p->conn);
      old_visible = (old->flags() & dist::flags::published) != 0;
      old_books = std::exchange(p->books, {});
    }
    p->conn = c;
    p->connecting = p->accepting = p->awaiting_incoming = false;
    end_incoming_wait(*p);
    ++p->attempt; // an outgoing attempt still running is not needed any more
    for (auto& s : p->pending) send_on(*p, *c, std::move(s));
    p->pending.clear();
    waiters.swap(p->waiters);
  }
  // Started once installed: its on_down must find it in place (what it sends before
  // its writer runs waits in its queue).
  c->start();
  if (old) {
    old->close(make_error_code(dist::error::closed));
    connection_lost(old_books);
    node_event(p->name, false, old_visible); // the old connection's nodedown, before the new nodeup
  }
  bool const visible = (c->flags() & dist::flags::published) != 0;
  {
    std::lock_guard g(failures_mutex_);
    failures_.erase(p->name);
  }
  log("connected to " + c->peer_name() + (visible ? "" : " (hidden)") + " flags " + std::to_string(c->peer().flags));
  for (auto& w : waiters) w(true);
  node_event(p->name, true, visible);
}

void node_impl::unreachable(std::shared_ptr<peer> p) {
  std::vector<signals::signal> pending;
  std::vector<std::function<void(bool)>> waiters;
  {
    std::lock_guard g(p->mutex);
    p->connecting = p->awaiting_incoming = false;
    end_incoming_wait(*p);
    if ((p->conn && !p->conn->closed()) || p->accepting) return; // it came up, or is coming, another way
    pending.swap(p->pending);
    waiters.swap(p->waiters);
  }
  if (sys)
    for (auto const& s : pending) sys->answer_unreachable(s);
  for (auto& w : waiters) w(false);
  node_event(p->name, false, false);
  forget_if_idle(p);
}

bool node_impl::disconnect(term::atom n) {
  auto p = find(n);
  if (!p) return false;
  std::shared_ptr<dist::connection> c;
  {
    std::lock_guard g(p->mutex);
    c = p->conn;
  }
  if (!c) return false;
  c->close(make_error_code(dist::error::closed));
  return true;
}

bool node_impl::connected(term::atom n) const {
  auto p = find(n);
  if (!p) return false;
  std::lock_guard g(p->mutex);
  return p->conn && !p->conn->closed();
}

std::vector<term::atom> node_impl::nodes(bool include_hidden) const {
  std::vector<term::atom> out;
  std::shared_lock g(peers_mutex_);
  for (auto const& [n, p] : peers_) {
    std::lock_guard pg(p->mutex);
    if (!p->conn || p->conn->closed()) continue;
    if (include_hidden || (p->conn->flags() & dist::flags::published)) out.push_back(n);
  }
  return out;
}

void node_impl::on_down(dist::connection& c, error_code why) {
  auto const peer_name = term::atom(c.peer_name());
  auto p = find(peer_name);
  if (!p) return;
  peer_books books;
  {
    std::lock_guard g(p->mutex);
    if (p->conn.get() != &c) return; // replaced already
    p->conn.reset();
    books = std::exchange(p->books, {});
    // Signals routed while it was closing: connect again for them, as BEAM would.
    if (!p->pending.empty() && !p->connecting && !p->accepting && !stopping_) start_connect(p);
  }
  bool const visible = (c.flags() & dist::flags::published) != 0;
  log("connection to " + c.peer_name() + " lost: " + describe(why));
  connection_lost(books);
  node_event(peer_name, false, visible);
}

// --- node monitors --------------------------------------------------------------------------------------

void node_impl::monitor_node(term::pid const& watcher, term::atom n, bool on) {
  if (!on) {
    std::lock_guard g(monitors_mutex_);
    auto [b, e] = node_monitors_.equal_range(n);
    for (auto it = b; it != e; ++it) {
      if (it->second == watcher) {
        node_monitors_.erase(it);
        break;
      }
    }
    return;
  }
  {
    std::lock_guard g(monitors_mutex_);
    node_monitors_.emplace(n, watcher);
  }
  // As BEAM: monitoring a node not connected tries to connect; failure is a nodedown.
  connect(n, [](bool) {});
}

void node_impl::monitor_nodes(term::pid const& watcher, bool on) {
  std::lock_guard g(monitors_mutex_);
  std::erase(node_subscribers_, watcher);
  if (on) node_subscribers_.push_back(watcher);
}

void node_impl::node_event(term::atom n, bool up_event, bool visible) {
  if (!sys) return;
  std::vector<term::pid> once, subs;
  {
    std::lock_guard g(monitors_mutex_);
    if (!up_event) {
      auto [b, e] = node_monitors_.equal_range(n);
      for (auto it = b; it != e; ++it) once.push_back(it->second);
      node_monitors_.erase(b, e);
    }
    if (visible) subs = node_subscribers_;
  }
  term::value const down = term::tuple_of({nodedown_atom, n});
  for (auto const& w : once) (void)sys->send(term::value(w), down);
  term::value const ev = term::tuple_of({up_event ? nodeup_atom : nodedown_atom, n});
  for (auto const& w : subs) (void)sys->send(term::value(w), ev);
}

} // namespace enode::node
