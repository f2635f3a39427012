#include <enode/term/encode.hpp>

#include <enode/term/decode.hpp>
#include <enode/term/integer.hpp>

#include "term/test_util.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>

namespace term = enode::term;
using term::atom;
using term::value;
using term::test::bytes;
using term::test::hex;

namespace {
std::string enc(value const& v, term::encode_options o = {}) { return hex(term::encode(v, o)); }
} // namespace

TEST_SUITE("term") {
  TEST_CASE("encode: integers take the smallest form, as term_to_binary does") {
    CHECK(enc(0) == "836100");
    CHECK(enc(255) == "8361ff");
    CHECK(enc(256) == "836200000100");
    CHECK(enc(-1) == "8362ffffffff");
    CHECK(enc(std::numeric_limits<std::int32_t>::max()) == "83627fffffff");
    CHECK(enc(std::int64_t{1} << 31) == "836e040000000080");
    CHECK(enc(-(std::int64_t{1} << 31) - 1) == "836e040101000080");
    CHECK(enc(std::numeric_limits<std::int64_t>::min()) == "836e08010000000000000080");
    CHECK(enc(term::make_integer(term::big_int(1) << 64)) == "836e0900000000000000000001");
    term::big_int huge = term::big_int(1) << (8 * 300);
    auto e = term::encode(term::make_integer(-huge));
    CHECK(hex(std::span(e).first(7)) == "836f0000012d01"); // LARGE_BIG_EXT, 301 bytes, negative
  }

  TEST_CASE("encode: floats, atoms and the modern tags") {
    CHECK(enc(1.0) == "83463ff0000000000000");
    CHECK(enc(-0.0) == "83468000000000000000");
    CHECK(enc(atom("ok")) == "8377026f6b");
    std::string long_name;
    for (int i = 0; i < 100; ++i) long_name += "ж"; // 200 bytes: still SMALL_ATOM_UTF8_EXT
    CHECK(enc(atom(long_name)).substr(0, 6) == "8377c8");
    for (int i = 0; i < 100; ++i) long_name += "ж"; // 400 bytes: ATOM_UTF8_EXT
    CHECK(enc(atom(long_name)).substr(0, 8) == "83760190");
    CHECK(enc(value(term::pid{atom("a"), 1, 2, 3})) == "8358770161000000010000000200000003");
    CHECK(enc(value(term::port{atom("a"), 5, 3})) == "8359770161000000050000000"
                                                     "3");
    CHECK(enc(value(term::port{atom("a"), 0x0FFFFFFF, 3})) == "83597701610fffffff00000003");
    CHECK(enc(value(term::port{atom("a"), 0x10000000, 3})) == "837877016100000000100000000000000"
                                                              "3");
    CHECK(enc(value(term::port{atom("a"), 1ull << 32, 3})) == "837877016100000001000000000000000"
                                                              "3");
    // OTP 26 and later write every port as V4_PORT_EXT.
    CHECK(enc(value(term::port{atom("a"), 5, 3}), {.v4_ports = true}) == "83787701610000000000000005"
                                                                         "00000003");
    CHECK(enc(value(term::reference{atom("a"), 3, 2, {1, 2, 0, 0, 0}})) == "835a000277016100000003000000010000000"
                                                                           "2");
    CHECK(enc(value(term::external_fun{atom("m"), atom("f"), 2})) == "837177016d770166"
                                                                     "6102");
  }

  TEST_CASE("encode: byte lists become STRING_EXT, others LIST_EXT") {
    CHECK(enc(term::string_of("ab")) == "836b00026162");
    CHECK(enc(term::list_of({1, 256})) == "836c000000026101620000010"
                                          "06a");
    CHECK(enc(term::list_of(std::vector<value>{1}, atom("x"))) == "836c00000001610177017"
                                                                  "8");
    CHECK(enc(value()) == "836a");
    std::vector<value> bytes65535(65535, value(7));
    CHECK(enc(term::list_of(bytes65535)).substr(0, 6) == "836bff");
    std::vector<value> bytes65536(65536, value(7));
    CHECK(enc(term::list_of(bytes65536)).substr(0, 12) == "836c00010000");
  }

  TEST_CASE("encode: tuples, maps, binaries and bitstrings") {
    CHECK(enc(term::tuple_of({})) == "836800");
    CHECK(enc(term::tuple_of(std::vector<value>(256, value()))).substr(0, 12) == "836900000100");
    CHECK(enc(term::map_of({{atom("b"), 1}, {atom("a"), 2}})) == "83740000000277016161027701626101");
    CHECK(enc(term::binary_of("hi")) == "836d000000026869");
    std::byte b[1] = {std::byte{0xE0}};
    CHECK(enc(value(term::binary::bitstring(b, 3))) == "834d0000000103e0");
  }

  TEST_CASE("encode: encoded_size matches what encode_body writes") {
    value t = term::tuple_of({atom("x"), term::list_of({1, 2.5, term::binary_of("b")}),
                              term::make_integer(term::big_int(1) << 200), term::map_of({{1, 2}})});
    std::size_t n = term::encoded_size(t);
    std::vector<std::byte> buf(n + 16);
    CHECK(term::encode_body(t, buf) == n);
    CHECK(term::encode(t).size() == n + 1);
  }

  TEST_CASE("encode: compression is used only when it makes the term smaller") {
    value big = term::list_of(std::vector<value>(1000, value(atom("hello"))));
    auto c = term::encode(big, {.compression_level = 6});
    CHECK(std::to_integer<int>(c[1]) == 80);
    CHECK(c.size() < term::encode(big).size());
    auto back = term::decode(c);
    REQUIRE(back);
    CHECK(*back == big);
    value small = term::tuple_of({1, 2});
    CHECK(term::encode(small, {.compression_level = 6}) == term::encode(small));
  }

  TEST_CASE("encode: encode_append appends complete terms") {
    std::vector<std::byte> out = bytes({1, 2});
    term::encode_append(value(1), out);
    CHECK(hex(out) == "0102836101");
  }

  TEST_CASE("encode: a gathered encoding refers to large binaries and puts them back in place") {
    std::string const big(5000, 'b'), edge(4096, 'e'), small(4095, 's');
    std::vector<std::byte> bits(8000, std::byte{0xA5});
    term::fun f; // a closure whose free variable is a large binary: its size field counts it
    f.module = atom("m");
    f.arity = 1;
    f.old_index = value(0);
    f.old_uniq = value(0);
    f.pid = value(term::pid{atom("a@h"), 1, 0, 1});
    f.free_vars = {term::binary_of(big)};
    value const t = term::tuple_of(
        {atom("x"), term::binary_of(big),
         term::list_of({term::binary_of(small), term::binary_of(edge), value(term::binary::bitstring(bits, 3))}),
         term::map_of({{term::binary_of(big), 1}}), value(f), 42});
    std::size_t const threshold = 4096;
    std::size_t const spliced = term::spliced_size(t, threshold);
    CHECK(spliced == big.size() * 3 + edge.size() + bits.size());
    CHECK(term::spliced_size(t, 100000) == 0);

    std::size_t const n = term::encoded_size(t);
    std::vector<std::byte> whole(n);
    term::encode_body(t, whole);
    for (std::size_t base : {std::size_t{0}, std::size_t{7}}) {
      CAPTURE(base);
      std::vector<std::byte> held(n - spliced);
      std::vector<term::splice> splices;
      CHECK(term::encode_body_gathered(t, held, threshold, splices, base) == held.size());
      REQUIRE(splices.size() == 5);
      // Put back together, the pieces are the ordinary encoding.
      std::vector<std::byte> joined;
      std::size_t at = base, from = 0;
      for (auto const& s : splices) {
        REQUIRE(s.at >= at);
        joined.insert(joined.end(), held.begin() + static_cast<std::ptrdiff_t>(from),
                      held.begin() + static_cast<std::ptrdiff_t>(from + (s.at - at)));
        from += s.at - at;
        joined.insert(joined.end(), s.bytes.begin(), s.bytes.end());
        at = s.at + s.bytes.size();
        CHECK(s.owner.is_bitstring());
        CHECK(s.owner.as_binary().data() == s.bytes.data()); // referred to, not copied
      }
      joined.insert(joined.end(), held.begin() + static_cast<std::ptrdiff_t>(from), held.end());
      CHECK(joined == whole);
    }
  }
}
