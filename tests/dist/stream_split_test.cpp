// The handshake, the EPMD client exchanges and the connection's packet reader against a
// scripted peer on Beast's test stream: the input whole, one byte at a time, in random
// chunks (several fixed seeds), and with the N-th I/O operation failing for every N until
// the exchange gets through. Every split must give exactly the unsplit result, and every
// failure must end the exchange with that failure: no crash, no hang, nothing half-read
// reported, nothing written that the unsplit run does not write.
#include "dist/epmd_io.hpp"
#include "dist/frame_reader.hpp"
#include "dist/setup_io.hpp"

#include <enode/dist/epmd.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/dist/packet.hpp>
#include <enode/term/print.hpp>

#include "dist/test_util.hpp"

#include <boost/beast/_experimental/test/fail_count.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dist = enode::dist;
namespace hs = enode::dist::handshake;
namespace epmd = enode::dist::epmd;
namespace flags = enode::dist::flags;
namespace term = enode::term;
namespace beast = boost::beast;
namespace net = enode::net;
using dist::error;
using dist::test::append;
using dist::test::bytes;
using enode::error_code;
using enode::result;
using namespace std::chrono_literals;
using test_stream = beast::test::stream;

namespace {

// --- the harness ---------------------------------------------------------------------------------

/// A test stream whose every read and write moves at most a random number of bytes.
class random_chunks {
public:
  using executor_type = test_stream::executor_type;
  random_chunks(test_stream& s, std::uint32_t seed, std::size_t max_chunk) : s_(s), rng_(seed), pick_(1, max_chunk) {}
  executor_type get_executor() noexcept { return s_.get_executor(); }
  template <class MutableBuffers, class Token>
  auto async_read_some(MutableBuffers const& b, Token&& token) {
    s_.read_size(pick_(rng_));
    return s_.async_read_some(b, std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(ConstBuffers const& b, Token&& token) {
    s_.write_size(pick_(rng_));
    return s_.async_write_some(b, std::forward<Token>(token));
  }
  void close() { s_.close(); }

private:
  test_stream& s_;
  std::mt19937 rng_;
  std::uniform_int_distribution<std::size_t> pick_;
};

enum class split { whole, one_byte, random };

struct run_options {
  split how = split::whole;
  std::uint32_t seed = 0;
  std::size_t max_chunk = 16;   ///< for split::random
  std::size_t fail_at = 0;      ///< the I/O operation that fails (1-based); 0: none
  bool end_after_script = true; ///< the peer closes after its script (EPMD's ALIVE2 does not)
};

/// How a run ended: what the exchange reported (event lines, then its result on the
/// last line) and what reached the peer.
struct outcome {
  std::string result;
  std::vector<std::byte> sent;
  bool done = false;
};

std::string describe(error_code ec) {
  return "error " + std::string(ec.category().name()) + ':' + std::to_string(ec.value()) + " (" + ec.message() + ')';
}

std::string const& test_failure() {
  static std::string const s = describe(error_code(beast::test::error::test_failure));
  return s;
}

/// Runs `exchange` (a generic lambda taking the stream, returning awaitable<string>) on
/// our end of a test stream pair whose input is `script`, to the end.
template <class Exchange>
outcome run(Exchange const& exchange, std::vector<std::byte> const& script, run_options o) {
  net::io_context ioc;
  beast::test::fail_count fc(o.fail_at ? o.fail_at : std::numeric_limits<std::size_t>::max());
  test_stream ours(ioc, fc), peer(ioc);
  ours.connect(peer);
  ours.append({reinterpret_cast<char const*>(script.data()), script.size()});
  if (o.end_after_script) ours.close_remote(); // the peer's end of stream after the script
  if (o.how == split::one_byte) {
    ours.read_size(1);
    ours.write_size(1);
  }
  outcome out;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        if (o.how == split::random) {
          random_chunks chunks(ours, o.seed, o.max_chunk);
          out.result = co_await exchange(chunks);
        } else {
          out.result = co_await exchange(ours);
        }
      },
      [&](std::exception_ptr e) {
        out.done = true;
        if (e) out.result = "an exception";
      });
  ioc.run(); // to the end: the exchange has no timer left once it is done
  auto const got = peer.str();
  out.sent = dist::test::bytes_of(std::string_view(got.data(), got.size()));
  return out;
}

/// Runs `exchange` over `script` in every split and with a failure at every step.
template <class Exchange>
void check_every_split(Exchange const& exchange, std::vector<std::byte> const& script, std::string const& expected,
                       std::vector<std::byte> const& expected_sent, run_options base = {}) {
  auto const whole = run(exchange, script, base);
  REQUIRE(whole.done);
  CHECK(whole.result == expected);
  CHECK(whole.sent == expected_sent);

  auto same = [&](outcome const& r) {
    REQUIRE(r.done);
    CHECK(r.result == whole.result);
    CHECK(r.sent == whole.sent);
  };
  {
    INFO("one byte at a time");
    auto o = base;
    o.how = split::one_byte;
    same(run(exchange, script, o));
  }
  for (std::uint32_t seed = 1; seed <= 16; ++seed) {
    INFO("random chunks, seed " << seed);
    auto o = base;
    o.how = split::random;
    o.seed = seed;
    same(run(exchange, script, o));
  }
  for (auto how : {split::whole, split::one_byte}) {
    std::string const reads = how == split::whole ? "whole reads" : "one byte at a time";
    INFO(reads << ", the N-th operation failing");
    std::size_t n = 1;
    for (;; ++n) {
      CAPTURE(n);
      REQUIRE(n < 100000);
      auto o = base;
      o.how = how;
      o.fail_at = n;
      auto const r = run(exchange, script, o);
      REQUIRE(r.done);
      auto const cut = r.result.rfind('\n') + 1; // 0 without event lines
      if (r.result.substr(cut) != test_failure()) {
        same(r); // past the last operation: nothing failed
        break;
      }
      // What came before the failure is what the unsplit run saw and wrote first.
      CHECK(whole.result.starts_with(r.result.substr(0, cut)));
      REQUIRE(r.sent.size() <= whole.sent.size());
      CHECK(std::equal(r.sent.begin(), r.sent.end(), whole.sent.begin()));
    }
    CHECK(n > 1); // it did fail at every operation before that
  }
}

// --- the handshake -------------------------------------------------------------------------------

constexpr std::uint32_t our_challenge = 0xA11CE, their_challenge = 4321;

dist::local_identity alice() { return {"alice@localhost", flags::ours | flags::published, 11, "secret"}; }
dist::local_identity bob() { return {"bob@localhost", flags::ours, 22, "secret"}; }

std::string describe(result<dist::peer_identity> const& r) {
  if (!r) return describe(r.error());
  return "peer " + r->name + " flags " + std::to_string(r->flags) + " creation " + std::to_string(r->creation);
}

std::string identity_of(dist::local_identity const& i) {
  return describe(result<dist::peer_identity>(dist::peer_identity{i.name, flags::expand(i.flags), i.creation}));
}

std::vector<std::byte> concat(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> out;
  for (auto const& p : parts) append(out, p);
  return out;
}

// Alice dials bob, with our_challenge as hers.
auto const connect_as_alice = [](auto& s) -> net::awaitable<std::string> {
  auto const self = alice();
  std::function<bool()> const wanted;
  auto r = co_await dist::setup_io::async_connect(s, self, "bob@localhost", 5s, wanted, our_challenge);
  co_return describe(r);
};

// Bob accepts alice, answering `status`, with our_challenge as his.
auto accept_as_bob(dist::status status) {
  return [status](auto& s) -> net::awaitable<std::string> {
    auto const self = bob();
    dist::accept_status const decide = [status](dist::peer_identity const&) { return status; };
    auto r = co_await dist::setup_io::async_accept(s, self, decide, 5s, our_challenge);
    co_return describe(r);
  };
}

// --- EPMD ----------------------------------------------------------------------------------------

epmd::node_entry entry(std::string name, std::uint16_t port) {
  epmd::node_entry e;
  e.name = std::move(name);
  e.port = port;
  e.extra = "xy";
  return e;
}

auto const register_enode = [](auto& s) -> net::awaitable<std::string> {
  auto const e = entry("enode", 4370);
  auto r = co_await dist::epmd_io::async_alive2(s, e, 5s);
  co_return r ? "creation " + std::to_string(*r) : describe(r.error());
};

auto const port_please_beam = [](auto& s) -> net::awaitable<std::string> {
  std::string const alive = "beam";
  auto r = co_await dist::epmd_io::async_port_please2(s, alive, 5s);
  if (!r) co_return describe(r.error());
  co_return "node " + r->name + " port " + std::to_string(r->port) + " type " + std::to_string(r->node_type) +
      " versions " + std::to_string(r->highest_version) + '-' + std::to_string(r->lowest_version) + " extra " +
      r->extra;
};

// --- the connection's packet reader -------------------------------------------------------------

// Records what the frame reader delivers, reading packets as the connection does
// (header mode, fragments), one line each.
struct recording_sink {
  dist::packet_reader reader{true};
  std::string log;
  std::size_t bytes = 0;
  bool on_read(std::size_t n) {
    bytes += n;
    return true;
  }
  void on_tick() { log += "tick\n"; }
  bool on_packet(std::span<std::byte const> packet, term::binary const* owner) {
    auto m = reader.read(packet, owner);
    if (!m) {
      log += "bad packet: " + describe(m.error()) + '\n';
      return false;
    }
    if (*m) {
      auto const& w = **m;
      log += "message " + term::to_string(w.control) + ' ' + (w.payload ? term::to_string(*w.payload) : "-") + '\n';
    }
    return true;
  }
};

auto read_packets(std::size_t max_packet) {
  return [max_packet](auto& s) -> net::awaitable<std::string> {
    recording_sink sink;
    auto const ec = co_await dist::frame_io::async_read_packets(s, sink, max_packet, 256);
    if (ec == net::error::eof) sink.log += "read " + std::to_string(sink.bytes) + " bytes\n";
    co_return sink.log + describe(ec);
  };
}

term::value pid_of(std::uint32_t id, std::string_view node) {
  return term::value(term::pid{term::atom(node), id, 0, 1});
}

// SEND_SENDER {22, From, To} and its payload.
std::pair<term::value, term::value> send_sender(std::uint32_t from, term::value payload) {
  return {term::tuple_of({22, pid_of(from, "bob@localhost"), pid_of(2, "alice@localhost")}), std::move(payload)};
}

std::vector<std::byte> ticks(std::size_t n) { return std::vector<std::byte>(4 * n, std::byte{0}); }

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("stream split: the initiator's handshake gives one result in every split and fails cleanly at every step") {
    auto const status_ok = hs::encode_status("ok");
    auto const challenge = hs::encode(hs::challenge{bob().flags, their_challenge, 22, "bob@localhost"});
    auto const ack = hs::encode(hs::challenge_ack{*hs::digest(our_challenge, "secret")});
    auto const send_name = hs::encode(hs::send_name{alice().flags, 11, "alice@localhost"});
    auto const reply = hs::encode(hs::challenge_reply{our_challenge, *hs::digest(their_challenge, "secret")});
    SUBCASE("ok") {
      check_every_split(connect_as_alice, concat({status_ok, challenge, ack}), identity_of(bob()),
                        concat({send_name, reply}));
    }
    SUBCASE("alive, answered true") {
      check_every_split(connect_as_alice, concat({hs::encode_status("alive"), challenge, ack}), identity_of(bob()),
                        concat({send_name, hs::encode_status("true"), reply}));
    }
    SUBCASE("an ack with the wrong digest") {
      auto const bad_ack = hs::encode(hs::challenge_ack{*hs::digest(our_challenge, "wrong")});
      check_every_split(connect_as_alice, concat({status_ok, challenge, bad_ack}),
                        describe(make_error_code(error::bad_digest)), concat({send_name, reply}));
    }
    SUBCASE("the peer hangs up before its challenge") {
      check_every_split(connect_as_alice, status_ok, describe(make_error_code(net::error::eof)), send_name);
    }
  }

