#include <enode/dist/handshake.hpp>

#include "dist/test_util.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>

namespace dist = enode::dist;
namespace hs = enode::dist::handshake;
using dist::error;
using dist::test::bytes;
using dist::test::bytes_of;
using dist::test::hex;
using dist::test::sheet_hex;

namespace {

// The payload of a whole encoded message (after its u16 length), checking the length.
std::vector<std::byte> payload_of(std::vector<std::byte> const& msg) {
  auto f = hs::frame(msg);
  REQUIRE(f);
  REQUIRE(f->size() + 2 == msg.size());
  return {f->begin(), f->end()};
}

hs::digest_type digest_of(std::string_view hexdigits) {
  hs::digest_type d{};
  for (std::size_t i = 0; i < d.size(); ++i)
    d[i] = static_cast<std::byte>(std::stoi(std::string(hexdigits.substr(2 * i, 2)), nullptr, 16));
  return d;
}

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("handshake: digest matches the protocol sheet's vector") {
    CHECK(hex(*hs::digest(3735928559u, "secret")) == "c3939b31d7a913d82e2ace09247c7b41");
  }

  TEST_CASE("handshake: digest prints the challenge unsigned, in decimal, without leading zeros") {
    // MD5("secret0"), MD5("secret4294967295"), MD5("cookie42").
    CHECK(hex(*hs::digest(0, "secret")) == "175ec77a7f63082590987d0d8b051aff");
    CHECK(hex(*hs::digest(4294967295u, "secret")) == "5dfd181e69aa587cc812eb333e6536b6");
    CHECK(hex(*hs::digest(42, "cookie")) == "bc4b5e3f17073012aea742a22f5e1b6a");
    CHECK(*hs::digest(42, "cookie") != *hs::digest(42, "cookiE"));
    CHECK(*hs::digest(42, "cookie") != *hs::digest(43, "cookie"));
  }

  TEST_CASE("handshake: an initiator's send_name is byte for byte the protocol sheet's example") {
    hs::send_name m{0x0000000C074F4FBDull, 0x6553F100u, "cpp@localhost"};
    auto const out = hs::encode(m);
    CHECK(sheet_hex(out) ==
          "00 1C 4E 00 00 00 0C 07 4F 4F BD 65 53 F1 00 00 0D 63 70 70 40 6C 6F 63 61 6C 68 6F 73 74");
    auto back = hs::parse_send_name(payload_of(out));
    REQUIRE(back);
    CHECK(back->flags == 0x0000000C074F4FBDull);
    CHECK(back->creation == 0x6553F100u);
    CHECK(back->name == "cpp@localhost");
  }

  TEST_CASE("handshake: send_name ignores trailing bytes and refuses the legacy 'n'") {
    auto p = payload_of(hs::encode(hs::send_name{1, 2, "a@b"}));
    p.push_back(std::byte{0xAA});
    p.push_back(std::byte{0xBB});
    auto m = hs::parse_send_name(p);
    REQUIRE(m);
    CHECK(m->name == "a@b");
    CHECK(m->flags == 1);
    CHECK(m->creation == 2);

    // 'n', version 5, flags, name: what OTP 23/24 sent without EPMD.
    auto legacy = bytes({'n', 0, 5, 0x00, 0x07, 0x7F, 0xBD, 'a', '@', 'b'});
    CHECK(hs::parse_send_name(legacy).error() == error::bad_message);
  }

  TEST_CASE("handshake: truncated or malformed send_name payloads are bad_message") {
    auto const p = payload_of(hs::encode(hs::send_name{0xD07DF7FBDull, 7, "node@host"}));
    for (std::size_t n = 0; n < p.size(); ++n) {
      CAPTURE(n);
      CHECK(hs::parse_send_name(std::span(p).first(n)).error() == error::bad_message);
    }
    auto wrong = p;
    wrong[0] = std::byte{'r'};
    CHECK(hs::parse_send_name(wrong).error() == error::bad_message);
    // A name length beyond the payload.
    auto longer = p;
    longer[14] = std::byte{0xFF};
    CHECK(hs::parse_send_name(longer).error() == error::bad_message);
    // An empty name parses (the acceptor's name check refuses it).
    auto empty = hs::parse_send_name(payload_of(hs::encode(hs::send_name{0, 0, ""})));
    REQUIRE(empty);
    CHECK(empty->name.empty());
  }

