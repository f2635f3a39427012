// The connection manager: accepting and making connections over the peer table, the
// handshake's decisions (simultaneous connects, a peer that restarted), and what a
// connection's coming and going means for what waited on it.
#include "node_impl.hpp"

#include <enode/dist/epmd_client.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/node/error.hpp>

namespace enode::node {

using tcp = net::ip::tcp;

dist::local_identity node_impl::identity() const { return {full_name_, flags_, creation_, cookie_}; }

dist::connection_options node_impl::connection_options() const {
  dist::connection_options o;
  o.ticktime = std::chrono::duration_cast<std::chrono::milliseconds>(opts_.ticktime);
  return o;
}

// --- accepting ---------------------------------------------------------------------------

net::awaitable<void> node_impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    tcp::socket s(net::make_strand(sched_.context()));
    auto [ec] = co_await acceptor_->async_accept(s, net::as_tuple(net::use_awaitable));
    if (stopping_) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
      logger_.warning("accept failed: " + describe(ec));
      continue;
    }
    auto ex = s.get_executor();
    spawn_on(ex, accept_one(std::move(s)), "an incoming connection's setup");
  }
}

dist::status node_impl::accept_status(dist::peer_identity const& who) {
  using dist::status;
  if (stopping_ || who.name == full_name_) return status::not_allowed;
  auto a = term::atom::make(who.name);
  if (!a) return status::not_allowed;
  auto [p, g] = peers_.lock(*a);
  if (p->up()) return status::alive;
  if (p->accepting) return status::nok; // one of its attempts is already in its handshake here
  if (p->connecting) {
    // Simultaneous connect (dist_util): the greater name's attempt wins. Ours loses:
    // it is abandoned (its result will be dropped) and theirs carries what waits.
    if (full_name_ > who.name) return status::nok;
    ++p->attempt;
    p->connecting = false;
    p->accepting = true;
    return status::ok_simultaneous;
  }
  // Until this handshake ends, sends to the node wait for it instead of dialling (as
  // net_kernel's pending entry for an incoming connection).
  p->accepting = true;
  return status::ok;
}

net::awaitable<void> node_impl::accept_one(tcp::socket s) {
  auto self = shared_from_this();
  error_code ignored;
  auto const from = s.remote_endpoint(ignored).address().to_string();
  auto const me = identity();
  std::shared_ptr<peer> seen; // the peer, once we answered it ok
  std::string who = "a node at " + from;
  dist::accept_status const decide = [&](dist::peer_identity const& peer_id) {
    auto status = accept_status(peer_id);
    who = peer_id.name + " (" + from + ")";
    logger_.debug("accepting " + who + ": flags " + std::to_string(peer_id.flags) + ", answered " +
                  std::string(dist::to_string(status)));
    if (status == dist::status::ok || status == dist::status::ok_simultaneous)
      seen = peers_.find(term::atom(peer_id.name));
    return status;
  };
  logger_.debug("connection from " + from + ": handshake");
  auto r = co_await dist::async_handshake_accept(s, me, decide, opts_.setup_timeout);
  if (!r) {
    if (r.error() == dist::error::simultaneous_lost)
      logger_.info("simultaneous connect: our attempt wins over the one from " + who);
    else
      logger_.warning("refused a connection from " + who + ": " + describe(r.error()));
    if (r.error() != dist::error::simultaneous_lost) count_handshake_failure(r.error());
    s.close(ignored);
    // If the peer got as far as our status answer, it was pending here.
    if (seen) accept_failed(seen);
    co_return;
  }
  if (stopping_) co_return;
  auto p = peers_.find_or_add(term::atom(r->name));
  auto c = std::make_shared<dist::connection>(std::move(s), std::move(*r), flags_, *this, connection_options());
  c->set_context(p);
  up(p, c);
}

void node_impl::accept_failed(std::shared_ptr<peer> const& p) {
  {
    std::lock_guard g(p->mutex);
    p->accepting = false;
    if (!p->conn && !p->connecting && !stopping_ && (!p->pending.empty() || !p->waiters.empty())) start_connect(p);
  }
  peers_.forget_if_idle(p);
}

// --- connecting ----------------------------------------------------------------------------

void node_impl::connect(term::atom n, std::function<void(error_code)> done) {
  if (stopping_) return done(error::not_running);
  if (!dist::handshake::parse_node_name(n.name())) return done(dist::error::bad_node_name);
  auto [p, g] = peers_.lock(n);
  if (p->up()) return done({});
  p->waiters.push_back(std::move(done));
  if (p->connecting || p->accepting || p->awaiting_incoming) return;
  start_connect(p);
}

void node_impl::start_connect(std::shared_ptr<peer> const& p) {
  p->connecting = true;
  end_incoming_wait(*p); // this attempt takes over what it waited for
  auto const n = ++p->attempt;
  spawn_on(net::make_strand(sched_.context()), connect_to(p, n),
           "the connection setup to " + std::string(p->name.name()));
}

