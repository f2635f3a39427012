#include <enode/dist/setup.hpp>

#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>

#include "dist/test_util.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace dist = enode::dist;
namespace hs = enode::dist::handshake;
namespace flags = enode::dist::flags;
using dist::error;
using dist::test::bytes;
using dist::test::bytes_of;
using enode::error_code;
using enode::result;
namespace net = enode::net;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

using identity_result = std::optional<result<dist::peer_identity>>;

dist::local_identity alice() { return {"alice@localhost", flags::ours | flags::published, 11, "secret"}; }
dist::local_identity bob() { return {"bob@localhost", flags::ours, 22, "secret"}; }

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Raw peers: whole u16 frames in, bytes out.
net::awaitable<std::optional<std::vector<std::byte>>> read_frame(tcp::socket& s) {
  std::array<std::byte, 2> len{};
  auto [ec, n] = co_await net::async_read(s, net::buffer(len), net::as_tuple(net::use_awaitable));
  (void)n;
  if (ec) co_return std::nullopt;
  std::vector<std::byte> body(std::to_integer<std::size_t>(len[0]) << 8 | std::to_integer<std::size_t>(len[1]));
  auto [ec2, n2] = co_await net::async_read(s, net::buffer(body), net::as_tuple(net::use_awaitable));
  (void)n2;
  if (ec2) co_return std::nullopt;
  co_return body;
}

net::awaitable<void> write_all(tcp::socket& s, std::vector<std::byte> const& b) {
  auto [ec, n] = co_await net::async_write(s, net::buffer(b), net::as_tuple(net::use_awaitable));
  (void)ec, (void)n;
}

// One handshake between two loopback sockets: `a` dials, `b` accepts; either side may be
// replaced by a raw peer. Failed sides close their socket, as the node does.
struct rig {
  net::io_context ioc;
  tcp::socket a{ioc}, b{ioc};
  identity_result connected, accepted;
  std::chrono::milliseconds timeout = 5s;

  rig() {
    auto p = dist::test::socket_pair(ioc);
    a = std::move(p.first);
    b = std::move(p.second);
  }

  void connect(dist::local_identity self, std::string peer_name) {
    net::co_spawn(
        a.get_executor(),
        [this, self = std::move(self), peer_name = std::move(peer_name)]() -> net::awaitable<void> {
          auto r = co_await dist::async_handshake_connect(a, self, peer_name, timeout);
          if (!r) {
            error_code ignored;
            a.close(ignored);
          }
          connected.emplace(std::move(r));
        },
        rethrow);
  }

  void accept(dist::local_identity self, dist::accept_status status) {
    net::co_spawn(
        b.get_executor(),
        [this, self = std::move(self), status = std::move(status)]() -> net::awaitable<void> {
          auto r = co_await dist::async_handshake_accept(b, self, status, timeout);
          if (!r) {
            error_code ignored;
            b.close(ignored);
          }
          accepted.emplace(std::move(r));
        },
        rethrow);
  }

  // Runs until everything is done (bounded); returns how long it took.
  std::chrono::steady_clock::duration run() {
    auto const t0 = std::chrono::steady_clock::now();
    ioc.run_for(30s);
    auto const took = std::chrono::steady_clock::now() - t0;
    CHECK(ioc.stopped()); // everything finished well within the bound
    return took;
  }
};