  TEST_CASE("handshake: challenge round-trips and has the sheet's layout") {
    hs::challenge m{0xD07DF7FBDull, 0xDEADBEEFu, 0x01020304u, "beam@host"};
    auto const out = hs::encode(m);
    CHECK(hex(out) == "001c"
                      "4e"
                      "0000000d07df7fbd"
                      "deadbeef"
                      "01020304"
                      "0009"
                      "6265616d40686f7374");
    auto back = hs::parse_challenge(payload_of(out));
    REQUIRE(back);
    CHECK(back->flags == m.flags);
    CHECK(back->challenge == m.challenge);
    CHECK(back->creation == m.creation);
    CHECK(back->name == m.name);

    auto p = payload_of(out);
    p.push_back(std::byte{1}); // trailing bytes are ignored
    CHECK(hs::parse_challenge(p));
    auto const whole = payload_of(out);
    for (std::size_t n = 0; n < whole.size(); ++n) {
      CAPTURE(n);
      CHECK(hs::parse_challenge(std::span(whole).first(n)).error() == error::bad_message);
    }
    auto wrong = payload_of(out);
    wrong[0] = std::byte{'n'};
    CHECK(hs::parse_challenge(wrong).error() == error::bad_message);
  }

  TEST_CASE("handshake: challenge_reply is exactly 21 bytes") {
    hs::challenge_reply m{3735928559u, *hs::digest(3735928559u, "secret")};
    auto const out = hs::encode(m);
    CHECK(hex(out) == "0015"
                      "72"
                      "deadbeef"
                      "c3939b31d7a913d82e2ace09247c7b41");
    auto p = payload_of(out);
    auto back = hs::parse_challenge_reply(p);
    REQUIRE(back);
    CHECK(back->challenge == 3735928559u);
    CHECK(back->digest == digest_of("c3939b31d7a913d82e2ace09247c7b41"));

    CHECK(hs::parse_challenge_reply(std::span(p).first(20)).error() == error::bad_message);
    auto longer = p;
    longer.push_back(std::byte{0});
    CHECK(hs::parse_challenge_reply(longer).error() == error::bad_message);
    CHECK(hs::parse_challenge_reply({}).error() == error::bad_message);
    auto wrong = p;
    wrong[0] = std::byte{'a'};
    CHECK(hs::parse_challenge_reply(wrong).error() == error::bad_message);
  }

  TEST_CASE("handshake: challenge_ack is exactly 17 bytes") {
    hs::challenge_ack m{*hs::digest(1, "c")};
    auto const out = hs::encode(m);
    REQUIRE(out.size() == 19);
    CHECK(hex(std::span(out).first(3)) == "001161");
    auto p = payload_of(out);
    auto back = hs::parse_challenge_ack(p);
    REQUIRE(back);
    CHECK(back->digest == m.digest);
    CHECK(hs::parse_challenge_ack(std::span(p).first(16)).error() == error::bad_message);
    auto longer = p;
    longer.push_back(std::byte{0});
    CHECK(hs::parse_challenge_ack(longer).error() == error::bad_message);
    auto wrong = p;
    wrong[0] = std::byte{'r'};
    CHECK(hs::parse_challenge_ack(wrong).error() == error::bad_message);
  }

  TEST_CASE("handshake: status messages carry their text unterminated") {
    CHECK(hex(hs::encode_status("ok")) == "0003736f6b");
    for (std::string_view t : {"ok", "ok_simultaneous", "nok", "not_allowed", "alive", "true", "false", ""}) {
      CAPTURE(t);
      auto s = hs::parse_status(payload_of(hs::encode_status(t)));
      REQUIRE(s);
      CHECK(*s == t);
    }
    CHECK(hs::parse_status({}).error() == error::bad_message);
    CHECK(hs::parse_status(bytes_of("Nok")).error() == error::bad_message);
  }

