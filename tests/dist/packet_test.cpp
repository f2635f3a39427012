#include <enode/dist/packet.hpp>

#include <enode/core/endian.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/print.hpp>

#include "dist/test_util.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

namespace dist = enode::dist;
namespace term = enode::term;
namespace endian = enode::endian;
using dist::error;
using dist::test::append;
using dist::test::bytes;
using dist::test::hex;
using term::atom;
using term::value;

namespace {

using packet = std::vector<std::byte>;
using enode::error_code;

// Splits u32-framed output into packets (without their lengths).
std::vector<packet> split(std::span<std::byte const> stream) {
  std::vector<packet> out;
  while (!stream.empty()) {
    REQUIRE(stream.size() >= 4);
    std::size_t const n = endian::load_u32(stream.data());
    REQUIRE(stream.size() >= 4 + n);
    out.emplace_back(stream.begin() + 4, stream.begin() + 4 + static_cast<std::ptrdiff_t>(n));
    stream = stream.subspan(4 + n);
  }
  return out;
}

// Every packet of an outgoing message, checking the countdown as it goes.
std::vector<packet> take_all(dist::outgoing& o) {
  std::vector<std::byte> stream;
  while (!o.done()) {
    auto const before = o.remaining();
    auto const at = stream.size();
    auto const n = o.take(stream);
    CHECK(n == stream.size() - at);
    CHECK(o.remaining() == before - 1);
  }
  CHECK(o.take(stream) == 0);
  return split(stream);
}

value pid1() { return value(term::pid{atom("a@h"), 1, 0, 5}); }
value pid2() { return value(term::pid{atom("b@h"), 2, 0, 6}); }
value send_ctl() { return term::tuple_of({22, pid1(), pid2()}); }
value big_payload(std::size_t n, char fill = 'x') {
  return term::tuple_of({atom("data"), term::binary_of(std::string(n, fill))});
}

// Reads one packet that must complete a message.
dist::wire_message read_whole(dist::packet_reader& r, packet const& p) {
  auto m = r.read(p);
  REQUIRE_MESSAGE(m, "read failed: " << m.error().message() << " on " << hex(p));
  REQUIRE(m->has_value());
  return std::move(**m);
}

// Reads packets in order; the message the last of them completes.
dist::wire_message read_all(dist::packet_reader& r, std::vector<packet> const& ps) {
  dist::wire_message got;
  for (auto const& p : ps) {
    auto m = r.read(p);
    REQUIRE(m);
    if (*m) got = std::move(**m);
  }
  return got;
}

error_code read_error(dist::packet_reader& r, packet const& p) {
  auto m = r.read(p);
  if (m) return {};
  return m.error();
}

packet fragment_header(int kind, std::uint64_t seq, std::uint64_t frag) {
  packet p = bytes({131, kind});
  p.resize(18);
  endian::store_be(p.data() + 2, seq);
  endian::store_be(p.data() + 10, frag);
  return p;
}

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("packet: the pass-through form is 112, then 131 Control, then 131 Payload") {
    dist::packet_writer w(false, false);
    std::vector<std::byte> out;
    auto const ctl = term::tuple_of({2, atom(""), pid2()});
    value const msg = atom("hi");
    w.write(ctl, &msg, out);
    auto const ps = split(out);
    REQUIRE(ps.size() == 1);
    auto const& p = ps[0];
    CHECK(hex(std::span(p).first(2)) == "7083");
    auto const ctl_bytes = term::encode(ctl);
    CHECK(hex(p) == "70" + hex(ctl_bytes) + hex(term::encode(msg)));

    dist::packet_reader r(false);
    auto m = read_whole(r, p);
    CHECK(m.control == ctl);
    REQUIRE(m.payload);
    CHECK(*m.payload == msg);

    out.clear();
    w.write(term::tuple_of({1, pid1(), pid2()}), nullptr, out);
    auto m2 = read_whole(r, split(out).at(0));
    CHECK(m2.control == term::tuple_of({1, pid1(), pid2()}));
    CHECK(!m2.payload);
  }