  TEST_CASE("stream split: the acceptor's handshake gives one result in every split and fails cleanly at every step") {
    auto const send_name = hs::encode(hs::send_name{alice().flags, 11, "alice@localhost"});
    auto const reply = hs::encode(hs::challenge_reply{their_challenge, *hs::digest(our_challenge, "secret")});
    auto const challenge = hs::encode(hs::challenge{bob().flags, our_challenge, 22, "bob@localhost"});
    auto const ack = hs::encode(hs::challenge_ack{*hs::digest(their_challenge, "secret")});
    SUBCASE("ok") {
      check_every_split(accept_as_bob(dist::status::ok), concat({send_name, reply}), identity_of(alice()),
                        concat({hs::encode_status("ok"), challenge, ack}));
    }
    SUBCASE("alive, answered true") {
      check_every_split(accept_as_bob(dist::status::alive), concat({send_name, hs::encode_status("true"), reply}),
                        identity_of(alice()), concat({hs::encode_status("alive"), challenge, ack}));
    }
    SUBCASE("a reply with the wrong cookie's digest") {
      auto const bad = hs::encode(hs::challenge_reply{their_challenge, *hs::digest(our_challenge, "wrong")});
      check_every_split(accept_as_bob(dist::status::ok), concat({send_name, bad}),
                        describe(make_error_code(error::bad_digest)), concat({hs::encode_status("ok"), challenge}));
    }
    SUBCASE("a frame of junk first") {
      check_every_split(accept_as_bob(dist::status::ok), bytes({0, 5, 'x', 1, 2, 3, 4}),
                        describe(make_error_code(error::bad_message)), {});
    }
  }

