#include <enode/dist/epmd_server.hpp>

#include <enode/dist/epmd_client.hpp>
#include <enode/dist/error.hpp>

#include "dist/test_util.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace dist = enode::dist;
namespace epmd = enode::dist::epmd;
using dist::error;
using dist::test::bytes;
using dist::test::eventually;
using enode::error_code;
using enode::result;
namespace net = enode::net;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto timeout = 3s;
std::string const localhost = "127.0.0.1";

// An io_context on two threads, for the server and the clients.
struct io {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  io() {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  void stop() {
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~io() { stop(); }
};

// Runs the coroutine that `f` makes on `ex` and waits for its value (bounded).
template <class F>
auto await(net::any_io_executor ex, F f) {
  using R = typename decltype(f())::value_type;
  auto p = std::make_shared<std::promise<R>>();
  auto fut = p->get_future();
  net::co_spawn(
      ex,
      [p, f = std::move(f)]() -> net::awaitable<void> {
        auto r = co_await f();
        p->set_value(std::move(r));
      },
      [p](std::exception_ptr e) {
        if (e) p->set_exception(e);
      });
  REQUIRE(fut.wait_for(20s) == std::future_status::ready);
  return fut.get();
}

epmd::node_entry entry(std::string name, std::uint16_t port) {
  epmd::node_entry e;
  e.name = std::move(name);
  e.port = port;
  return e;
}

// A registration: the socket that holds it.
struct registration {
  tcp::socket socket;
  std::uint32_t creation = 0;
  error_code error;
  explicit registration(net::io_context& ioc) : socket(ioc) {}
};

std::unique_ptr<registration> register_node(net::io_context& ioc, std::uint16_t epmd_port, epmd::node_entry e) {
  auto r = std::make_unique<registration>(ioc);
  auto* raw = r.get();
  auto res = await(ioc.get_executor(), [raw, epmd_port, e]() -> net::awaitable<result<std::uint32_t>> {
    co_return co_await epmd::async_register(raw->socket, localhost, epmd_port, e, timeout);
  });
  if (res)
    r->creation = *res;
  else
    r->error = res.error();
  return r;
}

result<epmd::node_entry> port_please(net::io_context& ioc, std::uint16_t epmd_port, std::string alive) {
  return await(ioc.get_executor(), [epmd_port, alive]() -> net::awaitable<result<epmd::node_entry>> {
    co_return co_await epmd::async_port_please(localhost, epmd_port, alive, timeout);
  });
}

result<epmd::names_reply> names(net::io_context& ioc, std::uint16_t epmd_port) {
  return await(ioc.get_executor(), [epmd_port]() -> net::awaitable<result<epmd::names_reply>> {
    co_return co_await epmd::async_names(localhost, epmd_port, timeout);
  });
}

// Closes a socket on its executor and waits.
void close_on(net::io_context& ioc, tcp::socket& s) {
  std::promise<void> done;
  net::post(ioc, [&] {
    error_code ignored;
    s.close(ignored);
    done.set_value();
  });
  done.get_future().wait();
}

// Whether the peer of `s` closed it (EOF or error within the bound), reading nothing.
bool peer_closed(net::io_context& ioc, tcp::socket& s) {
  auto ec = await(ioc.get_executor(), [&s]() -> net::awaitable<error_code> {
    std::array<std::byte, 16> b;
    auto [e, n] = co_await s.async_read_some(net::buffer(b), net::as_tuple(net::use_awaitable));
    co_return n == 0 ? e : error_code{};
  });
  return static_cast<bool>(ec);
}

// Connects, writes `req`, reads until the server closes (bounded); the reply.
std::vector<std::byte> raw_exchange(net::io_context& ioc, std::uint16_t port, std::vector<std::byte> req) {
  return await(ioc.get_executor(), [port, req]() -> net::awaitable<std::vector<std::byte>> {
    auto s = co_await epmd::async_dial(localhost, port, timeout);
    REQUIRE(s);
    auto [ec, n] = co_await net::async_write(*s, net::buffer(req), net::as_tuple(net::use_awaitable));
    (void)ec, (void)n;
    std::vector<std::byte> out;
    std::array<std::byte, 256> chunk;
    net::steady_timer guard(s->get_executor(), 10s);
    guard.async_wait([&](error_code e) {
      if (!e) s->close();
    });
    for (;;) {
      auto [e, got] = co_await s->async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
      out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
      if (e) break;
    }
    guard.cancel();
    co_return out;
  });
}

struct server_rig {
  io loop;
  std::shared_ptr<epmd::server> server;
  std::uint16_t port = 0;
  server_rig() {
    auto s = epmd::server::listen(loop.ioc.get_executor(), 0);
    REQUIRE(s);
    server = *s;
    port = server->port();
    REQUIRE(port != 0);
    server->start();
  }
  ~server_rig() {
    server->stop();
    loop.stop();
  }
  bool has(std::string const& name) const {
    auto ns = server->nodes();
    return std::any_of(ns.begin(), ns.end(), [&](auto const& e) { return e.name == name; });
  }
};

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("epmd_server: a registered node is found by port_please and listed by names") {
    server_rig r;
    auto e = entry("foo", 34567);
    e.extra = "ex";
    auto reg = register_node(r.loop.ioc, r.port, e);
    REQUIRE(!reg->error);
    CHECK(reg->creation >= 4);
    CHECK(r.has("foo"));

    auto found = port_please(r.loop.ioc, r.port, "foo");
    REQUIRE(found);
    CHECK(found->name == "foo");
    CHECK(found->port == 34567);
    CHECK(found->node_type == 77);
    CHECK(found->protocol == 0);
    CHECK(found->highest_version == 6);
    CHECK(found->lowest_version == 6);
    CHECK(found->extra == "ex");

    auto listed = names(r.loop.ioc, r.port);
    REQUIRE(listed);
    CHECK(listed->epmd_port == r.port);
    REQUIRE(listed->nodes.size() == 1);
    CHECK(listed->nodes[0].first == "foo");
    CHECK(listed->nodes[0].second == 34567);
    CHECK(listed->text == "name foo at port 34567\n");

    CHECK(port_please(r.loop.ioc, r.port, "bar").error() == error::epmd_no_such_node);
    close_on(r.loop.ioc, reg->socket);
  }