  TEST_CASE("packet: header mode writes 131 68 0 and terms without version bytes") {
    dist::packet_writer w(true, true);
    std::vector<std::byte> out;
    auto const ctl = send_ctl();
    value const msg = term::tuple_of({atom("ok"), 1});
    w.write(ctl, &msg, out);
    auto const p = split(out).at(0);
    auto const ce = term::encode(ctl), me = term::encode(msg);
    CHECK(hex(p) == "834400" + hex(std::span(ce).subspan(1)) + hex(std::span(me).subspan(1)));

    dist::packet_reader r(true);
    auto m = read_whole(r, p);
    CHECK(m.control == ctl);
    REQUIRE(m.payload);
    CHECK(*m.payload == msg);
  }

  TEST_CASE("packet: make gives one whole packet when no fragmenting is needed") {
    for (bool header : {false, true}) {
      CAPTURE(header);
      dist::packet_writer w(header, header, 100);
      value const msg = atom("small");
      auto o = w.make(send_ctl(), &msg, 1);
      CHECK(o.remaining() == 1);
      CHECK(!o.done());
      std::vector<std::byte> direct;
      w.write(send_ctl(), &msg, direct);
      CHECK(o.bytes() == direct.size());
      auto ps = take_all(o);
      REQUIRE(ps.size() == 1);
      CHECK(ps == split(direct));
      CHECK(o.done());
    }
  }

  TEST_CASE("packet: the reader refuses the other mode's packets and empty ones") {
    std::vector<std::byte> pass, head;
    value const msg = atom("m");
    dist::packet_writer(false, false).write(send_ctl(), &msg, pass);
    dist::packet_writer(true, false).write(send_ctl(), &msg, head);
    dist::packet_reader pr(false), hr(true);
    CHECK(read_error(pr, split(head).at(0)) == error::bad_packet);
    CHECK(read_error(hr, split(pass).at(0)) == error::bad_packet);
    CHECK(read_error(pr, {}) == error::bad_packet);
    CHECK(read_error(hr, {}) == error::bad_packet);
    CHECK(read_error(pr, bytes({112})) == error::bad_packet);
    CHECK(read_error(hr, bytes({131})) == error::bad_packet);
    CHECK(read_error(hr, bytes({131, 68})) == error::bad_packet);
    CHECK(read_error(hr, bytes({131, 71, 0, 104, 0})) == error::bad_packet); // no such header
    CHECK(read_error(hr, bytes({130, 68, 0, 104, 0})) == error::bad_packet);
  }

  TEST_CASE("packet: the reader refuses bytes after the payload and a payload without its 131") {
    value const msg = atom("m");
    std::vector<std::byte> out;
    dist::packet_writer(false, false).write(send_ctl(), &msg, out);
    auto p = split(out).at(0);
    dist::packet_reader r(false);
    auto extra = p;
    extra.push_back(std::byte{106});
    CHECK(read_error(r, extra) == error::bad_packet);
    // Control, then the payload's tag right away (header-mode style) in pass-through.
    auto const ce = term::encode(send_ctl());
    packet wrong = bytes({112});
    append(wrong, ce);
    append(wrong, bytes({119, 1, 'm'}));
    CHECK(read_error(r, wrong) == error::bad_packet);

    std::vector<std::byte> hout;
    dist::packet_writer(true, false).write(send_ctl(), &msg, hout);
    auto hp = split(hout).at(0);
    hp.push_back(std::byte{106});
    dist::packet_reader hr(true);
    CHECK(read_error(hr, hp) == error::bad_packet);
  }

