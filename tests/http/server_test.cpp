#include <enode/http/server.hpp>

#include "http/request_parts.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

namespace enode::http {

namespace {

using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A server on loopback with a few routes, run by a thread of its own.
struct fixture {
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work{ioc.get_executor()};
  std::unique_ptr<server> srv;
  std::thread runner;

  explicit fixture(server_options o = {}) {
    router r;
    r.get("/hello", [](request const& q) -> net::awaitable<response> {
      auto who = q.query.count("who") ? q.query.at("who") : std::string("world");
      co_return response::text(200, "hello " + who + "\n");
    });
    r.get("/items/",
          [](request const& q) -> net::awaitable<response> { co_return response::json(200, "\"" + q.path + "\""); });
    r.get("/health", [](request const&) -> net::awaitable<response> { co_return response::text(200, "ok\n"); });
    r.get("/fail", [](request const&) -> net::awaitable<response> {
      throw std::runtime_error("route failed");
      co_return response::text(200, "");
    });
    r.get("/events", [](request const&) -> net::awaitable<response> {
      response out;
      out.stream = event_stream{10ms, [n = 0]() mutable { return "data: " + std::to_string(++n) + "\n\n"; }};
      co_return out;
    });
    srv = std::make_unique<server>(ioc, std::move(o), std::move(r));
    REQUIRE(srv->start());
    runner = std::thread([this] { ioc.run(); });
  }
  ~fixture() {
    srv->stop();
    work.reset();
    runner.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_ioc);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv->port()));
    return s;
  }
  // Sends `raw` and reads until the server closes or a whole response with its body came.
  std::string exchange(std::string const& raw) {
    auto s = connect();
    net::write(s, net::buffer(raw));
    return read_response(s);
  }
  static std::string read_response(tcp::socket& s) {
    std::string got;
    char buf[4096];
    for (;;) {
      error_code ec;
      auto n = s.read_some(net::buffer(buf), ec);
      got.append(buf, n);
      if (ec) return got;
      auto head_end = got.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      auto cl = got.find("Content-Length: ");
      if (cl == std::string::npos || cl > head_end) continue;
      auto len = std::stoul(got.substr(cl + 16));
      if (got.size() >= head_end + 4 + len) return got;
    }
  }
  net::io_context client_ioc;
};

std::string get(std::string const& target, std::string const& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "Connection: close\r\n\r\n";
}

bool status_is(std::string const& response, int code) {
  return response.rfind("HTTP/1.1 " + std::to_string(code) + " ", 0) == 0;
}

} // namespace