  TEST_CASE("epmd_server: a duplicate name is refused and the first registration stays") {
    server_rig r;
    auto first = register_node(r.loop.ioc, r.port, entry("dup", 1000));
    REQUIRE(!first->error);
    auto second = register_node(r.loop.ioc, r.port, entry("dup", 2000));
    CHECK(second->error == error::epmd_duplicate_name);
    auto found = port_please(r.loop.ioc, r.port, "dup");
    REQUIRE(found);
    CHECK(found->port == 1000);
    auto other = register_node(r.loop.ioc, r.port, entry("other", 3000));
    CHECK(!other->error);
    auto listed = names(r.loop.ioc, r.port);
    REQUIRE(listed);
    CHECK(listed->nodes.size() == 2);
    close_on(r.loop.ioc, first->socket);
    close_on(r.loop.ioc, other->socket);
  }

  TEST_CASE("epmd_server: closing the registration socket unregisters the name") {
    server_rig r;
    std::atomic<int> empties{0};
    r.server->on_empty([&] { ++empties; });
    auto reg = register_node(r.loop.ioc, r.port, entry("gone", 1234));
    REQUIRE(!reg->error);
    close_on(r.loop.ioc, reg->socket);
    REQUIRE(eventually([&] { return !r.has("gone"); }));
    CHECK(port_please(r.loop.ioc, r.port, "gone").error() == error::epmd_no_such_node);
    CHECK(eventually([&] { return empties == 1; }));

    // Registering the name again bumps its creation, as epmd does.
    auto again = register_node(r.loop.ioc, r.port, entry("gone", 1235));
    REQUIRE(!again->error);
    CHECK(again->creation == reg->creation + 1);
    close_on(r.loop.ioc, again->socket);
  }

  TEST_CASE("epmd_server: a byte on the registration socket ends the registration") {
    server_rig r;
    auto reg = register_node(r.loop.ioc, r.port, entry("chatty", 1234));
    REQUIRE(!reg->error);
    std::promise<void> sent;
    net::post(r.loop.ioc, [&] {
      static std::byte const b[1] = {std::byte{0}};
      error_code ignored;
      net::write(reg->socket, net::buffer(b), ignored);
      sent.set_value();
    });
    sent.get_future().wait();
    REQUIRE(eventually([&] { return !r.has("chatty"); }));
    CHECK(peer_closed(r.loop.ioc, reg->socket));
  }

  TEST_CASE("epmd_server: a registration for versions below 6 is refused") {
    server_rig r;
    auto e = entry("old", 1);
    e.highest_version = 5;
    e.lowest_version = 5;
    auto reg = register_node(r.loop.ioc, r.port, e);
    CHECK(reg->error == error::epmd_duplicate_name);
    CHECK(!r.has("old"));
  }