  TEST_CASE("packet: a message of several fragments is sliced and reassembled") {
    dist::packet_writer w(true, true, 100);
    CHECK(!w.fragments(100));
    CHECK(w.fragments(101));
    auto const ctl = send_ctl();
    auto const msg = big_payload(1000);
    auto const cs = term::encoded_size(ctl), ps = term::encoded_size(msg);
    auto o = w.make(ctl, &msg, 0x0102030405060708ull);
    std::size_t const expected = 1 + (cs + ps - 100 + 99) / 100;
    CHECK(o.remaining() == expected);
    CHECK(o.bytes() == cs + ps);
    auto ps_ = take_all(o);
    REQUIRE(ps_.size() == expected);

    // First: 131 69 Seq Frag=total N=0, the control and the start of the payload.
    auto const& first = ps_[0];
    CHECK(endian::load_u8(first.data()) == 131);
    CHECK(endian::load_u8(first.data() + 1) == 69);
    CHECK(endian::load_u64(first.data() + 2) == 0x0102030405060708ull);
    CHECK(endian::load_u64(first.data() + 10) == expected);
    CHECK(endian::load_u8(first.data() + 18) == 0);
    CHECK(first.size() == 19 + 100);
    for (std::size_t i = 1; i < ps_.size(); ++i) {
      CAPTURE(i);
      CHECK(endian::load_u8(ps_[i].data()) == 131);
      CHECK(endian::load_u8(ps_[i].data() + 1) == 70);
      CHECK(endian::load_u64(ps_[i].data() + 2) == 0x0102030405060708ull);
      CHECK(endian::load_u64(ps_[i].data() + 10) == expected - i); // counts down to 1
      CHECK(ps_[i].size() <= 18 + 100);
    }

    dist::packet_reader r(true);
    for (std::size_t i = 0; i + 1 < ps_.size(); ++i) {
      auto m = r.read(ps_[i]);
      REQUIRE(m);
      CHECK(!m->has_value());
      CHECK(r.sequences() == 1);
    }
    auto m = read_whole(r, ps_.back());
    CHECK(r.sequences() == 0);
    CHECK(m.control == ctl);
    REQUIRE(m.payload);
    CHECK(*m.payload == msg);
  }

  TEST_CASE("packet: the control term always fits whole in the first fragment") {
    dist::packet_writer w(true, true, 16);
    // A control term larger than a fragment, with and without a payload.
    auto const ctl = term::tuple_of({6, pid1(), atom(""), atom("a_registered_name_longer_than_16")});
    auto const cs = term::encoded_size(ctl);
    REQUIRE(cs > 16);
    value const msg = big_payload(100);
    auto o = w.make(ctl, &msg, 3);
    auto ps = take_all(o);
    REQUIRE(ps.size() >= 2);
    CHECK(ps[0].size() >= 19 + cs);
    dist::packet_reader r(true);
    auto const got = read_all(r, ps);
    CHECK(got.control == ctl);
    REQUIRE(got.payload);
    CHECK(*got.payload == msg);

    auto alone = w.make(ctl, nullptr, 4);
    auto aps = take_all(alone);
    REQUIRE(aps.size() == 1); // one 'E' that is also the last fragment
    CHECK(endian::load_u8(aps[0].data() + 1) == 69);
    CHECK(endian::load_u64(aps[0].data() + 10) == 1);
    dist::packet_reader r2(true);
    auto m = read_whole(r2, aps[0]);
    CHECK(m.control == ctl);
    CHECK(!m.payload);
  }

  TEST_CASE("packet: without FRAGMENTS a large message stays one packet") {
    dist::packet_writer w(true, false, 100);
    CHECK(!w.fragments(1 << 20));
    auto const msg = big_payload(5000);
    auto o = w.make(send_ctl(), &msg, 1);
    CHECK(o.remaining() == 1);
    auto ps = take_all(o);
    REQUIRE(ps.size() == 1);
    dist::packet_reader r(true);
    CHECK(*read_whole(r, ps[0]).payload == msg);
  }

  TEST_CASE("packet: fragments of two sequences may interleave") {
    dist::packet_writer w(true, true, 64);
    auto const a = big_payload(700, 'a'), b = big_payload(500, 'b');
    auto oa = w.make(send_ctl(), &a, 1), ob = w.make(term::tuple_of({22, pid2(), pid1()}), &b, 2);
    auto pa = take_all(oa), pb = take_all(ob);
    REQUIRE(pa.size() > pb.size());
    dist::packet_reader r(true);
    std::vector<dist::wire_message> got;
    std::size_t ia = 0, ib = 0;
    while (ia < pa.size() || ib < pb.size()) {
      for (auto* which : {&pb, &pa}) {
        auto& i = which == &pa ? ia : ib;
        if (i == which->size()) continue;
        auto m = r.read((*which)[i++]);
        REQUIRE(m);
        if (*m) got.push_back(std::move(**m));
      }
      if (ia < pa.size() && ib < pb.size()) CHECK(r.sequences() == 2);
    }
    REQUIRE(got.size() == 2);
    CHECK(*got[0].payload == b); // the shorter one ends first
    CHECK(*got[1].payload == a);
    CHECK(r.sequences() == 0);
  }