dist::accept_status answer(dist::status s) {
  return [s](dist::peer_identity const&) { return s; };
}

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("setup: both roles complete with the same cookie and learn each other") {
    rig r;
    std::optional<dist::peer_identity> asked;
    r.connect(alice(), "bob@localhost");
    r.accept(bob(), [&](dist::peer_identity const& p) {
      asked = p;
      return dist::status::ok;
    });
    r.run();
    REQUIRE(r.connected);
    REQUIRE(r.accepted);
    REQUIRE(*r.connected);
    REQUIRE(*r.accepted);
    auto const& to_bob = **r.connected;
    CHECK(to_bob.name == "bob@localhost");
    CHECK(to_bob.flags == flags::expand(bob().flags));
    CHECK(to_bob.creation == 22);
    auto const& to_alice = **r.accepted;
    CHECK(to_alice.name == "alice@localhost");
    CHECK(to_alice.flags == flags::expand(alice().flags));
    CHECK(to_alice.creation == 11);
    REQUIRE(asked);
    CHECK(asked->name == "alice@localhost");
    CHECK(asked->creation == 11);
    // Both sockets stay open for the connection.
    CHECK(r.a.is_open());
    CHECK(r.b.is_open());
  }

  TEST_CASE("setup: the digest bit alone is expanded into the flags the peer is credited with") {
    rig r;
    auto lean = bob();
    lean.flags = flags::mandatory_25_digest | flags::unlink_id | flags::v4_nc | flags::dist_monitor;
    r.connect(alice(), "bob@localhost");
    r.accept(lean, answer(dist::status::ok));
    r.run();
    REQUIRE(*r.connected);
    REQUIRE(*r.accepted);
    CHECK((**r.connected).flags == (lean.flags | flags::mandatory_25));
  }

  TEST_CASE("setup: ok_simultaneous and alive continue the handshake") {
    for (auto status : {dist::status::ok_simultaneous, dist::status::alive}) {
      CAPTURE(dist::to_string(status));
      rig r;
      r.connect(alice(), "bob@localhost");
      r.accept(bob(), answer(status));
      r.run();
      REQUIRE(r.connected);
      REQUIRE(r.accepted);
      CHECK(*r.connected);
      CHECK(*r.accepted);
    }
  }

  TEST_CASE("setup: a wrong cookie fails with bad_digest at the acceptor") {
    rig r;
    auto other = bob();
    other.cookie = "not-secret";
    r.connect(alice(), "bob@localhost");
    r.accept(other, answer(dist::status::ok));
    r.run();
    REQUIRE(r.accepted);
    REQUIRE(r.connected);
    CHECK(r.accepted->error() == error::bad_digest);
    CHECK(!*r.connected); // the acceptor hung up on it, as a BEAM node does
    CHECK(r.connected->error() == error::challenge_refused);
  }

  TEST_CASE("setup: a wrong digest in the acceptor's ack fails with bad_digest at the initiator") {
    rig r;
    r.connect(alice(), "bob@localhost");
    net::co_spawn(
        r.ioc,
        [&]() -> net::awaitable<void> {
          auto name = co_await read_frame(r.b);
          REQUIRE(name);
          auto const ok = hs::encode_status("ok");
          co_await write_all(r.b, ok);
          auto const ch = hs::encode(hs::challenge{flags::ours, 1234, 22, "bob@localhost"});
          co_await write_all(r.b, ch);
          auto reply = co_await read_frame(r.b);
          REQUIRE(reply);
          auto rep = hs::parse_challenge_reply(*reply);
          REQUIRE(rep);
          CHECK(rep->digest == *hs::digest(1234, "secret")); // the initiator's digest is right
          auto const ack = hs::encode(hs::challenge_ack{*hs::digest(rep->challenge, "wrong")});
          co_await write_all(r.b, ack);
        },
        rethrow);
    r.run();
    REQUIRE(r.connected);
    CHECK(r.connected->error() == error::bad_digest);
  }

  TEST_CASE("setup: nok makes both sides give up with simultaneous_lost") {
    rig r;
    r.connect(alice(), "bob@localhost");
    r.accept(bob(), answer(dist::status::nok));
    r.run();
    CHECK(r.connected->error() == error::simultaneous_lost);
    CHECK(r.accepted->error() == error::simultaneous_lost);
  }

  TEST_CASE("setup: not_allowed makes both sides give up with not_allowed") {
    rig r;
    r.connect(alice(), "bob@localhost");
    r.accept(bob(), answer(dist::status::not_allowed));
    r.run();
    CHECK(r.connected->error() == error::not_allowed);
    CHECK(r.accepted->error() == error::not_allowed);
  }

  TEST_CASE("setup: after alive the initiator answers true") {
    rig r;
    r.connect(alice(), "bob@localhost");
    std::optional<std::string> answered;
    net::co_spawn(
        r.ioc,
        [&]() -> net::awaitable<void> {
          auto name = co_await read_frame(r.b);
          REQUIRE(name);
          auto const alive = hs::encode_status("alive");
          co_await write_all(r.b, alive);
          auto a = co_await read_frame(r.b);
          REQUIRE(a);
          auto text = hs::parse_status(*a);
          REQUIRE(text);
          answered = *text;
          error_code ignored;
          r.b.close(ignored);
        },
        rethrow);
    r.run();
    CHECK(answered == "true");
  }

  TEST_CASE("setup: an initiator answering false to alive leaves the acceptor with already_connected") {
    rig r;
    r.accept(bob(), answer(dist::status::alive));
    net::co_spawn(
        r.ioc,
        [&]() -> net::awaitable<void> {
          auto const name = hs::encode(hs::send_name{alice().flags, 11, "alice@localhost"});
          co_await write_all(r.a, name);
          auto st = co_await read_frame(r.a);
          REQUIRE(st);
          CHECK(*hs::parse_status(*st) == "alive");
          auto const no = hs::encode_status("false");
          co_await write_all(r.a, no);
        },
        rethrow);
    r.run();
    REQUIRE(r.accepted);
    CHECK(r.accepted->error() == error::already_connected);
  }

  TEST_CASE("setup: an initiator lacking mandatory flags is refused with not_allowed") {
    rig r;
    auto old = alice();
    old.flags = flags::mandatory_25 | flags::published; // OTP 25 without UNLINK_ID and V4_NC
    bool asked = false;
    r.connect(old, "bob@localhost");
    r.accept(bob(), [&](dist::peer_identity const&) {
      asked = true;
      return dist::status::ok;
    });
    r.run();
    CHECK(r.accepted->error() == error::missing_flags);
    CHECK(r.connected->error() == error::not_allowed);
    CHECK(!asked);
  }

  TEST_CASE("setup: an acceptor lacking mandatory flags is refused by the initiator") {
    rig r;
    auto old = bob();
    old.flags = flags::mandatory_25;
    r.connect(alice(), "bob@localhost");
    r.accept(old, answer(dist::status::ok));
    r.run();
    CHECK(r.connected->error() == error::missing_flags);
    CHECK(!*r.accepted);
  }

  TEST_CASE("setup: the initiator refuses an acceptor of another name") {
    rig r;
    r.connect(alice(), "carol@localhost");
    r.accept(bob(), answer(dist::status::ok));
    r.run();
    CHECK(r.connected->error() == error::name_mismatch);
    CHECK(!*r.accepted);
  }

  TEST_CASE("setup: the acceptor refuses malformed initiator names and NAME_ME") {
    SUBCASE("no host") {
      rig r;
      auto bad = alice();
      bad.name = "alice";
      r.connect(bad, "bob@localhost");
      r.accept(bob(), answer(dist::status::ok));
      r.run();
      CHECK(r.accepted->error() == error::bad_node_name);
      CHECK(r.connected->error() == error::not_allowed);
    }
    SUBCASE("dynamic name request") {
      rig r;
      auto dyn = alice();
      dyn.name = "localhost";
      dyn.flags |= flags::name_me;
      r.connect(dyn, "bob@localhost");
      r.accept(bob(), answer(dist::status::ok));
      r.run();
      CHECK(!*r.accepted);
      CHECK(r.connected->error() == error::not_allowed);
    }
  }

  TEST_CASE("setup: a silent acceptor makes the initiator fail with setup_timeout") {
    rig r;
    r.timeout = 20ms;                    // a test of the setup timeout, scaled down
    r.connect(alice(), "bob@localhost"); // nobody answers on b
    auto took = r.run();
    REQUIRE(r.connected);
    CHECK(r.connected->error() == error::setup_timeout);
    CHECK(took < 10s);
  }

  TEST_CASE("setup: a silent initiator makes the acceptor fail with setup_timeout") {
    rig r;
    r.timeout = 20ms; // a test of the setup timeout, scaled down
    r.accept(bob(), answer(dist::status::ok));
    auto took = r.run();
    REQUIRE(r.accepted);
    CHECK(r.accepted->error() == error::setup_timeout);
    CHECK(took < 10s);
  }

  TEST_CASE("setup: a peer that stalls mid-handshake is timed out") {
    rig r;
    r.timeout = 20ms; // a test of the setup timeout, scaled down
    r.connect(alice(), "bob@localhost");
    net::co_spawn(
        r.ioc,
        [&]() -> net::awaitable<void> {
          auto name = co_await read_frame(r.b);
          REQUIRE(name);
          auto const ok = hs::encode_status("ok");
          co_await write_all(r.b, ok);
          // ... and no challenge. Wait for the initiator to give up.
          auto more = co_await read_frame(r.b);
          CHECK(!more);
        },
        rethrow);
    r.run();
    CHECK(r.connected->error() == error::setup_timeout);
  }

  TEST_CASE("setup: an acceptor fed garbage fails cleanly") {
    struct row {
      char const* what;
      std::vector<std::byte> bytes;
      error_code expected;
    };
    std::vector<row> const rows = {
        {"a frame of junk", bytes({0, 5, 'x', 1, 2, 3, 4}), error::bad_message},
        {"an empty frame", bytes({0, 0}), error::bad_message},
        {"the legacy 'n'", bytes({0, 10, 'n', 0, 5, 0, 7, 0x7F, 0xBD, 'a', '@', 'b'}), error::bad_message},
        {"a short 'N'", bytes({0, 3, 'N', 0, 0}), error::bad_message},
        {"a challenge_reply first", bytes({0, 21, 'r', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
         error::bad_message},
    };
    for (auto const& row : rows) {
      CAPTURE(row.what);
      rig r;
      r.accept(bob(), answer(dist::status::ok));
      net::co_spawn(
          r.ioc, [&]() -> net::awaitable<void> { co_await write_all(r.a, row.bytes); }, rethrow);
      r.run();
      REQUIRE(r.accepted);
      CHECK(r.accepted->error() == row.expected);
    }
  }

  TEST_CASE("setup: an acceptor whose peer hangs up fails with the socket's error") {
    rig r;
    r.accept(bob(), answer(dist::status::ok));
    net::co_spawn(
        r.ioc,
        [&]() -> net::awaitable<void> {
          auto const part = bytes({0, 30, 'N', 0});
          co_await write_all(r.a, part);
          error_code ignored;
          r.a.close(ignored);
        },
        rethrow);
    r.run();
    REQUIRE(r.accepted);
    CHECK(!*r.accepted);
    CHECK(r.accepted->error() != error::setup_timeout);
  }

  TEST_CASE("setup: an initiator fed garbage fails cleanly") {
    struct row {
      char const* what;
      std::vector<std::byte> bytes;
    };
    std::vector<row> const rows = {
        {"an unknown status", hs::encode_status("maybe")},
        {"not a status", bytes({0, 3, 'q', 'o', 'k'})},
        {"ok, then a challenge of the wrong kind",
         [] {
           auto b = hs::encode_status("ok");
           dist::test::append(b, hs::encode(hs::challenge_ack{}));
           return b;
         }()},
        {"ok, then an empty frame",
         [] {
           auto b = hs::encode_status("ok");
           dist::test::append(b, bytes({0, 0}));
           return b;
         }()},
    };
    for (auto const& row : rows) {
      CAPTURE(row.what);
      rig r;
      r.connect(alice(), "bob@localhost");
      net::co_spawn(
          r.ioc,
          [&]() -> net::awaitable<void> {
            auto name = co_await read_frame(r.b);
            REQUIRE(name);
            co_await write_all(r.b, row.bytes);
          },
          rethrow);
      r.run();
      REQUIRE(r.connected);
      CHECK(r.connected->error() == error::bad_message);
    }
  }
}