void node_impl::end_incoming_wait(peer& p) {
  if (!p.incoming_wait) return;
  // Cancelled on the timer's strand: its coroutine may be starting the wait right now.
  auto t = std::move(p.incoming_wait);
  p.incoming_wait.reset();
  auto ex = t->get_executor();
  net::post(ex, [t = std::move(t)] { t->cancel(); });
}

net::awaitable<void> node_impl::connect_to(std::shared_ptr<peer> p, std::uint64_t attempt) {
  auto self = shared_from_this();
  // co_spawn may start this inline, in start_connect's caller, which holds p->mutex:
  // continue from the executor's queue so that the checks below may take it.
  auto ex = co_await net::this_coro::executor;
  co_await net::post(ex, net::use_awaitable);
  std::string const peer_name(p->name.name());
  // An attempt abandoned for the peer's own (simultaneous connect) ends quietly.
  auto abandoned = [&] {
    std::lock_guard g(p->mutex);
    return p->attempt != attempt;
  };
  auto fail = [&](error_code why, std::string const& context = {}) {
    if (abandoned()) return;
    auto const text = context + describe(why);
    if (report_failure(p->name, text)) logger_.warning("cannot connect to " + peer_name + ": " + text);
    count_handshake_failure(why);
    unreachable(p, why);
  };
  auto name = dist::handshake::parse_node_name(peer_name);
  if (!name) co_return fail(name.error());
  auto mode = opts_.long_names ? dist::handshake::name_mode::longnames : dist::handshake::name_mode::shortnames;
  if (!dist::handshake::host_fits(name->host, mode)) co_return fail(error::wrong_name_mode);
  logger_.debug("connecting to " + peer_name + ": asking EPMD on " + name->host + " for its port");
  auto entry = co_await dist::epmd::async_port_please(name->host, epmd_port_, name->alive, opts_.setup_timeout);
  if (!entry) co_return fail(entry.error(), "EPMD on " + name->host + ": ");
  if (entry->highest_version < 6 || entry->lowest_version > 6) co_return fail(dist::error::version_mismatch);
  logger_.debug("connecting to " + peer_name + ": port " + std::to_string(entry->port) + ", dialling");
  auto sock = co_await dist::epmd::async_dial(name->host, entry->port, opts_.setup_timeout);
  if (!sock) co_return fail(sock.error());
  logger_.debug("connecting to " + peer_name + ": handshake");
  auto const me = identity();
  // Whether this attempt is still the one we want: not abandoned for the peer's own,
  // and no connection came up meanwhile (then `alive` is answered false).
  std::function<bool()> const wanted = [&] {
    std::lock_guard g(p->mutex);
    return p->attempt == attempt && !p->up();
  };
  auto r = co_await dist::async_handshake_connect(*sock, me, peer_name, opts_.setup_timeout, wanted);
  if (!r && r.error() == dist::error::already_connected) co_return; // abandoned, or connected meanwhile
  if (!r && r.error() == dist::error::simultaneous_lost) {
    logger_.info("simultaneous connect: " + peer_name + "'s own attempt wins");
    if (!co_await await_incoming(p, attempt)) fail(error::simultaneous_never_completed);
    co_return;
  }
  if (!r) co_return fail(r.error());
  if (stopping_ || abandoned()) {
    // Abandoned for the peer's attempt, which the peer also keeps: close ours.
    logger_.info("simultaneous connect: our attempt to " + peer_name + " gives way to its own");
    error_code ignored;
    sock->close(ignored);
    co_return;
  }
  auto c = std::make_shared<dist::connection>(std::move(*sock), std::move(*r), flags_, *this, connection_options());
  c->set_context(p);
  up(p, c);
}

net::awaitable<bool> node_impl::await_incoming(std::shared_ptr<peer> p, std::uint64_t attempt) {
  // The peer's own attempt wins; it will arrive through accept. Give it the setup time,
  // no longer: the wait ends as soon as that connection is up (or another attempt
  // starts, or the node stops); only a peer whose attempt never comes makes it last.
  auto t = std::make_shared<net::steady_timer>(co_await net::this_coro::executor, opts_.setup_timeout * 2);
  {
    std::lock_guard g(p->mutex);
    if (p->attempt != attempt) co_return true;
    p->connecting = false;
    if (p->conn || p->accepting) co_return true;
    p->awaiting_incoming = true;
    p->incoming_wait = t;
  }
  co_await t->async_wait(net::as_tuple(net::use_awaitable));
  std::lock_guard g(p->mutex);
  if (p->incoming_wait == t) p->incoming_wait.reset();
  co_return !(p->attempt == attempt && p->awaiting_incoming && !p->conn);
}

// --- up and down ---------------------------------------------------------------------------