  TEST_CASE("packet: out-of-order, unknown, duplicate and zero fragments are bad_packet") {
    dist::packet_writer w(true, true, 64);
    auto const msg = big_payload(300);
    auto o = w.make(send_ctl(), &msg, 9);
    auto ps = take_all(o);
    REQUIRE(ps.size() >= 4);

    SUBCASE("a gap") {
      dist::packet_reader r(true);
      REQUIRE(r.read(ps[0]));
      CHECK(read_error(r, ps[2]) == error::bad_packet);
    }
    SUBCASE("a fragment repeated") {
      dist::packet_reader r(true);
      REQUIRE(r.read(ps[0]));
      REQUIRE(r.read(ps[1]));
      CHECK(read_error(r, ps[1]) == error::bad_packet);
    }
    SUBCASE("a continuation of an unknown sequence") {
      dist::packet_reader r(true);
      CHECK(read_error(r, ps[1]) == error::bad_packet);
      auto other = fragment_header(70, 99, 1);
      append(other, bytes({106}));
      CHECK(read_error(r, other) == error::bad_packet);
    }
    SUBCASE("a continuation after its sequence ended") {
      dist::packet_reader r(true);
      for (auto const& p : ps) REQUIRE(r.read(p));
      CHECK(read_error(r, ps.back()) == error::bad_packet);
    }
    SUBCASE("a first fragment for a sequence still in progress") {
      dist::packet_reader r(true);
      REQUIRE(r.read(ps[0]));
      CHECK(read_error(r, ps[0]) == error::bad_packet);
    }
    SUBCASE("fragment id 0") {
      dist::packet_reader r(true);
      auto zero = ps[0];
      endian::store_be(zero.data() + 10, std::uint64_t{0});
      CHECK(read_error(r, zero) == error::bad_packet);
      REQUIRE(r.read(ps[0]));
      auto zero_f = ps[1];
      endian::store_be(zero_f.data() + 10, std::uint64_t{0});
      CHECK(read_error(r, zero_f) == error::bad_packet);
    }
    SUBCASE("headers cut short") {
      dist::packet_reader r(true);
      for (std::size_t n = 2; n < 19; ++n) {
        CAPTURE(n);
        CHECK(read_error(r, packet(ps[0].begin(), ps[0].begin() + static_cast<std::ptrdiff_t>(n))) ==
              error::bad_packet);
      }
      CHECK(r.sequences() == 0);
    }
    SUBCASE("a first fragment whose control term is cut") {
      dist::packet_reader r(true);
      auto cut = fragment_header(69, 5, 2);
      append(cut, bytes({0, 104, 3, 97}));
      CHECK(read_error(r, cut) == error::bad_packet);
      CHECK(r.sequences() == 0);
    }
  }

  TEST_CASE("packet: the gathered payload must be exactly one term") {
    dist::packet_reader r(true);
    auto first = fragment_header(69, 5, 2);
    append(first, bytes({0, 104, 1, 97, 6, 104, 2}));
    auto last = fragment_header(70, 5, 1);
    append(last, bytes({97, 1, 97, 2, 106})); // {1,2} and then a stray []
    REQUIRE(r.read(first));
    CHECK(read_error(r, last) == error::bad_packet);
  }

  TEST_CASE("packet: limits bound message size and sequences in progress") {
    dist::packet_writer w(true, true, 64);
    auto const msg = big_payload(1000);
    auto o = w.make(send_ctl(), &msg, 1);
    auto ps = take_all(o);

    dist::packet_reader::limits small;
    small.max_message = 500;
    dist::packet_reader r(true, small);
    error_code last{};
    for (auto const& p : ps) {
      auto m = r.read(p);
      if (!m) {
        last = m.error();
        break;
      }
    }
    CHECK(last == error::too_large);

    dist::packet_reader::limits one;
    one.max_sequences = 1;
    dist::packet_reader r1(true, one);
    auto o2 = w.make(send_ctl(), &msg, 2);
    auto ps2 = take_all(o2);
    REQUIRE(r1.read(ps[0]));
    CHECK(read_error(r1, ps2[0]) == error::too_large);
    CHECK(r1.sequences() == 1);
  }

