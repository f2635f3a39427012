#include <enode/dist/connection.hpp>

#include <enode/core/endian.hpp>
#include <enode/dist/error.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/print.hpp>

#include "dist/test_util.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dist = enode::dist;
namespace term = enode::term;
namespace flags = enode::dist::flags;
namespace endian = enode::endian;
using dist::error;
using dist::test::eventually;
using enode::error_code;
namespace net = enode::net;
using tcp = net::ip::tcp;
using term::atom;
using term::value;
using namespace std::chrono_literals;

namespace {

// A signal as the sink got it: a message's fields, or not a message.
struct received {
  bool is_send = false;
  dist::op code = dist::op::node_link;
  value from, to, message;
};

// Records what a connection reports.
struct recording_sink : dist::connection_sink {
  mutable std::mutex m;
  std::vector<received> messages;
  std::vector<error_code> downs;
  std::atomic<bool> wrong_connection{false};
  dist::connection const* expected = nullptr;

  void on_message(dist::connection& c, dist::control&& msg) override {
    if (expected && &c != expected) wrong_connection = true;
    received r;
    r.code = msg.code;
    if (auto* x = std::get_if<enode::signals::send>(&msg.signal)) r = {true, msg.code, x->from, x->to, x->message};
    std::lock_guard g(m);
    messages.push_back(std::move(r));
  }
  void on_down(dist::connection& c, error_code why) override {
    if (expected && &c != expected) wrong_connection = true;
    std::lock_guard g(m);
    downs.push_back(why);
  }
  std::size_t message_count() const {
    std::lock_guard g(m);
    return messages.size();
  }
  std::size_t down_count() const {
    std::lock_guard g(m);
    return downs.size();
  }
  std::vector<received> copy() const {
    std::lock_guard g(m);
    return messages;
  }
  error_code first_down() const {
    std::lock_guard g(m);
    return downs.empty() ? error_code{} : downs.front();
  }
};

// An io_context run by `threads` threads, started on demand.
struct io {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  void start(int n = 1) {
    for (int i = 0; i < n; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  // Stops running handlers: what is pending is destroyed with the io_context.
  void stop() {
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~io() { stop(); }
};

value pid_of(std::uint32_t id, std::string_view node = "a@localhost") { return value(term::pid{atom(node), id, 0, 1}); }

enode::signals::signal send_msg(value from, value to, value message) {
  return enode::signals::send{std::move(from), std::move(to), std::move(message)};
}

dist::peer_identity peer(std::string name, flags::type f = flags::ours) {
  return {std::move(name), flags::expand(f), 7};
}

// Runs `f` on `ex` and waits for it; everything posted there before runs first.
void on_strand(
    net::any_io_executor ex, std::function<void()> f = [] {}) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  net::post(ex, [f = std::move(f), done] {
    f();
    done->set_value();
  });
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
}

// A peer that is a bare socket: collects what arrives, writes what it is told.
struct raw_peer {
  tcp::socket s;
  mutable std::mutex m;
  std::vector<std::byte> received;
  bool ended = false;

  explicit raw_peer(tcp::socket sock) : s(std::move(sock)) {}