  TEST_CASE(
      "stream split: EPMD registration (ALIVE2) gives one result in every split and fails cleanly at every step") {
    auto const req = epmd::encode_alive2_req(entry("enode", 4370));
    run_options open; // EPMD keeps the registration connection open
    open.end_after_script = false;
    SUBCASE("ALIVE2_X_RESP") {
      check_every_split(register_enode, epmd::encode_alive2_x_resp(true, 0x6553F100u), "creation 1700000000", req,
                        open);
    }
    SUBCASE("the legacy ALIVE2_RESP") {
      check_every_split(register_enode, bytes({121, 0, 0x12, 0x34}), "creation 4660", req, open);
    }
    SUBCASE("a duplicate name") {
      check_every_split(register_enode, epmd::encode_alive2_x_resp(false, 0),
                        describe(make_error_code(error::epmd_duplicate_name)), req, open);
    }
    SUBCASE("EPMD hanging up mid-reply") {
      check_every_split(register_enode, bytes({118, 0, 0}), describe(make_error_code(error::epmd_bad_reply)), req);
    }
  }

  TEST_CASE("stream split: EPMD PORT_PLEASE2 gives one result in every split and fails cleanly at every step") {
    auto const req = epmd::encode_port_please2_req("beam");
    SUBCASE("found") {
      auto const e = entry("beam", 34567);
      check_every_split(port_please_beam, epmd::encode_port2_resp(&e),
                        "node beam port 34567 type 77 versions 6-6 extra xy", req);
    }
    SUBCASE("not found") {
      check_every_split(port_please_beam, epmd::encode_port2_resp(nullptr),
                        describe(make_error_code(error::epmd_no_such_node)), req);
    }
    SUBCASE("a truncated reply") {
      auto const e = entry("beam", 34567);
      auto cut = epmd::encode_port2_resp(&e);
      cut.resize(10); // in the middle of the versions
      check_every_split(port_please_beam, cut, describe(make_error_code(error::epmd_bad_reply)), req);
    }
  }