  TEST_CASE("packet: 'D' headers fill the atom cache, and later headers refer to its slots") {
    dist::packet_reader r(true);
    // N=2, both new: foo at segment 0 slot 5, bar at segment 3 slot 7 (flags 0xB8, then
    // the extra nibble in the low half of the next byte: short atoms).
    auto p1 = bytes({131, 68, 2, 0xB8, 0x00, 5, 3, 'f', 'o', 'o', 7, 3, 'b', 'a', 'r', 104, 2, 82, 0, 82, 1});
    auto m1 = read_whole(r, p1);
    CHECK(m1.control == term::tuple_of({atom("foo"), atom("bar")}));
    CHECK(!m1.payload);

    // N=3 (odd): bar (old, segment 3), foo (old, segment 0), baz (new, segment 1, slot 9)
    // with LongAtoms in the high nibble of the last flag byte, so its length has 2 bytes.
    auto p2 = bytes({131, 68, 3, 0x03, 0x19, 7, 5, 9, 0, 3, 'b', 'a', 'z', 104, 3, 82, 0, 82, 1, 82, 2});
    auto m2 = read_whole(r, p2);
    CHECK(m2.control == term::tuple_of({atom("bar"), atom("foo"), atom("baz")}));

    // N=2 (even) with LongAtoms in the low nibble of byte N/2; the payload uses the refs too.
    auto p3 = bytes({131, 68,  2, 0x1A, 0x01, 0,  0, 9,  'l', 'o', 'n', 'g', '_', 'a', 't',
                     'o', 'm', 9, 104,  2,    82, 0, 82, 1,   104, 2,   82,  1,   82,  0});
    auto m3 = read_whole(r, p3);
    CHECK(m3.control == term::tuple_of({atom("long_atom"), atom("baz")}));
    REQUIRE(m3.payload);
    CHECK(*m3.payload == term::tuple_of({atom("baz"), atom("long_atom")}));

    // A new entry replaces what a slot held.
    auto p4 = bytes({131, 68, 1, 0x08, 5, 3, 'q', 'u', 'x', 104, 1, 82, 0});
    CHECK(read_whole(r, p4).control == term::tuple_of({atom("qux")}));
    auto p5 = bytes({131, 68, 2, 0x20, 0x00, 5, 0, 104, 2, 82, 0, 82, 1});
    CHECK(read_whole(r, p5).control == term::tuple_of({atom("qux"), atom("long_atom")}));

    // No refs at all: 131 68 0.
    CHECK(read_whole(r, bytes({131, 68, 0, 104, 0})).control == term::tuple_of({}));
  }

  TEST_CASE("packet: a long atom in the cache takes a 2-byte length") {
    std::string name;
    for (int i = 0; i < 150; ++i) name += "ж"; // 300 bytes, 150 characters
    auto p = bytes({131, 68, 1, 0x18, 4, 0x01, 0x2C});
    append(p, name);
    append(p, bytes({104, 1, 82, 0}));
    dist::packet_reader r(true);
    CHECK(read_whole(r, p).control == term::tuple_of({atom(name)}));
  }

  TEST_CASE("packet: the first fragment's atom cache refs serve the whole payload") {
    dist::packet_reader r(true);
    auto first = fragment_header(69, 5, 2);
    append(first, bytes({1, 0x08, 1, 3, 'f', 'o', 'o', 104, 2, 97, 6, 82, 0, 104, 2, 82, 0}));
    auto last = fragment_header(70, 5, 1);
    append(last, bytes({97, 1}));
    auto m = r.read(first);
    REQUIRE(m);
    CHECK(!m->has_value());
    // A 'D' packet in between changes this header's refs but not the fragment's.
    CHECK(read_whole(r, bytes({131, 68, 1, 0x08, 2, 3, 'b', 'a', 'r', 104, 1, 82, 0})).control ==
          term::tuple_of({atom("bar")}));
    auto done = read_whole(r, last);
    CHECK(done.control == term::tuple_of({6, atom("foo")}));
    REQUIRE(done.payload);
    CHECK(*done.payload == term::tuple_of({atom("foo"), 1}));
    // The slot filled by the fragment's header is in the connection's cache.
    CHECK(read_whole(r, bytes({131, 68, 1, 0x00, 1, 104, 1, 82, 0})).control == term::tuple_of({atom("foo")}));
  }

