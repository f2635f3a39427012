#include <enode/term/decode.hpp>

#include <enode/term/atom_cache.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/print.hpp>

#include "term/test_util.hpp"

#include <doctest/doctest.h>

#include <zlib.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace term = enode::term;
using term::atom;
using term::error;
using term::value;
using term::test::bytes;

namespace {

enode::result<value> dec(std::vector<std::byte> const& b, term::decode_options const& o = {}) {
  return term::decode(b, o);
}

std::string show(std::vector<std::byte> const& b) {
  auto v = dec(b);
  return v ? term::to_string(*v) : "error: " + v.error().message();
}

std::vector<std::byte> repeat(std::vector<std::byte> unit, std::size_t n, std::vector<std::byte> end) {
  std::vector<std::byte> out = bytes({131});
  for (std::size_t i = 0; i < n; ++i) out.insert(out.end(), unit.begin(), unit.end());
  out.insert(out.end(), end.begin(), end.end());
  return out;
}

std::vector<std::byte> compressed(std::vector<std::byte> const& body, std::uint32_t announced) {
  std::vector<std::byte> z(compressBound(static_cast<uLong>(body.size())));
  uLongf zlen = static_cast<uLongf>(z.size());
  compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<Bytef const*>(body.data()),
            static_cast<uLong>(body.size()), 6);
  z.resize(zlen);
  auto out = bytes({131, 80, static_cast<int>(announced >> 24), static_cast<int>((announced >> 16) & 255),
                    static_cast<int>((announced >> 8) & 255), static_cast<int>(announced & 255)});
  out.insert(out.end(), z.begin(), z.end());
  return out;
}

} // namespace

