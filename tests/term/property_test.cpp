// Seeded random terms: encode/decode and print/parse round trips, and decoding of
// mutated encodings (never a crash). Set ENODE_SEED to replay a run.
#include <enode/term/decode.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace term = enode::term;
using term::atom;
using term::value;

namespace {

std::uint64_t seed() {
  static std::uint64_t const s = []() -> std::uint64_t {
    if (char const* e = std::getenv("ENODE_SEED")) return std::strtoull(e, nullptr, 10);
    return static_cast<std::uint64_t>(std::random_device{}()) << 32 | std::random_device{}();
  }();
  return s;
}

class generator {
public:
  explicit generator(std::uint64_t s) : rng_(s) {}

  value any(int depth) {
    int const leaf_kinds = 12;
    int k = pick(0, depth > 0 ? leaf_kinds + 3 : leaf_kinds - 1);
    switch (k) {
      case 0: return value(pick<std::int64_t>(-300, 300));
      case 1: return value(static_cast<std::int64_t>(rng_()));
      case 2: {
        term::big_int b = 1;
        for (int i = pick(1, 40); i > 0; --i) b = (b << 64) + rng_();
        return term::make_integer(pick(0, 1) ? b : term::big_int(-b));
      }
      case 3: {
        double d;
        do d = std::bit_cast<double>(static_cast<std::uint64_t>(rng_()));
        while (!std::isfinite(d));
        return value(pick(0, 3) ? d : static_cast<double>(pick(-1000, 1000)) / 8);
      }
      case 4: return value(random_atom());
      case 5: {
        std::string s(static_cast<std::size_t>(pick(0, 200)), '\0');
        for (auto& c : s) c = static_cast<char>(pick(0, 255));
        return term::binary_of(s);
      }
      case 6: {
        std::vector<std::byte> b(static_cast<std::size_t>(pick(1, 20)));
        for (auto& x : b) x = static_cast<std::byte>(pick(0, 255));
        return value(term::binary::bitstring(b, static_cast<unsigned>(pick(1, 7))));
      }
      case 7: return value(term::pid{random_atom(), random_u32(), random_u32(), random_u32()});
      case 8: return value(term::port{random_atom(), pick(0, 1) ? random_u32() : rng_(), random_u32()});
      case 9: {
        term::reference r{random_atom(), random_u32(), static_cast<std::uint8_t>(pick(1, 5)), {}};
        for (auto& w : r.words) w = r.size ? random_u32() : 0;
        for (std::size_t i = r.size; i < r.words.size(); ++i) r.words[i] = 0;
        return value(r);
      }
      case 10: return value(term::external_fun{random_atom(), random_atom(), static_cast<std::uint8_t>(pick(0, 255))});
      case 11: {
        std::string s;
        for (int i = pick(0, 30); i > 0; --i) s += static_cast<char>(pick(32, 126));
        return term::string_of(s);
      }
      case 12: {
        std::vector<value> xs;
        for (int i = pick(0, 8); i > 0; --i) xs.push_back(any(depth - 1));
        return term::tuple_of(xs);
      }
      case 13: {
        std::vector<value> xs;
        for (int i = pick(0, 8); i > 0; --i) xs.push_back(any(depth - 1));
        return term::list_of(xs, pick(0, 3) ? value() : any(depth - 1));
      }
      default: {
        std::vector<term::map_entry> es;
        for (int i = pick(0, pick(0, 1) ? 6 : 40); i > 0; --i) es.push_back({any(depth - 1), any(depth - 1)});
        return term::map_of(std::move(es));
      }
    }
  }

  template <class T = int>
  T pick(T lo, T hi) {
    return std::uniform_int_distribution<T>(lo, hi)(rng_);
  }
  std::uint32_t random_u32() { return static_cast<std::uint32_t>(rng_()); }

  atom random_atom() {
    static char const* const pool[] = {"a", "ok", "error", "Node@Host", "ж", "é", "", "'quoted'", "and", "a b"};
    if (pick(0, 3)) return atom(pool[pick(0, 9)]);
    std::string s;
    for (int i = pick(1, 20); i > 0; --i) s += static_cast<char>(pick('a', 'z'));
    return atom(s);
  }

  std::mt19937_64& rng() { return rng_; }

private:
  std::mt19937_64 rng_;
};

} // namespace

TEST_SUITE("term") {
  TEST_CASE("property: random terms survive encode/decode and print/parse") {
    MESSAGE("seed: " << seed() << " (ENODE_SEED replays)");
    CAPTURE(seed());
    generator g(seed());
    for (int i = 0; i < 3000; ++i) {
      CAPTURE(i);
      value t = g.any(4);
      auto bytes = term::encode(t);
      auto back = term::decode(bytes);
      REQUIRE(back);
      REQUIRE(*back == t);
      CHECK(term::encode(*back) == bytes);
      std::string text = term::to_string(t);
      term::parse_failure f;
      auto parsed = term::parse(text, &f);
      REQUIRE_MESSAGE(parsed, text << " -> " << f.column << ": " << f.message);
      REQUIRE(*parsed == t);
    }
  }

  TEST_CASE("property: mutated and truncated encodings never crash the decoder") {
    CAPTURE(seed());
    generator g(seed() ^ 0x5eed);
    term::decode_options o;
    o.max_inflated_size = 1 << 20;
    for (int i = 0; i < 3000; ++i) {
      auto bytes = term::encode(g.any(3), {.compression_level = g.pick(0, 4) ? -1 : 6});
      int mutations = g.pick(1, 4);
      for (int m = 0; m < mutations; ++m) {
        auto at = static_cast<std::size_t>(g.pick<std::size_t>(1, bytes.size() - 1));
        switch (g.pick(0, 2)) {
          case 0: bytes[at] = static_cast<std::byte>(g.pick(0, 255)); break;
          case 1: bytes.resize(at); break;
          default: bytes[at] ^= static_cast<std::byte>(1 << g.pick(0, 7)); break;
        }
        if (bytes.size() < 2) break;
      }
      auto v = term::decode(bytes, o);
      if (v) {
        // Whatever decodes is a well-formed term that round-trips.
        auto again = term::decode(term::encode(*v));
        REQUIRE(again);
        CHECK(*again == *v);
      }
    }
  }
}