  TEST_CASE("packet: a reference to a slot never filled is bad_packet") {
    dist::packet_reader r(true);
    CHECK(read_error(r, bytes({131, 68, 1, 0x00, 42, 104, 1, 82, 0})) == error::bad_packet);
    CHECK(read_error(r, bytes({131, 68, 1, 0x07, 255, 104, 1, 82, 0})) == error::bad_packet);
    // Filled in segment 0 is not filled in segment 1.
    REQUIRE(r.read(bytes({131, 68, 1, 0x08, 42, 1, 'a', 104, 1, 82, 0})));
    CHECK(read_error(r, bytes({131, 68, 1, 0x01, 42, 104, 1, 82, 0})) == error::bad_packet);
    CHECK(read_whole(r, bytes({131, 68, 1, 0x00, 42, 104, 1, 82, 0})).control == term::tuple_of({atom("a")}));
  }

  TEST_CASE("packet: malformed 'D' headers are bad_packet") {
    std::vector<packet> const bad = {
        bytes({131, 68}),                                           // no count
        bytes({131, 68, 2, 0x88}),                                  // flags cut
        bytes({131, 68, 1, 0x08}),                                  // entry missing
        bytes({131, 68, 1, 0x08, 5}),                               // length missing
        bytes({131, 68, 1, 0x08, 5, 3, 'f', 'o'}),                  // text cut
        bytes({131, 68, 1, 0x18, 5, 0}),                            // long length cut
        bytes({131, 68, 1, 0x08, 5, 2, 0xC3, 0x28, 104, 1, 82, 0}), // not UTF-8
        bytes({131, 68, 1, 0x08, 5, 1, 'a', 104, 1, 82, 1}),        // ref beyond this header's entries
        bytes({131, 68, 1, 0x08, 5, 1, 'a'}),                       // no control term
        bytes({131, 68, 0, 82, 0}),                                 // ref with no entries at all
        bytes({131, 68, 0, 104, 2, 97}),                            // control cut
    };
    for (auto const& p : bad) {
      CAPTURE(hex(p));
      dist::packet_reader r(true);
      CHECK(read_error(r, p) == error::bad_packet);
    }
  }

  TEST_CASE("packet: large binaries of a packet share it when the owner is given") {
    std::vector<std::byte> out;
    auto const msg = term::binary_of(std::string(1000, 'z'));
    dist::packet_writer(true, false).write(send_ctl(), &msg, out);
    term::binary owner(std::span<std::byte const>(out).subspan(4));
    dist::packet_reader r(true);
    auto m = r.read(owner.bytes(), &owner);
    REQUIRE(m);
    REQUIRE(*m);
    auto const& payload = *(**m).payload;
    REQUIRE(payload == msg);
    auto const* data = payload.bytes().data();
    CHECK(data >= owner.data());
    CHECK(data < owner.data() + owner.size());
  }

  TEST_CASE("packet: seeded random round trips through writer and reader") {
    std::uint32_t const seed = 0xD157;
    CAPTURE(seed);
    std::mt19937 rng(seed);
    for (int i = 0; i < 100; ++i) {
      bool const header = rng() & 1;
      bool const frag = header && (rng() & 1);
      std::size_t const fsize = 16 + rng() % 200;
      dist::packet_writer w(header, frag, fsize);
      dist::packet_reader r(header);
      std::vector<value> sent;
      std::vector<std::byte> stream;
      for (int k = 0; k < 5; ++k) {
        auto msg = big_payload(rng() % 2000, static_cast<char>('a' + k));
        sent.push_back(msg);
        auto o = w.make(send_ctl(), &msg, static_cast<std::uint64_t>(k + 1));
        while (!o.done()) o.take(stream);
      }
      std::vector<value> got;
      for (auto const& p : split(stream)) {
        auto m = r.read(p);
        REQUIRE(m);
        if (*m) got.push_back(*(**m).payload);
      }
      CHECK(got == sent);
    }
  }