TEST_SUITE("http") {

  TEST_CASE("http: targets split into a decoded path and query parameters") {
    std::string path;
    std::map<std::string, std::string> q;
    REQUIRE(split_target("/api/processes/%3C0.10.0%3E?sort=mq&limit=5&x=a+b&flag", path, q));
    CHECK(path == "/api/processes/<0.10.0>");
    CHECK(q.at("sort") == "mq");
    CHECK(q.at("limit") == "5");
    CHECK(q.at("x") == "a b");
    CHECK(q.at("flag") == "");
    CHECK(!split_target("http://host/x", path, q));
    CHECK(!split_target("/bad%zz", path, q));
    CHECK(!split_target("/cut%4", path, q));
  }

  TEST_CASE("http: --http takes ADDRESS:PORT, [V6]:PORT, and refuses the rest") {
    auto a = parse_listen("127.0.0.1:9100");
    REQUIRE(a);
    CHECK(a->address == "127.0.0.1");
    CHECK(a->port == 9100);
    auto b = parse_listen("[::1]:80");
    REQUIRE(b);
    CHECK(b->address == "::1");
    CHECK(!parse_listen("localhost:80")); // an address, not a name
    CHECK(!parse_listen("127.0.0.1:"));
    CHECK(!parse_listen("127.0.0.1:65536"));
    CHECK(!parse_listen("127.0.0.1:8x"));
  }

  TEST_CASE("http: bearer tokens, in the header or the query, compared whole") {
    request r;
    CHECK(!authorized(r, "s3cret"));
    r.headers["authorization"] = "Bearer s3cret";
    CHECK(authorized(r, "s3cret"));
    r.headers["authorization"] = "Bearer s3cre";
    CHECK(!authorized(r, "s3cret"));
    r.headers.clear();
    r.query["access_token"] = "s3cret";
    CHECK(authorized(r, "s3cret"));
    r.query["access_token"] = "s3cretX";
    CHECK(!authorized(r, "s3cret"));
  }

  TEST_CASE("http: routes answer, unknown paths are 404, other methods 405, a failing route 500") {
    fixture f;
    auto ok = f.exchange(get("/hello?who=enode"));
    CHECK(status_is(ok, 200));
    CHECK(ok.find("hello enode\n") != std::string::npos);
    auto prefix = f.exchange(get("/items/a%20b"));
    CHECK(prefix.find("\"/items/a b\"") != std::string::npos);
    CHECK(status_is(f.exchange(get("/nope")), 404));
    CHECK(status_is(f.exchange("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), 405));
    CHECK(status_is(f.exchange(get("/fail")), 500));
  }

  TEST_CASE("http: keep-alive serves several requests on one connection") {
    fixture f;
    auto s = f.connect();
    for (int i = 0; i < 3; ++i) {
      std::string const req = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
      net::write(s, net::buffer(req));
      CHECK(status_is(fixture::read_response(s), 200));
    }
  }

  TEST_CASE("http: what a client may send is bounded: 400, 431, 413") {
    fixture f;
    CHECK(status_is(f.exchange("NOT HTTP AT ALL\r\n\r\n"), 400));
    CHECK(status_is(f.exchange(get("/hello", "X-Big: " + std::string(10000, 'a') + "\r\n")), 431));
    std::string many;
    for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    CHECK(status_is(f.exchange(get("/hello", many)), 431));
    CHECK(status_is(f.exchange("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"), 413));
    // The server still answers others.
    CHECK(status_is(f.exchange(get("/hello")), 200));
  }

  TEST_CASE("http: a client that sends nothing, or stops mid-request, is dropped after the idle time") {
    // A test of time: the idle limit is what is tested (100 ms here).
    server_options o;
    o.limits.idle = 100ms;
    fixture f(o);
    auto silent = f.connect();
    CHECK(fixture::read_response(silent).empty()); // closed without a word
    auto slow = f.connect();
    std::string const part = "GET /hello HTTP/1.1\r\nHo";
    net::write(slow, net::buffer(part));
    CHECK(fixture::read_response(slow).empty());
    CHECK(status_is(f.exchange(get("/hello")), 200));
  }

  TEST_CASE("http: past the connection limit new clients get 503, the others are served") {
    server_options o;
    o.limits.connections = 2;
    fixture f(o);
    auto a = f.connect();
    auto b = f.connect();
    // Both are held open; a third is refused once the server has counted them.
    std::string third;
    for (int i = 0; i < 200 && !status_is(third, 503); ++i) third = f.exchange(get("/hello"));
    CHECK(status_is(third, 503));
    std::string const req = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    net::write(a, net::buffer(req));
    CHECK(status_is(fixture::read_response(a), 200));
  }

  TEST_CASE("http: with a token, requests without it get 401, except /health") {
    server_options o;
    o.token = "t0ken";
    fixture f(o);
    CHECK(status_is(f.exchange(get("/hello")), 401));
    CHECK(status_is(f.exchange(get("/hello", "Authorization: Bearer wrong\r\n")), 401));
    CHECK(status_is(f.exchange(get("/hello", "Authorization: Bearer t0ken\r\n")), 200));
    CHECK(status_is(f.exchange(get("/hello?access_token=t0ken")), 200));
    CHECK(status_is(f.exchange(get("/health")), 200));
  }

  TEST_CASE("http: an event stream writes what its producer gives, event after event") {
    fixture f;
    auto s = f.connect();
    std::string const req = get("/events");
    net::write(s, net::buffer(req));
    std::string got;
    char buf[1024];
    while (got.find("data: 3\n\n") == std::string::npos) {
      error_code ec;
      auto n = s.read_some(net::buffer(buf), ec);
      REQUIRE(!ec);
      got.append(buf, n);
    }
    CHECK(got.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(got.find("data: 1\n\ndata: 2\n\ndata: 3\n\n") != std::string::npos);
  }
}

} // namespace enode::http