  TEST_CASE("epmd_server: garbage and a stalled client do not disturb it") {
    server_rig r;
    auto reg = register_node(r.loop.ioc, r.port, entry("steady", 4000));
    REQUIRE(!reg->error);

    // A stalled client: half a request, then silence, holding its connection.
    auto stalled = await(r.loop.ioc.get_executor(), [&]() -> net::awaitable<result<tcp::socket>> {
      co_return co_await epmd::async_dial(localhost, r.port, timeout);
    });
    REQUIRE(stalled);
    auto half = bytes({0, 16, 120, 0x87});
    net::write(*stalled, net::buffer(half));

    // Garbage: the server closes without an answer.
    CHECK(raw_exchange(r.loop.ioc, r.port, bytes({0, 1, 0xFF})).empty());
    CHECK(raw_exchange(r.loop.ioc, r.port, bytes({0, 0})).empty());
    CHECK(raw_exchange(r.loop.ioc, r.port, bytes({0, 2, 122, 0})) == bytes({119, 1}));       // no such node
    CHECK(raw_exchange(r.loop.ioc, r.port, bytes({0, 5, 115, 's', 't', 'o', 'p'})).empty()); // STOP_REQ
    {
      // A request with a bogus body and bytes after it.
      auto junk = bytes({0, 13, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 9, 0, 0, 1, 2, 3});
      CHECK(raw_exchange(r.loop.ioc, r.port, junk).empty());
    }

    // Meanwhile everyone else is served.
    auto found = port_please(r.loop.ioc, r.port, "steady");
    REQUIRE(found);
    CHECK(found->port == 4000);
    auto listed = names(r.loop.ioc, r.port);
    REQUIRE(listed);
    CHECK(listed->nodes.size() == 1);
    auto second = register_node(r.loop.ioc, r.port, entry("second", 4001));
    CHECK(!second->error);
    CHECK(r.has("steady"));

    close_on(r.loop.ioc, *stalled);
    close_on(r.loop.ioc, reg->socket);
    close_on(r.loop.ioc, second->socket);
  }

  TEST_CASE("epmd_server: KILL_REQ is answered NO and DUMP_REQ lists the nodes") {
    server_rig r;
    auto reg = register_node(r.loop.ioc, r.port, entry("k", 77));
    REQUIRE(!reg->error);
    auto no = raw_exchange(r.loop.ioc, r.port, bytes({0, 1, 107}));
    CHECK(no == dist::test::bytes_of("NO"));
    auto dump = raw_exchange(r.loop.ioc, r.port, bytes({0, 1, 100}));
    auto parsed = epmd::parse_names_resp(dump);
    REQUIRE(parsed);
    REQUIRE(parsed->nodes.size() == 1);
    CHECK(parsed->nodes[0].first == "k");
    CHECK(r.has("k"));
    close_on(r.loop.ioc, reg->socket);
  }

  TEST_CASE("epmd_server: listening on a port in use fails") {
    server_rig r;
    // Another listener on the same port: refused (epmd would be there already).
    net::io_context other;
    auto again = epmd::server::listen(other.get_executor(), r.port);
    REQUIRE(!again);
    CHECK(again.error() == net::error::address_in_use);
  }

  TEST_CASE("epmd_server: listens on IPv6 as well when the host has it") {
    // The contract is "every address, as epmd does" (epmd_srv.c binds IPv4 and IPv6
    // any): a node using inet6_tcp dials EPMD at ::1.
    {
      net::io_context probe;
      tcp::acceptor v6(probe);
      error_code ec;
      v6.open(tcp::v6(), ec);
      if (!ec) v6.bind(tcp::endpoint(net::ip::address_v6::loopback(), 0), ec);
      if (ec) return; // no IPv6 here: nothing to check
    }
    server_rig r;
    auto reg = register_node(r.loop.ioc, r.port, entry("six", 6666));
    REQUIRE(!reg->error);
    auto found = await(r.loop.ioc.get_executor(), [&]() -> net::awaitable<result<epmd::node_entry>> {
      co_return co_await epmd::async_port_please("::1", r.port, "six", timeout);
    });
    REQUIRE_MESSAGE(found, "port_please over ::1: " << found.error().message());
    CHECK(found->port == 6666);
    close_on(r.loop.ioc, reg->socket);
  }

  TEST_CASE("epmd_server: stop drops every registration") {
    server_rig r;
    auto reg = register_node(r.loop.ioc, r.port, entry("s", 1));
    REQUIRE(!reg->error);
    r.server->stop();
    CHECK(peer_closed(r.loop.ioc, reg->socket));
    CHECK(eventually([&] { return r.server->nodes().empty(); }));
    auto listed = names(r.loop.ioc, r.port);
    CHECK(!listed);
  }