  TEST_CASE("handshake: messages of one kind are refused by another kind's parser") {
    auto const name = payload_of(hs::encode(hs::send_name{1, 2, "a@b"}));
    auto const reply = payload_of(hs::encode(hs::challenge_reply{1, {}}));
    auto const ack = payload_of(hs::encode(hs::challenge_ack{}));
    auto const status = payload_of(hs::encode_status("ok"));
    CHECK(hs::parse_status(name).error() == error::bad_message);
    CHECK(hs::parse_challenge_reply(ack).error() == error::bad_message);
    CHECK(hs::parse_challenge_ack(reply).error() == error::bad_message);
    CHECK(hs::parse_send_name(status).error() == error::bad_message);
    CHECK(hs::parse_challenge(reply).error() == error::bad_message);
  }

  TEST_CASE("handshake: seeded random messages round-trip") {
    std::uint32_t const seed = 20261126;
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 200; ++i) {
      std::string name = "n" + std::to_string(rng() % 100000) + "@h" + std::to_string(rng() % 1000);
      hs::send_name sn{rng(), static_cast<std::uint32_t>(rng()), name};
      auto a = hs::parse_send_name(payload_of(hs::encode(sn)));
      REQUIRE(a);
      CHECK((a->flags == sn.flags && a->creation == sn.creation && a->name == sn.name));
      hs::challenge ch{rng(), static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()), name};
      auto b = hs::parse_challenge(payload_of(hs::encode(ch)));
      REQUIRE(b);
      CHECK((b->flags == ch.flags && b->challenge == ch.challenge && b->creation == ch.creation && b->name == ch.name));
      hs::challenge_reply r{static_cast<std::uint32_t>(rng()), *hs::digest(static_cast<std::uint32_t>(rng()), name)};
      auto c = hs::parse_challenge_reply(payload_of(hs::encode(r)));
      REQUIRE(c);
      CHECK((c->challenge == r.challenge && c->digest == r.digest));
    }
  }

  TEST_CASE("handshake: parsers survive seeded random payloads") {
    std::uint32_t const seed = 6;
    CAPTURE(seed);
    std::mt19937 rng(seed);
    char const tags[] = {'N', 'n', 'r', 'a', 's', 'c', 'x'};
    for (int i = 0; i < 20000; ++i) {
      std::vector<std::byte> p(rng() % 48);
      for (auto& b : p) b = static_cast<std::byte>(rng());
      if (!p.empty()) p[0] = static_cast<std::byte>(tags[rng() % sizeof tags]);
      auto sn = hs::parse_send_name(p);
      if (sn) CHECK(15 + sn->name.size() <= p.size());
      auto ch = hs::parse_challenge(p);
      if (ch) CHECK(19 + ch->name.size() <= p.size());
      auto rep = hs::parse_challenge_reply(p);
      if (rep) CHECK(p.size() == 21);
      auto ack = hs::parse_challenge_ack(p);
      if (ack) CHECK(p.size() == 17);
      auto st = hs::parse_status(p);
      if (st) CHECK(st->size() + 1 == p.size());
      (void)hs::frame(p);
    }
  }

  TEST_CASE("handshake: parse_node_name splits good names") {
    struct row {
      char const* full;
      char const* alive;
      char const* host;
    } const rows[] = {
        {"cpp@localhost", "cpp", "localhost"},
        {"a@b", "a", "b"},
        {"foo_bar-1@host.example.com", "foo_bar-1", "host.example.com"},
        {"n@127.0.0.1", "n", "127.0.0.1"},
        {"n@::1", "n", "::1"},
        {"N0de@fe80::1", "N0de", "fe80::1"},
        {"x@my_host-2", "x", "my_host-2"},
    };
    for (auto const& r : rows) {
      CAPTURE(r.full);
      auto n = hs::parse_node_name(r.full);
      REQUIRE(n);
      CHECK(n->alive == r.alive);
      CHECK(n->host == r.host);
      CHECK(n->full() == r.full);
    }
  }

  TEST_CASE("handshake: parse_node_name refuses malformed names") {
    for (char const* bad : {"", "@", "@host", "alive@", "alive", "a@b@c", "a b@h", "a@h/x", "a@h o", "\xC3\xA4@h",
                            "a@h\xC3\xA4", "a.b@h", "a@h@", "a:b@h", "a\n@h"}) {
      CAPTURE(bad);
      CHECK(hs::parse_node_name(bad).error() == error::bad_node_name);
    }
  }

  TEST_CASE("handshake: parse_node_name takes at most 255 bytes") {
    std::string const ok = std::string(253, 'a') + "@h";
    REQUIRE(ok.size() == 255);
    CHECK(hs::parse_node_name(ok));
    std::string const too_long = std::string(254, 'a') + "@h";
    CHECK(hs::parse_node_name(too_long).error() == error::bad_node_name);
    std::string const long_host = "a@" + std::string(253, 'h');
    CHECK(hs::parse_node_name(long_host));
    CHECK(hs::parse_node_name(long_host + "h").error() == error::bad_node_name);
  }

  TEST_CASE("handshake: host_fits tells short from long host names") {
    using hs::name_mode;
    CHECK(hs::host_fits("localhost", name_mode::shortnames));
    CHECK(!hs::host_fits("localhost", name_mode::longnames));
    CHECK(hs::host_fits("host.example.com", name_mode::longnames));
    CHECK(!hs::host_fits("host.example.com", name_mode::shortnames));
    // An IP address is a valid long name and never a short one.
    CHECK(hs::host_fits("127.0.0.1", name_mode::longnames));
    CHECK(!hs::host_fits("127.0.0.1", name_mode::shortnames));
    CHECK(hs::host_fits("::1", name_mode::longnames));
    CHECK(!hs::host_fits("::1", name_mode::shortnames));
    CHECK(hs::host_fits("fe80::1", name_mode::longnames));
  }

  TEST_CASE("handshake: frame waits for a whole u16-framed message") {
    CHECK(hs::frame({}).error() == error::need_more);
    CHECK(hs::frame(bytes({0})).error() == error::need_more);
    CHECK(hs::frame(bytes({0, 3, 'a', 'b'})).error() == error::need_more);
    CHECK(hs::frame(bytes({1, 0})).error() == error::need_more);
    auto const in = bytes({0, 3, 'a', 'b', 'c', 'd'});
    auto f = hs::frame(in);
    REQUIRE(f);
    CHECK(f->size() == 3);
    CHECK(f->data() == in.data() + 2); // a view into the input
    auto z = hs::frame(bytes({0, 0, 9}));
    REQUIRE(z);
    CHECK(z->empty());
  }

  TEST_CASE("handshake: frame reads back every encoded message exactly") {
    std::vector<std::byte> stream;
    dist::test::append(stream, hs::encode(hs::send_name{1, 2, "a@b"}));
    dist::test::append(stream, hs::encode_status("ok"));
    dist::test::append(stream, hs::encode(hs::challenge_ack{}));
    std::span<std::byte const> rest(stream);
    auto f1 = hs::frame(rest);
    REQUIRE(f1);
    CHECK(hs::parse_send_name(*f1));
    rest = rest.subspan(2 + f1->size());
    auto f2 = hs::frame(rest);
    REQUIRE(f2);
    CHECK(*hs::parse_status(*f2) == "ok");
    rest = rest.subspan(2 + f2->size());
    auto f3 = hs::frame(rest);
    REQUIRE(f3);
    CHECK(hs::parse_challenge_ack(*f3));
    CHECK(rest.size() == 2 + f3->size());
  }
}