  void start_reading() {
    net::co_spawn(
        s.get_executor(),
        [this]() -> net::awaitable<void> {
          std::array<std::byte, 4096> chunk;
          for (;;) {
            auto [ec, n] = co_await s.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
            std::lock_guard g(m);
            received.insert(received.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
            if (ec) {
              ended = true;
              co_return;
            }
          }
        },
        net::detached);
  }
  void write(std::vector<std::byte> bytes) {
    auto b = std::make_shared<std::vector<std::byte>>(std::move(bytes));
    net::post(s.get_executor(), [this, b] { net::async_write(s, net::buffer(*b), [b](error_code, std::size_t) {}); });
  }
  // Writes `bytes` in `chunk`-sized pieces with `gap` between them.
  void trickle(std::vector<std::byte> bytes, std::size_t chunk, std::chrono::milliseconds gap) {
    auto b = std::make_shared<std::vector<std::byte>>(std::move(bytes));
    net::co_spawn(
        s.get_executor(),
        [this, b, chunk, gap]() -> net::awaitable<void> {
          net::steady_timer t(s.get_executor());
          for (std::size_t at = 0; at < b->size(); at += chunk) {
            auto const n = std::min(chunk, b->size() - at);
            auto [ec, w] =
                co_await net::async_write(s, net::buffer(b->data() + at, n), net::as_tuple(net::use_awaitable));
            (void)w;
            if (ec) co_return;
            t.expires_after(gap);
            auto [ec2] = co_await t.async_wait(net::as_tuple(net::use_awaitable));
            (void)ec2;
          }
        },
        net::detached);
  }
  void close() {
    on_strand(s.get_executor(), [this] {
      error_code ignored;
      s.close(ignored);
    });
  }
  bool has_ended() const {
    std::lock_guard g(m);
    return ended;
  }
  std::vector<std::byte> bytes() const {
    std::lock_guard g(m);
    return received;
  }
};

// The u32-framed packets in `stream`, ticks included (as empty packets).
std::vector<std::vector<std::byte>> packets_of(std::vector<std::byte> const& stream) {
  std::vector<std::vector<std::byte>> out;
  std::size_t pos = 0;
  while (stream.size() - pos >= 4) {
    std::size_t const n = endian::load_u32(stream.data() + pos);
    if (stream.size() - pos - 4 < n) break;
    out.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                     stream.begin() + static_cast<std::ptrdiff_t>(pos + 4 + n));
    pos += 4 + n;
  }
  return out;
}

// Two connections over a loopback pair: `a` is alice's end (talking to bob), `b` bob's.
struct pair_rig {
  recording_sink sink_a, sink_b;
  io loop;
  std::shared_ptr<dist::connection> a, b;
  net::any_io_executor strand_a, strand_b; // the connections' strands

  explicit pair_rig(dist::connection_options opts = {}, flags::type fa = flags::ours, flags::type fb = flags::ours) {
    auto [sa, sb] = dist::test::socket_pair(loop.ioc);
    strand_a = sa.get_executor();
    strand_b = sb.get_executor();
    a = std::make_shared<dist::connection>(std::move(sa), peer("bob@localhost", fb), fa, sink_a, opts);
    b = std::make_shared<dist::connection>(std::move(sb), peer("alice@localhost", fa), fb, sink_b, opts);
    sink_a.expected = a.get();
    sink_b.expected = b.get();
  }
  void start(int threads = 1) {
    a->start();
    b->start();
    loop.start(threads);
  }
  ~pair_rig() {
    if (!loop.threads.empty()) {
      a->close(make_error_code(error::closed));
      b->close(make_error_code(error::closed));
      CHECK(eventually([&] { return sink_a.down_count() >= 1 && sink_b.down_count() >= 1; }));
    }
    loop.stop();
  }
};

// One connection whose peer is a raw socket.
struct raw_rig {
  recording_sink sink;
  io loop;
  std::shared_ptr<dist::connection> c;
  std::unique_ptr<raw_peer> peer_end;
  net::any_io_executor strand; // the connection's

