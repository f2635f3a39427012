#include <enode/node/metrics.hpp>

#include "node/test_util.hpp"

#include <thread>

namespace enode::node_test {

namespace {

// GET `path` from 127.0.0.1:`port`: the status code, 0 when the server cannot be reached.
int http_status(std::uint16_t port, std::string const& path) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return 0;
  std::string const req = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req), ec);
  char buf[64] = {};
  auto n = s.read_some(boost::asio::buffer(buf), ec);
  std::string head(buf, n);
  return head.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(head.c_str() + 9) : 0;
}

} // namespace

TEST_SUITE("node") {

  TEST_CASE("node metrics: counters of the runtime and of the distribution, per peer") {
    node::node a(opts("met_a"));
    node::node b(opts("met_b"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    REQUIRE(a.ping(b.name()));
    auto m = a.metrics();
    CHECK(m.node == a.name());
    CHECK(m.runtime.processes > 0);
    CHECK(m.schedulers == 2);
    CHECK(m.connections == 1);
    CHECK(m.connects == 1);
    REQUIRE(m.peers.size() == 1);
    CHECK(m.peers[0].node == b.name());
    CHECK(m.peers[0].connected);
    CHECK(m.peers[0].messages_out > 0);
    CHECK(m.peers[0].bytes_in > 0);
    CHECK(m.resident_bytes > 0);
    // Counts of a connection outlive it.
    auto const before = m.peers[0].messages_out;
    REQUIRE(a.disconnect(b.name()));
    // Down once the node has counted it (the connection is closed before on_down runs).
    REQUIRE(eventually([&] {
      auto x = a.metrics();
      return x.connections == 0 && x.disconnects > 0;
    }));
    auto after = a.metrics();
    CHECK(after.disconnects == 1);
    REQUIRE(after.peers.size() == 1);
    CHECK(!after.peers[0].connected);
    CHECK(after.peers[0].messages_out >= before);
    b.stop();
    a.stop();
  }

  TEST_CASE("node metrics: /health is 200 while the node runs and 503 while it stops, and stop ends the clients") {
    auto o = opts("met_http");
    o.http = http::server_options{};
    o.shutdown_grace = std::chrono::seconds(5); // a process below holds the stop up that long
    node::node n(o);
    REQUIRE(n.start());
    REQUIRE(n.http_port() != 0);
    CHECK(http_status(n.http_port(), "/health") == 200);
    CHECK(http_status(n.http_port(), "/metrics") == 200);
    // A process that ignores the shutdown keeps the node stopping until the grace ends.
    std::promise<void> trapping;
    REQUIRE(n.system().spawn([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      trapping.set_value();
      for (;;) (void)co_await self.receive();
    }));
    trapping.get_future().wait();
    auto const port = n.http_port();
    // An event stream and an idle keep-alive connection, open across the stop: it ends them.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket events(ioc), idle(ioc);
    events.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    idle.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    std::string const req = "GET /events HTTP/1.1\r\nHost: t\r\n\r\n";
    boost::asio::write(events, boost::asio::buffer(req));
    std::string got;
    char buf[512];
    while (got.find("event: stats") == std::string::npos) got.append(buf, events.read_some(boost::asio::buffer(buf)));
    std::thread stopper([&] { n.stop(); });
    CHECK(eventually([&] { return http_status(port, "/health") == 503; }));
    stopper.join();
    boost::system::error_code ec;
    while (!ec) (void)events.read_some(boost::asio::buffer(buf), ec); // closed by the stop
    (void)idle.read_some(boost::asio::buffer(buf), ec);
    CHECK(ec);
  }
}

} // namespace enode::node_test
