#include <enode/node/node.hpp>

#include "node_impl.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/dist/error.hpp>
#include <enode/node/error.hpp>
#include <enode/runtime/error.hpp>
#include <enode/runtime/exit.hpp>

#include <openssl/rand.h>

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <netdb.h>
#include <unistd.h>

namespace enode::node {

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
  return error::no_domain;
}

// --- node --------------------------------------------------------------------------------------

node::node(options opts) : impl_(std::make_shared<node_impl>(std::move(opts))) {}
node::~node() { impl_->stop(); }
result<void> node::start() { return impl_->start(); }
void node::stop() { impl_->stop(); }
runtime::system& node::system() { return impl_->system(); }
enode::node::functions& node::functions() { return impl_->functions(); }
term::atom node::name() const { return impl_->name(); }
std::uint32_t node::creation() const { return impl_->creation(); }
std::uint16_t node::listen_port() const { return impl_->listen_port(); }
bool node::serves_epmd() const { return impl_->serves_epmd(); }
std::uint16_t node::http_port() const { return impl_->http_port(); }
metrics_snapshot node::metrics(std::size_t longest_mailboxes) const { return impl_->metrics(longest_mailboxes); }
std::vector<term::atom> node::nodes(bool include_hidden) const { return impl_->nodes(include_hidden); }
void node::monitor_node(term::pid const& w, term::atom peer, bool on) { impl_->monitor_node(w, peer, on); }
void node::monitor_nodes(term::pid const& w, bool on) { impl_->monitor_nodes(w, on); }

bool node::on_own_thread() const { return impl_->system().context().get_executor().running_in_this_thread(); }

result<void> node::disconnect(term::atom peer) {
  if (auto ec = impl_->disconnect(peer)) return unexpected(ec);
  return {};
}

result<void> node::connect(term::atom peer) { return connect_within(peer, std::nullopt); }

result<void> node::connect_within(term::atom peer, std::optional<std::chrono::milliseconds> limit) {
  if (peer == impl_->name()) return {};
  if (on_own_thread()) return runtime::error::would_deadlock; // it would wait for itself
  auto p = std::make_shared<std::promise<error_code>>();
  auto f = p->get_future();
  impl_->connect(peer, [p](error_code ec) { p->set_value(ec); });
  if (limit && f.wait_for(*limit) != std::future_status::ready) return error::pang; // not in time
  if (auto ec = f.get()) return unexpected(ec);
  return {};
}

result<void> node::ping(term::atom peer, std::chrono::milliseconds timeout) {
  if (peer == impl_->name()) return {};
  if (on_own_thread()) return runtime::error::would_deadlock;
  if (auto c = connect_within(peer, timeout); !c) return c; // the reason it cannot be reached
  auto p = std::make_shared<std::promise<bool>>();
  auto f = p->get_future();
  term::atom me = impl_->name();
  auto spawned = impl_->system().spawn([p, peer, me, timeout](runtime::process& self) -> runtime::awaitable<> {
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
  if (!spawned) return unexpected(spawned.error());
  if (f.get()) return {};
  (void)impl_->disconnect(peer); // as net_adm:ping/1 does on pang
  return error::pang;
}

} // namespace enode::node