  TEST_CASE(
      "stream split: the connection's packet reader gives one result in every split and fails cleanly at every step") {
    // Header mode with fragments, a 256-byte read buffer: ticks, small messages, one
    // message larger than the buffer (read into a binary of its own), and a message in
    // 64-byte fragments with another sender's message between its fragments.
    dist::packet_writer const writer(true, true, 64);
    auto const [c1, p1] = send_sender(1, term::atom("hello"));
    auto const [c2, p2] = send_sender(2, term::binary_of(std::string(400, 'L')));
    auto const [c3, p3] = send_sender(3, term::tuple_of({term::atom("frag"), term::binary_of(std::string(200, 'f'))}));
    auto const [c4, p4] = send_sender(4, term::atom("between"));
    std::vector<std::byte> wire = ticks(1);
    writer.write(c1, &p1, wire);
    append(wire, ticks(2));
    auto const big_at = wire.size();
    writer.write(c2, &p2, wire);
    REQUIRE(wire.size() - big_at > 4 + 256); // larger than the read buffer
    auto fragmented = writer.make(c3, &p3, 7);
    REQUIRE(fragmented.remaining() > 3);
    fragmented.take(wire);
    writer.write(c4, &p4, wire);
    while (!fragmented.done()) fragmented.take(wire);
    append(wire, ticks(1));

    auto message = [](term::value const& c, term::value const& p) {
      return "message " + term::to_string(c) + ' ' + term::to_string(p) + '\n';
    };
    std::string const delivered =
        "tick\n" + message(c1, p1) + "tick\ntick\n" + message(c2, p2) + message(c4, p4) + message(c3, p3) + "tick\n";
    run_options o;
    o.max_chunk = 300;
    SUBCASE("to the peer's end of stream") {
      check_every_split(read_packets(1 << 20), wire,
                        delivered + "read " + std::to_string(wire.size()) + " bytes\n" +
                            describe(make_error_code(net::error::eof)),
                        {}, o);
    }
    SUBCASE("a packet over the limit") {
      std::string const before = "tick\n" + message(c1, p1) + "tick\ntick\n";
      check_every_split(read_packets(300), wire, before + describe(make_error_code(error::too_large)), {}, o);
    }
    SUBCASE("the peer hanging up inside the large packet") {
      auto cut = std::vector<std::byte>(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(big_at + 300));
      std::string const before = "tick\n" + message(c1, p1) + "tick\ntick\n";
      check_every_split(read_packets(1 << 20), cut,
                        before + "read " + std::to_string(cut.size()) + " bytes\n" +
                            describe(make_error_code(net::error::eof)),
                        {}, o);
    }
  }
}