TEST_SUITE("term") {
  TEST_CASE("decode: every modern tag") {
    CHECK(show(bytes({131, 97, 255})) == "255");
    CHECK(show(bytes({131, 98, 255, 255, 255, 255})) == "-1");
    CHECK(show(bytes({131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128})) == "9223372036854775808");
    CHECK(show(bytes({131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128})) == "-9223372036854775808");
    CHECK(show(bytes({131, 111, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})) == "18446744073709551616");
    CHECK(show(bytes({131, 70, 63, 240, 0, 0, 0, 0, 0, 0})) == "1.0");
    CHECK(show(bytes({131, 119, 2, 111, 107})) == "ok");
    CHECK(show(bytes({131, 118, 0, 2, 0xD0, 0xB6})) == "'\\x{436}'");
    CHECK(show(bytes({131, 104, 2, 97, 1, 106})) == "{1,[]}");
    CHECK(show(bytes({131, 105, 0, 0, 0, 1, 97, 1})) == "{1}");
    CHECK(show(bytes({131, 107, 0, 3, 97, 98, 99})) == "\"abc\"");
    CHECK(show(bytes({131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 119, 1, 120})) == "[1,2|x]");
    CHECK(show(bytes({131, 109, 0, 0, 0, 2, 104, 105})) == "<<\"hi\">>");
    CHECK(show(bytes({131, 77, 0, 0, 0, 1, 3, 0xE0})) == "<<7:3>>");
    CHECK(show(bytes({131, 116, 0, 0, 0, 1, 119, 1, 97, 97, 1})) == "#{a => 1}");
    CHECK(show(bytes({131, 88, 119, 3, 97, 64, 104, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1})) == "<a@h:1.5.0>");
    CHECK(show(bytes({131, 89, 119, 3, 97, 64, 104, 0, 0, 0, 5, 0, 0, 0, 2})) == "#Port<a@h:2.5>");
    CHECK(show(bytes({131, 120, 119, 3, 97, 64, 104, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2})) ==
          "#Port<a@h:2.1099511627776>");
    CHECK(show(bytes({131, 90, 0, 2, 119, 3, 97, 64, 104, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2})) == "#Ref<a@h:3.2.1>");
    CHECK(show(bytes({131, 113, 119, 5, 108, 105, 115, 116, 115, 119, 3, 109, 97, 112, 97, 2})) == "fun lists:map/2");
  }

  TEST_CASE("decode: legacy tags") {
    CHECK(show(bytes({131, 100, 0, 2, 0xE9, 0x74})) == "ét");                                 // ATOM_EXT, Latin-1
    CHECK(show(bytes({131, 115, 1, 0xE9})) == "é");                                           // SMALL_ATOM_EXT
    CHECK(show(bytes({131, 103, 100, 0, 1, 110, 0, 0, 0, 1, 0, 0, 0, 2, 3})) == "<n:3.1.2>"); // PID_EXT
    CHECK(show(bytes({131, 102, 100, 0, 1, 110, 0, 0, 0, 1, 2})) == "#Port<n:2.1>");          // PORT_EXT
    CHECK(show(bytes({131, 101, 100, 0, 1, 110, 0, 0, 0, 7, 2})) == "#Ref<n:2.7>");           // REFERENCE_EXT
    CHECK(show(bytes({131, 114, 0, 2, 100, 0, 1, 110, 2, 0, 0, 0, 1, 0, 0, 0, 2})) == "#Ref<n:2.2.1>");
    std::string f = "1.50000000000000000000e+00";
    auto b = bytes({131, 99});
    for (char c : f) b.push_back(static_cast<std::byte>(c));
    b.resize(2 + 31, std::byte{0});
    CHECK(show(b) == "1.5"); // FLOAT_EXT
  }

  TEST_CASE("decode: non-canonical input still decodes to canonical values") {
    // A bignum that fits in 64 bits, with a leading zero byte: a small integer.
    auto v = dec(bytes({131, 110, 3, 0, 5, 0, 0}));
    REQUIRE(v);
    CHECK(v->is_small());
    CHECK(v->as_int() == 5);
    // A list whose tail is another list: spliced.
    auto l = dec(bytes({131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106}));
    REQUIRE(l);
    CHECK(*l == term::list_of({1, 2}));
    // BIT_BINARY_EXT with all 8 bits used is a binary.
    auto bin = dec(bytes({131, 77, 0, 0, 0, 1, 8, 65}));
    REQUIRE(bin);
    CHECK(bin->is_binary());
    // Garbage in the unused bits of a bitstring is cleared.
    auto bits = dec(bytes({131, 77, 0, 0, 0, 1, 3, 0xFF}));
    REQUIRE(bits);
    CHECK(*bits == *dec(bytes({131, 77, 0, 0, 0, 1, 3, 0xE0})));
    // Unsorted map keys are sorted.
    auto m = dec(bytes({131, 116, 0, 0, 0, 2, 119, 1, 98, 97, 1, 119, 1, 97, 97, 2}));
    REQUIRE(m);
    CHECK(term::to_string(*m) == "#{a => 2,b => 1}");
  }

  TEST_CASE("decode: rejects a missing version byte and trailing bytes") {
    CHECK(dec(bytes({97, 1})).error() == error::bad_version);
    CHECK(dec(bytes({131, 97, 1, 0})).error() == error::trailing_bytes);
    CHECK(dec({}).error() == error::need_more);
    term::decode_failure f;
    auto r = term::decode(bytes({131, 97, 1, 0}), {}, &f);
    CHECK(!r);
    CHECK(f.offset == 3);
  }

  TEST_CASE("decode: every truncation of a valid term is refused") {
    value t =
        term::tuple_of({atom("ok"), term::list_of({1, 300, 70000}), term::binary_of("payload"), 1.5,
                        term::map_of({{atom("k"), term::string_of("v")}}), value(term::pid{atom("n@h"), 1, 2, 3}),
                        term::make_integer(term::big_int(1) << 100), term::list_of(std::vector<value>{1}, atom("t")),
                        value(term::reference{atom("n@h"), 1, 3, {1, 2, 3, 0, 0}})});
    auto full = term::encode(t);
    for (std::size_t n = 0; n < full.size(); ++n) {
      CAPTURE(n);
      std::vector<std::byte> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto r = dec(prefix);
      REQUIRE(!r);
      // Cut inside a field: need_more; cut after a count that the rest cannot hold: bad_length.
      CHECK((r.error() == error::need_more || r.error() == error::bad_length));
    }
    CHECK(dec(full));
  }

  TEST_CASE("decode: rejects unknown and misplaced tags") {
    for (int t : {0, 1, 60, 71, 81, 91, 96, 122, 200, 255}) {
      CAPTURE(t);
      CHECK(dec(bytes({131, t})).error() == error::bad_tag);
    }
    CHECK(dec(bytes({131, 104, 1, 80, 0, 0, 0, 1, 0})).error() == error::bad_tag); // compressed inside a term
    CHECK(dec(bytes({131, 117, 0, 0, 0, 0})).error() == error::bad_fun);           // FUN_EXT, gone since OTP 23
    CHECK(dec(bytes({131, 121, 1, 2, 3})).error() == error::local_ext);
    CHECK(dec(bytes({131, 88, 97, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).error() == error::expected_atom);
  }

  TEST_CASE("decode: a list header claiming 4 billion elements in 10 bytes") {
    auto r = dec(bytes({131, 108, 255, 255, 255, 255, 97, 1, 106, 0}));
    REQUIRE(!r);
    CHECK(r.error() == error::bad_length);
  }

  TEST_CASE("decode: other lengths larger than the input") {
    CHECK(dec(bytes({131, 105, 255, 255, 255, 255, 97, 1})).error() == error::bad_length);  // tuple
    CHECK(dec(bytes({131, 116, 128, 0, 0, 0, 97, 1, 97, 2})).error() == error::bad_length); // map
    CHECK(dec(bytes({131, 109, 255, 255, 255, 255, 1, 2})).error() == error::need_more);    // binary
    CHECK(dec(bytes({131, 77, 255, 255, 255, 255, 3, 1})).error() == error::need_more);     // bitstring
    CHECK(dec(bytes({131, 107, 255, 255, 97})).error() == error::need_more);                // string
    CHECK(dec(bytes({131, 111, 255, 255, 255, 255, 0, 1})).error() == error::need_more);    // bignum
    CHECK(dec(bytes({131, 118, 255, 255, 97})).error() == error::need_more);                // atom
    CHECK(dec(bytes({131, 112, 255, 255, 255, 255, 0})).error() == error::need_more);       // fun
    CHECK(dec(bytes({131, 90, 255, 255, 119, 1, 97})).error() == error::bad_reference);     // ref words
    CHECK(dec(bytes({131, 90, 0, 0, 119, 1, 97, 0, 0, 0, 0})).error() == error::bad_reference);
    CHECK(dec(bytes({131, 90, 0, 6, 119, 1, 97, 0, 0, 0, 0})).error() == error::bad_reference);
  }

  TEST_CASE("decode: nesting 100 000 deep is refused without exhausting the stack") {
    CHECK(dec(repeat(bytes({104, 1}), 100000, bytes({106}))).error() == error::too_deep);               // tuples
    CHECK(dec(repeat(bytes({108, 0, 0, 0, 1}), 100000, bytes({106, 106}))).error() == error::too_deep); // lists
    CHECK(dec(repeat(bytes({116, 0, 0, 0, 1, 97, 1}), 100000, bytes({106}))).error() == error::too_deep);
    // Nested through list tails, which BEAM never writes but the format allows.
    CHECK(dec(repeat(bytes({108, 0, 0, 0, 1, 97, 1}), 100000, bytes({106}))).error() == error::too_deep);
    // Within the limit, deep terms decode.
    CHECK(dec(repeat(bytes({104, 1}), 1000, bytes({106}))));
    term::decode_options o;
    o.max_depth = 10;
    CHECK(dec(repeat(bytes({104, 1}), 11, bytes({106})), o).error() == error::too_deep);
    CHECK(dec(repeat(bytes({104, 1}), 10, bytes({106})), o));
  }

  TEST_CASE("decode: atoms must be valid UTF-8 of at most 255 characters") {
    CHECK(dec(bytes({131, 119, 2, 0xC0, 0x80})).error() == error::bad_utf8);
    CHECK(dec(bytes({131, 119, 1, 0xFF})).error() == error::bad_utf8);
    CHECK(dec(bytes({131, 118, 0, 3, 0xED, 0xA0, 0x80})).error() == error::bad_utf8); // surrogate
    auto long_atom = bytes({131, 118, 1, 0});
    long_atom.resize(long_atom.size() + 256, std::byte{'a'});
    CHECK(dec(long_atom).error() == error::atom_too_long);
    auto latin = bytes({131, 100, 1, 0});
    latin.resize(latin.size() + 256, std::byte{'a'});
    CHECK(dec(latin).error() == error::atom_too_long);
  }

  TEST_CASE("decode: compressed terms") {
    value t = term::list_of(std::vector<value>(1000, value(atom("hello"))));
    auto body = term::encode(t);
    body.erase(body.begin());
    auto ok = dec(compressed(body, static_cast<std::uint32_t>(body.size())));
    REQUIRE(ok);
    CHECK(*ok == t);
    SUBCASE("announcing more than the limit is refused before inflating") {
      term::decode_options o;
      o.max_inflated_size = 1000;
      CHECK(dec(compressed(body, static_cast<std::uint32_t>(body.size())), o).error() == error::too_large);
      CHECK(dec(compressed(body, 0xFFFFFFFF)).error() == error::too_large);
    }
    SUBCASE("data that inflates past the announced size is refused") {
      CHECK(dec(compressed(body, 100)).error() == error::bad_compression);
    }
    SUBCASE("data that inflates short of the announced size is refused") {
      CHECK(dec(compressed(body, static_cast<std::uint32_t>(body.size() + 1))).error() == error::bad_compression);
    }
    SUBCASE("garbage instead of zlib data") {
      CHECK(dec(bytes({131, 80, 0, 0, 0, 5, 1, 2, 3, 4, 5, 6, 7})).error() == error::bad_compression);
    }
    SUBCASE("a truncated stream asks for more") {
      auto c = compressed(body, static_cast<std::uint32_t>(body.size()));
      c.resize(c.size() - 3);
      CHECK(dec(c).error() == error::need_more);
    }
  }

  TEST_CASE("decode: floats that Erlang cannot hold") {
    CHECK(dec(bytes({131, 70, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0})).error() == error::bad_float); // NaN
    CHECK(dec(bytes({131, 70, 0x7F, 0xF0, 0, 0, 0, 0, 0, 0})).error() == error::bad_float); // +inf
    auto b = bytes({131, 99});
    for (char c : std::string("nonsense")) b.push_back(static_cast<std::byte>(c));
    b.resize(33, std::byte{0});
    CHECK(dec(b).error() == error::bad_float);
  }

  TEST_CASE("decode: malformed maps, bitstrings and funs") {
    CHECK(dec(bytes({131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3})).error() == error::duplicate_map_key);
    CHECK(dec(bytes({131, 77, 0, 0, 0, 1, 0, 1})).error() == error::bad_bitstring);
    CHECK(dec(bytes({131, 77, 0, 0, 0, 1, 9, 1})).error() == error::bad_bitstring);
    CHECK(dec(bytes({131, 77, 0, 0, 0, 0, 1})).error() == error::bad_bitstring);
    CHECK(dec(bytes({131, 77, 0, 0, 0, 0, 0})).error() == error::bad_bitstring);                       // as OTP 27+
    CHECK(dec(bytes({131, 113, 119, 1, 109, 119, 1, 102, 98, 0, 0, 0, 1})).error() == error::bad_fun); // arity tag
    // A NEW_FUN_EXT whose size field disagrees with its contents.
    term::fun f;
    f.module = atom("m");
    f.old_index = 0;
    f.old_uniq = 1;
    f.pid = value(term::pid{atom("n@h"), 1, 0, 1});
    auto good = term::encode(value(f));
    CHECK(dec(good));
    auto bad = good;
    bad[5] = static_cast<std::byte>(std::to_integer<int>(bad[5]) - 1);
    CHECK(dec(bad).error() == error::bad_fun);
  }

  TEST_CASE("decode: atom cache references resolve through the caller's cache") {
    auto b = bytes({131, 104, 2, 82, 0, 82, 7});
    CHECK(dec(b).error() == error::bad_atom_cache_ref);
    term::atom_cache cache;
    cache.set(0, atom("alpha"));
    term::decode_options o;
    o.atom_refs = &cache;
    CHECK(dec(b, o).error() == error::bad_atom_cache_ref);
    cache.set(7, atom("beta"));
    auto v = dec(b, o);
    REQUIRE(v);
    CHECK(term::to_string(*v) == "{alpha,beta}");
  }

  TEST_CASE("decode: existing_atoms_only never creates atoms") {
    term::decode_options o;
    o.existing_atoms_only = true;
    auto b = term::test::bytes_of(std::string("\x83\x77\x17") + "enode_never_seen_atom_1");
    CHECK(dec(b, o).error() == error::unknown_atom);
    CHECK(!atom::existing("enode_never_seen_atom_1"));
    atom const ok("ok"); // exists from here on
    CHECK(dec(bytes({131, 119, 2, 111, 107}), o));
  }

  TEST_CASE("decode: large binaries share the input's storage") {
    value t = term::tuple_of({term::binary_of(std::string(1000, 'z')), term::binary_of("small")});
    auto enc = term::encode(t);
    term::binary in(enc);
    auto v = term::decode(in);
    REQUIRE(v);
    auto big = (*v)[0].bytes();
    CHECK(big.data() >= in.data());
    CHECK(big.data() + big.size() <= in.data() + in.size());
    auto small = (*v)[1].bytes();
    CHECK((small.data() < in.data() || small.data() >= in.data() + in.size()));
    CHECK(*v == t);
  }

  TEST_CASE("decode_prefix: terms back to back, with and without version byte") {
    auto a = term::encode(value(atom("first")));
    auto b = term::encode(term::tuple_of({1, 2}));
    std::vector<std::byte> both(a.begin() + 1, a.end());
    both.insert(both.end(), b.begin() + 1, b.end());
    auto first = term::decode_prefix(both, false);
    REQUIRE(first);
    CHECK(first->term.is_atom("first"));
    auto second = term::decode_prefix(std::span(both).subspan(first->size), false);
    REQUIRE(second);
    CHECK(second->term == term::tuple_of({1, 2}));
    CHECK(first->size + second->size == both.size());
    auto with = term::decode_prefix(a, true);
    REQUIRE(with);
    CHECK(with->size == a.size());
  }
}

TEST_SUITE("term") {
  TEST_CASE("decode: a sub-term outlives the term it was decoded in") {
    value t = term::tuple_of({term::list_of({atom("a"), term::binary_of(std::string(300, 'x'))}),
                              term::make_integer(term::big_int(1) << 200), term::map_of({{1, 2}})});
    auto bytes = term::encode(t);
    value kept;
    {
      auto v = term::decode(term::binary(bytes));
      REQUIRE(v);
      kept = (*v)[0];
    } // the decoded root and its input are gone; `kept` holds the memory they shared
    CHECK(kept == t[0]);
    CHECK(kept.list_elements()[1].bytes().size() == 300);
  }

  TEST_CASE("decode: terms with bignums, funs and shared binaries are freed whole") {
    term::fun f;
    f.module = atom("m");
    f.old_index = 1;
    f.old_uniq = 2;
    f.pid = value(term::pid{atom("n@h"), 1, 0, 1});
    f.free_vars = {term::tuple_of({1, 2}), term::make_integer(term::big_int(1) << 100),
                   term::binary_of(std::string(100, 'b'))};
    value t = term::list_of(
        {value(f), term::make_integer(-(term::big_int(1) << 300)), term::binary_of(std::string(5000, 'c'))});
    term::binary in(term::encode(t));
    for (int i = 0; i < 100; ++i) {
      auto v = term::decode(in);
      REQUIRE(v);
      CHECK(*v == t);
    }
    // A failure half-way through a fun frees what was decoded so far.
    auto bytes = term::encode(t);
    for (std::size_t cut = 3; cut < bytes.size(); cut += 7)
      CHECK(!term::decode(std::span<std::byte const>(bytes).first(cut)));
  }

  TEST_CASE("decode: copies of a decoded term are released on other threads") {
    value t = term::tuple_of({atom("msg"), term::list_of({1, 2, 3}), term::binary_of(std::string(200, 'z'))});
    term::binary in(term::encode(t));
    std::vector<value> copies;
    for (int i = 0; i < 64; ++i) {
      auto v = term::decode(in);
      REQUIRE(v);
      for (int k = 0; k < 8; ++k) copies.push_back(k % 2 ? *v : (*v)[1]);
    }
    std::vector<std::thread> threads;
    std::size_t const per = copies.size() / 4;
    for (std::size_t k = 0; k < 4; ++k)
      threads.emplace_back([&copies, k, per] {
        for (std::size_t i = k * per; i < (k + 1) * per; ++i) copies[i] = value();
      });
    for (auto& th : threads) th.join();
    CHECK(std::all_of(copies.begin(), copies.end(), [](value const& v) { return v.is_nil(); }));
  }
}