  explicit raw_rig(dist::connection_options opts = {}, flags::type peer_flags = flags::ours) {
    auto [sa, sb] = dist::test::socket_pair(loop.ioc);
    strand = sa.get_executor();
    c = std::make_shared<dist::connection>(std::move(sa), peer("bob@localhost", peer_flags), flags::ours, sink, opts);
    sink.expected = c.get();
    peer_end = std::make_unique<raw_peer>(std::move(sb));
  }
  void start() {
    c->start();
    peer_end->start_reading();
    loop.start();
  }
  ~raw_rig() {
    if (!loop.threads.empty()) {
      c->close(make_error_code(error::closed));
      CHECK(eventually([&] { return sink.down_count() >= 1; }));
    }
    loop.stop();
  }
};

std::vector<std::byte> packet_bytes(std::vector<std::byte> const& body) {
  std::vector<std::byte> out;
  out.reserve(4 + body.size()); // (also keeps GCC 12's -Warray-bounds from a false alarm)
  out.resize(4);
  endian::store_be(out.data(), static_cast<std::uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

value big_binary(std::size_t n, char fill) { return term::binary_of(std::string(n, fill)); }

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("connection: the shared flags are ours and the peer's intersection") {
    pair_rig r({}, flags::ours, flags::mandatory | flags::mandatory_25_digest);
    CHECK(r.a->flags() == (flags::ours & flags::expand(flags::mandatory | flags::mandatory_25_digest)));
    CHECK(r.a->peer_name() == "bob@localhost");
    CHECK(r.a->peer().creation == 7);
    CHECK(!r.a->closed());
  }

  TEST_CASE("connection: messages from one sender arrive in order, in both framing modes") {
    for (bool header : {true, false}) {
      CAPTURE(header);
      flags::type const f = header ? flags::ours : (flags::mandatory | flags::mandatory_25_digest | flags::send_sender);
      pair_rig r({}, f, f);
      r.start();
      auto const from = pid_of(1), to = pid_of(2, "bob@localhost");
      for (int i = 0; i < 300; ++i) CHECK(r.a->send(send_msg(from, to, term::tuple_of({atom("n"), i}))));
      REQUIRE(eventually([&] { return r.sink_b.message_count() == 300; }));
      auto got = r.sink_b.copy();
      for (int i = 0; i < 300; ++i) {
        CAPTURE(i);
        CHECK(got[static_cast<std::size_t>(i)].is_send);
        CHECK(got[static_cast<std::size_t>(i)].from == from);
        CHECK(got[static_cast<std::size_t>(i)].to == to);
        CHECK(got[static_cast<std::size_t>(i)].message == term::tuple_of({atom("n"), i}));
      }
      CHECK(r.a->stats().messages_out == 300);
      CHECK(r.b->stats().messages_in == 300);
      CHECK(r.b->stats().bytes_in == r.a->stats().bytes_out);
      CHECK(r.a->stats().writes >= 1);
      CHECK(r.sink_b.down_count() == 0);
      CHECK(!r.sink_b.wrong_connection);
    }
  }

  TEST_CASE("connection: both directions carry traffic at once") {
    pair_rig r;
    r.start(2);
    auto const pa = pid_of(1), pb = pid_of(2, "bob@localhost");
    std::thread t([&] {
      for (int i = 0; i < 200; ++i) r.b->send(send_msg(pb, pa, i));
    });
    for (int i = 0; i < 200; ++i) r.a->send(send_msg(pa, pb, i));
    t.join();
    REQUIRE(eventually([&] { return r.sink_a.message_count() == 200 && r.sink_b.message_count() == 200; }));
    auto ga = r.sink_a.copy(), gb = r.sink_b.copy();
    for (int i = 0; i < 200; ++i) {
      CHECK(ga[static_cast<std::size_t>(i)].message == value(i));
      CHECK(gb[static_cast<std::size_t>(i)].message == value(i));
    }
  }

  TEST_CASE("connection: a fragmented message arrives whole while other senders' messages pass it") {
    dist::connection_options opts;
    opts.fragment_size = 1024;
    pair_rig r(opts);
    auto const big_sender = pid_of(1), other = pid_of(2), to = pid_of(9, "bob@localhost");
    auto const big1 = big_binary(64 * 1024, 'x'), big2 = big_binary(20 * 1024, 'y');
    // Everything is queued before the connections run, so the order of writes is the
    // writer's choice alone.
    r.a->start();
    r.b->start();
    REQUIRE(r.a->send(send_msg(big_sender, to, big1)));
    REQUIRE(r.a->send(send_msg(other, to, term::tuple_of({atom("other"), 1}))));
    REQUIRE(r.a->send(send_msg(big_sender, to, atom("after_big1"))));
    REQUIRE(r.a->send(send_msg(other, to, term::tuple_of({atom("other"), 2}))));
    REQUIRE(r.a->send(send_msg(big_sender, to, big2)));
    REQUIRE(r.a->send(send_msg(big_sender, to, atom("after_big2"))));
    REQUIRE(r.a->send(send_msg(other, to, term::tuple_of({atom("other"), 3}))));
    r.loop.start();
    REQUIRE(eventually([&] { return r.sink_b.message_count() == 7; }));
    auto got = r.sink_b.copy();
    std::vector<value> from_big, from_other;
    std::size_t big1_at = 0, last_other_at = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (got[i].from == big_sender) {
        if (got[i].message == big1) big1_at = i;
        from_big.push_back(got[i].message);
      } else {
        CHECK(got[i].from == other);
        from_other.push_back(got[i].message);
        last_other_at = i;
      }
    }
    // One sender's messages keep their order, even behind its fragmented ones.
    REQUIRE(from_big.size() == 4);
    CHECK(from_big[0] == big1);
    CHECK(from_big[1] == atom("after_big1"));
    CHECK(from_big[2] == big2);
    CHECK(from_big[3] == atom("after_big2"));
    REQUIRE(from_other.size() == 3);
    for (int i = 0; i < 3; ++i)
      CHECK(from_other[static_cast<std::size_t>(i)] == term::tuple_of({atom("other"), i + 1}));
    // The small messages did not wait for the 64 fragments of big1.
    CHECK(last_other_at < big1_at);
    CHECK(r.a->stats().writes > 64);
  }

  TEST_CASE("connection: large messages leave as 'E' and 'F' fragments of the set size") {
    dist::connection_options opts;
    opts.fragment_size = 512;
    raw_rig r(opts);
    r.start();
    auto const msg = big_binary(10000, 'q');
    REQUIRE(r.c->send(send_msg(pid_of(1), pid_of(2, "bob@localhost"), msg)));
    dist::packet_reader reader(true);
    std::optional<dist::wire_message> got;
    std::size_t first = 0, rest = 0;
    REQUIRE(eventually([&] {
      auto ps = packets_of(r.peer_end->bytes());
      first = rest = 0;
      dist::packet_reader fresh(true);
      for (auto const& p : ps) {
        if (p.empty()) continue; // a tick
        CHECK(p.size() <= 19 + 512);
        if (endian::load_u8(p.data() + 1) == 69) ++first;
        if (endian::load_u8(p.data() + 1) == 70) ++rest;
        auto m = fresh.read(p);
        REQUIRE(m);
        if (*m) got = std::move(**m);
      }
      return got.has_value();
    }));
    CHECK(first == 1);
    CHECK(rest >= 19);
    REQUIRE(got->payload);
    CHECK(*got->payload == msg);
  }

  TEST_CASE("connection: large binaries arrive whole and in their sender's order, with and without fragments") {
    for (bool fragments : {true, false}) {
      CAPTURE(fragments);
      flags::type const f = fragments ? flags::ours : (flags::ours & ~flags::fragments);
      dist::connection_options opts;
      opts.fragment_size = 4096;
      pair_rig r(opts, f, f);
      auto const s1 = pid_of(1), s2 = pid_of(2), to = pid_of(9, "bob@localhost");
      // Binaries of the size that leaves from where it lies, and one that is copied.
      auto const a = term::tuple_of({atom("a"), big_binary(100 * 1024, 'a'), big_binary(40 * 1024, 'c')});
      auto const b = big_binary(20 * 1024, 'b');
      r.a->start();
      r.b->start();
      REQUIRE(r.a->send(send_msg(s1, to, a)));
      REQUIRE(r.a->send(send_msg(s2, to, b)));
      REQUIRE(r.a->send(send_msg(s1, to, atom("after_a"))));
      REQUIRE(r.a->send(send_msg(s2, to, atom("after_b"))));
      REQUIRE(r.a->send(send_msg(s1, to, big_binary(1000, 'd'))));
      r.loop.start();
      REQUIRE(eventually([&] { return r.sink_b.message_count() == 5; }));
      std::vector<value> of1, of2;
      for (auto const& m : r.sink_b.copy()) (m.from == s1 ? of1 : of2).push_back(m.message);
      REQUIRE(of1.size() == 3);
      CHECK(of1[0] == a);
      CHECK(of1[1] == atom("after_a"));
      CHECK(of1[2] == big_binary(1000, 'd'));
      REQUIRE(of2.size() == 2);
      CHECK(of2[0] == b);
      CHECK(of2[1] == atom("after_b"));
      CHECK(r.b->stats().bytes_in == r.a->stats().bytes_out);
      CHECK(r.sink_b.down_count() == 0);
    }
  }

  TEST_CASE("connection: a packet larger than the read buffer arrives intact") {
    // Pass-through framing (no fragments): one packet of about 1 MiB.
    flags::type const f = flags::mandatory | flags::mandatory_25_digest;
    pair_rig r({}, f, f);
    r.start();
    auto const msg = big_binary(1 << 20, 'z');
    auto const from = pid_of(1), to = pid_of(2, "bob@localhost");
    REQUIRE(r.a->send(send_msg(from, to, msg)));
    REQUIRE(r.a->send(send_msg(from, to, atom("next"))));
    REQUIRE(eventually([&] { return r.sink_b.message_count() == 2; }));
    auto got = r.sink_b.copy();
    CHECK(got[0].message == msg);
    CHECK(got[1].message == atom("next"));
  }

  TEST_CASE("connection: a large packet that arrives slowly but steadily does not time the peer out") {
    // connection_options: "the peer is declared down after this long without a byte from
    // it". A test of time, scaled down: 8 KiB every 5 ms, for about two ticktimes.
    dist::connection_options opts;
    opts.ticktime = 100ms;
    opts.read_buffer_size = 64 * 1024;                                   // the packet is four times larger
    flags::type const f = flags::mandatory | flags::mandatory_25_digest; // pass-through: no fragments
    raw_rig r(opts, f);
    r.start();
    auto const msg = big_binary(256 * 1024, 's');
    auto const ctl = term::tuple_of({2, atom(""), pid_of(3)});
    std::vector<std::byte> wire;
    dist::packet_writer(false, false).write(ctl, &msg, wire);
    r.peer_end->trickle(std::move(wire), 8 * 1024, 5ms);
    REQUIRE(eventually([&] { return r.sink.message_count() == 1 || r.sink.down_count() == 1; }, 30s));
    CHECK(r.sink.down_count() == 0);
    CHECK_MESSAGE(r.sink.message_count() == 1, "down with: " << r.sink.first_down().message());
  }

  TEST_CASE("connection: senders on several threads keep their own order") {
    dist::connection_options opts;
    opts.fragment_size = 2048;
    pair_rig r(opts);
    r.start(2);
    auto const to = pid_of(99, "bob@localhost");
    constexpr int senders = 4, each = 300;
    std::vector<std::thread> ts;
    for (int s = 0; s < senders; ++s) {
      ts.emplace_back([&, s] {
        auto const from = pid_of(static_cast<std::uint32_t>(100 + s));
        for (int i = 0; i < each; ++i) {
          value m = (i % 50 == 7) ? term::tuple_of({i, big_binary(10000, 'b')}) : term::tuple_of({i, atom("s")});
          r.a->send(send_msg(from, to, m));
        }
      });
    }
    for (auto& t : ts) t.join();
    REQUIRE(eventually([&] { return r.sink_b.message_count() == senders * each; }));
    std::map<std::uint32_t, std::int64_t> last;
    for (auto const& c : r.sink_b.copy()) {
      auto const id = c.from.as_pid().id;
      auto const i = c.message[0].as_int();
      auto it = last.find(id);
      CHECK((it == last.end() ? i == 0 : i == it->second + 1));
      last[id] = i;
    }
    CHECK(last.size() == senders);
  }

  TEST_CASE("connection: a peer that sends nothing is declared down with tick_timeout") {
    dist::connection_options opts;
    opts.ticktime = 40ms; // a test of time (the tick timeout), scaled down
    raw_rig r(opts);
    auto const t0 = std::chrono::steady_clock::now();
    r.start();
    REQUIRE(eventually([&] { return r.sink.down_count() == 1; }));
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    CHECK(r.sink.first_down() == error::tick_timeout);
    CHECK(r.c->closed());
    CHECK(!r.c->send(send_msg(pid_of(1), pid_of(2), 1)));
    REQUIRE(eventually([&] { return r.peer_end->has_ended(); })); // the socket was closed
  }

  TEST_CASE("connection: an idle connection ticks in every tick interval") {
    // net_ticktime / intensity is the tick interval; BEAM's dist_util ticks in each one
    // in which it wrote nothing, counting the tick itself as nothing written. The peer
    // here is silent, so the connection gives up after `intensity` intervals: it should
    // have ticked in the intervals before that (at least intensity - 1 ticks).
    dist::connection_options opts;
    opts.ticktime = 100ms; // a test of time, scaled down to 25 ms tick intervals
    opts.tick_intensity = 4;
    raw_rig r(opts);
    r.start();
    REQUIRE(eventually([&] { return r.sink.down_count() == 1 && r.peer_end->has_ended(); }));
    CHECK(r.sink.first_down() == error::tick_timeout);
    std::size_t ticks = 0;
    for (auto const& p : packets_of(r.peer_end->bytes())) ticks += p.empty();
    CHECK(ticks >= 3);
  }

  TEST_CASE("connection: ticks keep an idle connection up") {
    // A test of time, scaled down: 30 ms tick intervals; wait for more than a ticktime's
    // worth of ticks from each side (silence for a ticktime would be down).
    dist::connection_options opts;
    opts.ticktime = 120ms;
    pair_rig r(opts);
    r.start();
    REQUIRE(eventually(
        [&] {
          return (r.a->stats().ticks_in >= 5 && r.b->stats().ticks_in >= 5) || r.sink_a.down_count() ||
                 r.sink_b.down_count();
        },
        30s));
    CHECK(r.sink_a.down_count() == 0);
    CHECK(r.sink_b.down_count() == 0);
    CHECK(r.a->stats().messages_in == 0);
    CHECK(r.a->send(send_msg(pid_of(1), pid_of(2, "bob@localhost"), atom("still_here"))));
    REQUIRE(eventually([&] { return r.sink_b.message_count() == 1; }));
  }

  TEST_CASE("connection: incoming ticks are counted and not delivered") {
    raw_rig r;
    r.start();
    r.peer_end->write(std::vector<std::byte>(12, std::byte{0})); // three ticks
    REQUIRE(eventually([&] { return r.c->stats().ticks_in == 3; }));
    CHECK(r.sink.message_count() == 0);
    CHECK(r.sink.down_count() == 0);
  }

  TEST_CASE("connection: close_after_flush delivers what was queued, then closes") {
    pair_rig r;
    r.start();
    auto const from = pid_of(1), to = pid_of(2, "bob@localhost");
    for (int i = 0; i < 100; ++i) r.a->send(send_msg(from, to, i));
    r.a->send(send_msg(from, to, big_binary(300 * 1024, 'f')));
    r.a->close_after_flush();
    REQUIRE(eventually([&] { return r.sink_a.down_count() == 1 && r.sink_b.down_count() == 1; }));
    CHECK(r.sink_a.first_down() == error::closed);
    auto got = r.sink_b.copy();
    REQUIRE(got.size() == 101);
    for (int i = 0; i < 100; ++i) CHECK(got[static_cast<std::size_t>(i)].message == value(i));
    CHECK(got[100].message == big_binary(300 * 1024, 'f'));
    CHECK(r.a->closed());
    CHECK(!r.a->send(send_msg(from, to, 1)));
  }

  TEST_CASE("connection: close_after_flush on an idle connection closes it") {
    pair_rig r;
    r.start();
    r.a->close_after_flush();
    REQUIRE(eventually([&] { return r.sink_a.down_count() == 1 && r.sink_b.down_count() == 1; }));
    CHECK(r.sink_a.first_down() == error::closed);
  }

  TEST_CASE("connection: a malformed packet closes with bad_packet, and on_down comes once") {
    struct row {
      char const* what;
      std::vector<std::byte> body;
    };
    std::vector<row> const rows = {
        {"junk", dist::test::bytes({1, 2, 3})},
        {"pass-through in header mode", dist::test::bytes({112, 131, 104, 1, 97, 5})},
        {"a control that is not a control", dist::test::bytes({131, 68, 0, 104, 1, 119, 2, 'h', 'i'})},
        {"UNLINK (4)", dist::test::bytes({131, 68, 0, 104, 3, 97, 4, 106, 106})},
        {"a fragment of no sequence", [] {
           std::vector<std::byte> b = dist::test::bytes({131, 70});
           b.resize(18);
           b[17] = std::byte{1};
           return b;
         }()},
    };
    for (auto const& row : rows) {
      CAPTURE(row.what);
      raw_rig r;
      r.start();
      r.peer_end->write(packet_bytes(row.body));
      REQUIRE(eventually([&] { return r.sink.down_count() >= 1; }));
      CHECK(r.sink.first_down() == error::bad_packet);
      REQUIRE(eventually([&] { return r.peer_end->has_ended(); }));
      // Further closes, and the peer hanging up, report nothing more.
      r.c->close(make_error_code(error::closed));
      r.c->close(make_error_code(error::tick_timeout));
      r.c->close_after_flush();
      r.peer_end->close();
      on_strand(r.strand);
      CHECK(r.sink.down_count() == 1);
      CHECK(r.sink.message_count() == 0);
    }
  }

  TEST_CASE("connection: a packet over the size limit closes with too_large") {
    dist::connection_options opts;
    opts.limits.max_message = 1000;
    raw_rig r(opts);
    r.start();
    r.peer_end->write(dist::test::bytes({0, 0x10, 0, 0, 131, 68})); // announces 1 MiB
    REQUIRE(eventually([&] { return r.sink.down_count() == 1; }));
    CHECK(r.sink.first_down() == error::too_large);
  }

  TEST_CASE("connection: the peer hanging up is reported once") {
    raw_rig r;
    r.start();
    r.peer_end->close();
    REQUIRE(eventually([&] { return r.sink.down_count() == 1; }));
    CHECK(r.sink.first_down() != error::tick_timeout);
    CHECK(r.c->closed());
    r.c->close(make_error_code(error::closed));
    on_strand(r.strand);
    CHECK(r.sink.down_count() == 1);
  }

  TEST_CASE("connection: close is idempotent, keeps the first reason and drops the queue") {
    pair_rig r;
    // Not started: nothing is written.
    r.a->send(send_msg(pid_of(1), pid_of(2, "bob@localhost"), 1));
    r.a->close(make_error_code(error::closed));
    r.a->close(make_error_code(error::bad_packet));
    r.loop.start();
    r.b->start();
    REQUIRE(eventually([&] { return r.sink_a.down_count() == 1 && r.sink_b.down_count() == 1; }));
    CHECK(r.sink_a.first_down() == error::closed);
    CHECK(r.sink_b.message_count() == 0);
    on_strand(r.strand_a);
    CHECK(r.sink_a.down_count() == 1);
  }

  TEST_CASE("connection: a message the sink gets is interpreted from the peer's packet") {
    raw_rig r;
    r.start();
    // SEND_SENDER {22, From, To} + payload, in header mode with no cached atoms.
    auto const from = pid_of(5, "bob@localhost"), to = pid_of(6);
    std::vector<std::byte> body = dist::test::bytes({131, 68, 0});
    auto ctl = enode::term::encode(term::tuple_of({22, from, to}));
    auto msg = enode::term::encode(term::tuple_of({atom("hello"), 1}));
    body.insert(body.end(), ctl.begin() + 1, ctl.end());
    body.insert(body.end(), msg.begin() + 1, msg.end());
    r.peer_end->write(packet_bytes(body));
    REQUIRE(eventually([&] { return r.sink.message_count() == 1; }));
    auto got = r.sink.copy();
    CHECK(got[0].is_send);
    CHECK(got[0].code == dist::op::send_sender);
    CHECK(got[0].from == from);
    CHECK(got[0].to == to);
    CHECK(got[0].message == term::tuple_of({atom("hello"), 1}));
  }
}