  TEST_CASE("epmd_server: release hands back the descriptors, which a successor adopts") {
    server_rig r;
    auto ours = register_node(r.loop.ioc, r.port, entry("self", 5000));
    auto theirs = register_node(r.loop.ioc, r.port, entry("beam", 5001));
    REQUIRE(!ours->error);
    REQUIRE(!theirs->error);

    auto [listen_fd, regs] = r.server->release("self");
    CHECK(listen_fd >= 0);
    REQUIRE(regs.size() == 1);
    CHECK(regs[0].fd >= 0);
    CHECK(regs[0].entry.name == "beam");
    CHECK(regs[0].entry.port == 5001);
    CHECK(regs[0].creation == theirs->creation);
    CHECK(r.server->nodes().empty());
    // Our own registration is closed; the other node's connection is not.
    CHECK(peer_closed(r.loop.ioc, ours->socket));

    // The successor serves the same port and the adopted registration.
    auto next = epmd::server::adopt(r.loop.ioc.get_executor(), listen_fd, regs);
    REQUIRE(next);
    std::atomic<int> empties{0};
    (*next)->on_empty([&] { ++empties; });
    (*next)->start();
    CHECK((*next)->port() == r.port);
    auto found = port_please(r.loop.ioc, r.port, "beam");
    REQUIRE(found);
    CHECK(found->port == 5001);
    CHECK(port_please(r.loop.ioc, r.port, "self").error() == error::epmd_no_such_node);

    // The adopted registration still ends when its node closes the connection.
    close_on(r.loop.ioc, theirs->socket);
    REQUIRE(eventually([&] { return (*next)->nodes().empty(); }));
    CHECK(eventually([&] { return empties == 1; }));
    (*next)->stop();
  }
}

TEST_SUITE("dist") {
  TEST_CASE("epmd_client: an EPMD that never answers times out") {
    io loop;
    tcp::acceptor mute(loop.ioc, tcp::endpoint(net::ip::make_address(localhost), 0));
    auto const port = mute.local_endpoint().port();
    tcp::socket held(loop.ioc);
    std::thread t([&] { mute.accept(held); });
    // A test of the EPMD timeout, scaled down to 20 ms.
    auto r = await(loop.ioc.get_executor(), [port]() -> net::awaitable<result<epmd::names_reply>> {
      co_return co_await epmd::async_names(localhost, port, 20ms);
    });
    t.join();
    CHECK(r.error() == error::setup_timeout);
  }

  TEST_CASE("epmd_client: nothing listening is a connection error") {
    io loop;
    std::uint16_t port = 0;
    {
      tcp::acceptor probe(loop.ioc, tcp::endpoint(net::ip::make_address(localhost), 0));
      port = probe.local_endpoint().port();
    } // closed again: nothing listens there now
    auto r = port_please(loop.ioc, port, "x");
    CHECK(!r);
    CHECK(r.error() != error::epmd_no_such_node);
    auto reg = register_node(loop.ioc, port, entry("x", 1));
    CHECK(reg->error);
  }

  TEST_CASE("epmd_client: malformed replies are epmd_bad_reply") {
    io loop;
    tcp::acceptor acc(loop.ioc, tcp::endpoint(net::ip::make_address(localhost), 0));
    auto const port = acc.local_endpoint().port();
    // Serves one connection: reads the request, answers `reply`, closes.
    auto serve_once = [&](std::vector<std::byte> reply) {
      return std::thread([&acc, reply] {
        tcp::socket s(acc.get_executor());
        acc.accept(s);
        std::array<std::byte, 512> buf;
        error_code ec;
        s.read_some(net::buffer(buf), ec);
        net::write(s, net::buffer(reply), ec);
        s.shutdown(tcp::socket::shutdown_both, ec);
      });
    };
    {
      auto t = serve_once(bytes({118, 0, 0})); // a cut ALIVE2_X_RESP, then EOF
      auto reg = register_node(loop.ioc, port, entry("x", 1));
      t.join();
      CHECK(reg->error == error::epmd_bad_reply);
    }
    {
      auto t = serve_once(bytes({'H', 'T', 'T', 'P'}));
      auto reg = register_node(loop.ioc, port, entry("x", 1));
      t.join();
      CHECK(reg->error == error::epmd_bad_reply);
    }
    {
      auto t = serve_once(bytes({119, 0, 0x10}));
      auto r = port_please(loop.ioc, port, "x");
      t.join();
      CHECK(r.error() == error::epmd_bad_reply);
    }
    {
      auto t = serve_once(bytes({0, 0}));
      auto r = names(loop.ioc, port);
      t.join();
      CHECK(r.error() == error::epmd_bad_reply);
    }
  }
}