void node_impl::up(std::shared_ptr<peer> p, std::shared_ptr<dist::connection> c) {
  std::vector<std::function<void(error_code)>> waiters;
  std::shared_ptr<dist::connection> old;
  peer_books old_books;
  bool old_visible = false;
  {
    std::lock_guard g(p->mutex);
    if (p->conn) {
      // The peer restarted (it answered `alive` with true): the old connection is dead.
      old = std::move(p->conn);
      old_visible = visible(*old);
      old_books = std::exchange(p->books, {});
    }
    p->conn = c;
    p->up_since = std::chrono::system_clock::now();
    p->connecting = p->accepting = p->awaiting_incoming = false;
    end_incoming_wait(*p);
    ++p->attempt; // an outgoing attempt still running is not needed any more
    for (auto& s : p->pending) send_on(*p, *c, std::move(s));
    p->pending.clear();
    waiters.swap(p->waiters);
  }
  count_up(p->name);
  // Started once installed: its on_down must find it in place (what it sends before
  // its writer runs waits in its queue).
  c->start();
  if (old) {
    old->close(make_error_code(dist::error::closed));
    connection_lost(old_books);
    monitors_.event(*sys_, p->name, false, old_visible); // the old connection's nodedown, before the new nodeup
  }
  bool const is_visible = visible(*c);
  {
    std::lock_guard g(failures_mutex_);
    failures_.erase(p->name);
  }
  logger_.notice("connected to " + c->peer_name() + (is_visible ? "" : " (hidden)"));
  logger_.debug("connection to " + c->peer_name() + ": flags " + std::to_string(c->peer().flags) + ", creation " +
                std::to_string(c->peer().creation));
  for (auto& w : waiters) w({});
  monitors_.event(*sys_, p->name, true, is_visible);
}

void node_impl::unreachable(std::shared_ptr<peer> p, error_code why) {
  std::vector<signals::signal> pending;
  std::vector<std::function<void(error_code)>> waiters;
  {
    std::lock_guard g(p->mutex);
    p->connecting = p->awaiting_incoming = false;
    end_incoming_wait(*p);
    if (p->up() || p->accepting) return; // it came up, or is coming, another way
    pending.swap(p->pending);
    waiters.swap(p->waiters);
  }
  if (sys_)
    for (auto const& s : pending) sys_->answer_unreachable(s);
  for (auto& w : waiters) w(why);
  if (sys_) monitors_.event(*sys_, p->name, false, false);
  peers_.forget_if_idle(p);
}

void node_impl::on_down(dist::connection& c, error_code why) {
  auto const peer_name = c.peer_node();
  auto p = peers_.find(peer_name);
  if (!p) {
    count_down(c, why);
    return;
  }
  peer_books books;
  {
    std::lock_guard g(p->mutex);
    count_down(c, why);              // under the peer's lock: metrics() sees its counts in one place or the other
    if (p->conn.get() != &c) return; // replaced already
    p->conn.reset();
    books = std::exchange(p->books, {});
    // Signals routed while it was closing: connect again for them, as BEAM would.
    if (!p->pending.empty() && !p->connecting && !p->accepting && !stopping_) start_connect(p);
  }
  bool const is_visible = visible(c);
  if (why == dist::error::closed)
    logger_.notice("connection to " + c.peer_name() + " closed");
  else if (why == net::error::eof)
    logger_.notice("connection to " + c.peer_name() + " closed by it");
  else
    logger_.warning("connection to " + c.peer_name() + " lost: " + describe(why));
  connection_lost(books);
  monitors_.event(*sys_, peer_name, false, is_visible);
}

// --- queries -------------------------------------------------------------------------------

error_code node_impl::disconnect(term::atom n) {
  auto p = peers_.find(n);
  if (!p) return error::not_connected;
  std::shared_ptr<dist::connection> c;
  {
    std::lock_guard g(p->mutex);
    c = p->conn;
  }
  if (!c) return error::not_connected;
  c->close(make_error_code(dist::error::closed));
  return {};
}

bool node_impl::connected(term::atom n) const {
  auto p = peers_.find(n);
  if (!p) return false;
  std::lock_guard g(p->mutex);
  return p->up();
}

std::vector<term::atom> node_impl::nodes(bool include_hidden) const {
  std::vector<term::atom> out;
  peers_.for_each([&](peer& p) {
    if (!p.up()) return;
    if (include_hidden || visible(*p.conn)) out.push_back(p.name);
  });
  return out;
}

void node_impl::monitor_node(term::pid const& watcher, term::atom n, bool on) {
  monitors_.monitor_node(watcher, n, on);
  // As BEAM: monitoring a node not connected tries to connect; failure is a nodedown.
  if (on) connect(n, [](error_code) {});
}

void node_impl::monitor_nodes(term::pid const& watcher, bool on) { monitors_.monitor_nodes(watcher, on); }

} // namespace enode::node