  TEST_CASE("packet: mutated packets are refused or read, never crash") {
    std::uint32_t const seed = 1234567;
    CAPTURE(seed);
    std::mt19937 rng(seed);
    // Sessions of valid packets: header mode with cache and fragments, and pass-through.
    std::vector<std::pair<bool, std::vector<packet>>> sessions;
    {
      std::vector<packet> s = {
          bytes({131, 68, 2, 0xB8, 0x00, 5, 3, 'f', 'o', 'o', 7, 3, 'b', 'a', 'r', 104, 2, 82, 0, 82, 1}),
          bytes({131, 68, 3, 0x03, 0x19, 7, 5, 9, 0, 3, 'b', 'a', 'z', 104, 3, 82, 0, 82, 1, 82, 2}),
      };
      dist::packet_writer w(true, true, 32);
      auto const msg = big_payload(150);
      auto o = w.make(send_ctl(), &msg, 77);
      for (auto& p : take_all(o)) s.push_back(std::move(p));
      sessions.emplace_back(true, std::move(s));
    }
    {
      std::vector<std::byte> out;
      value const msg = term::map_of({{atom("k"), term::list_of({1, 2.5, term::binary_of("v")})}});
      dist::packet_writer(false, false).write(send_ctl(), &msg, out);
      sessions.emplace_back(false, split(out));
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < 4000; ++i) {
      auto const& [header, base] = sessions[rng() % sessions.size()];
      auto session = base;
      auto& victim = session[rng() % session.size()];
      switch (rng() % 4) {
        case 0: // flip bytes
          for (std::size_t k = 0, n = 1 + rng() % 3; k < n && !victim.empty(); ++k)
            victim[rng() % victim.size()] = static_cast<std::byte>(rng());
          break;
        case 1: // cut
          victim.resize(rng() % (victim.size() + 1));
          break;
        case 2: // grow
          for (std::size_t k = 0, n = 1 + rng() % 8; k < n; ++k) victim.push_back(static_cast<std::byte>(rng()));
          break;
        default: // a set byte in the header
          if (victim.size() > 2) victim[2 + rng() % std::min<std::size_t>(victim.size() - 2, 17)] = std::byte{0xFF};
      }
      dist::packet_reader r(header);
      for (auto const& p : session) {
        auto m = r.read(p);
        if (!m) {
          CHECK((m.error() == error::bad_packet || m.error() == error::too_large));
          ++refused;
          break;
        }
        ++ok;
      }
    }
    CHECK(refused > 0);
    CHECK(ok > 0);
  }

  TEST_CASE("packet: a large binary leaves from where it lies, whole or in fragments") {
    std::string const a(100 * 1024, 'a'), b(20 * 1024, 'b');
    value const msg = term::tuple_of({atom("data"), term::binary_of(a), term::list_of({term::binary_of(b), 7})});
    auto const ctl = send_ctl();
    auto const* a_bytes = msg[1].as_binary().data();
    for (bool header : {false, true}) {
      for (bool fragments : {false, true}) {
        if (fragments && !header) continue; // fragments come with the header form
        CAPTURE(header);
        CAPTURE(fragments);
        // Fragments of 16 KiB: a's bytes span several of them.
        dist::packet_writer w(header, fragments, 16 * 1024);
        auto const ps = term::encoded_size(msg);
        CHECK(dist::packet_writer::gathers(&msg, ps));
        value const small = term::binary_of(std::string(100, 's'));
        CHECK(!dist::packet_writer::gathers(&small, term::encoded_size(small)));
        CHECK(!dist::packet_writer::gathers(nullptr, 0));

        auto o = w.make(ctl, &msg, 9);
        CHECK(o.gathered());
        // The first slice (the whole packet, or the first fragment) shows a's bytes in place.
        auto peek = w.make(ctl, &msg, 9);
        std::vector<std::byte> heads;
        std::vector<std::span<std::byte const>> pieces;
        peek.take_view(heads, pieces);
        bool in_place = false;
        for (auto p : pieces) in_place = in_place || p.data() == a_bytes;
        CHECK(in_place);

        auto packets = take_all(o);
        if (fragments)
          CHECK(packets.size() == 1 + (term::encoded_size(ctl) + ps - 16 * 1024 + 16 * 1024 - 1) / (16 * 1024));
        else
          CHECK(packets.size() == 1);
        if (!fragments) {
          std::vector<std::byte> direct;
          w.write(ctl, &msg, direct);
          CHECK(packets == split(direct)); // the same bytes as the copying writer's
        }
        dist::packet_reader r(header);
        auto const got = read_all(r, packets);
        CHECK(got.control == ctl);
        REQUIRE(got.payload);
        CHECK(*got.payload == msg);
      }
    }
  }
}
