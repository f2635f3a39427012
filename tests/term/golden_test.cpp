// Golden vectors made by a real BEAM (scripts/gen-etf-vectors): every vector decodes to
// the term its text describes; canonical ones re-encode byte for byte.
#include <enode/term/decode.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>

#include "term/test_util.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace term = enode::term;

namespace {

struct vector_entry {
  std::string name, opts, flags;
  bool has(std::string_view flag) const {
    std::string f = "," + flags + ",";
    return f.find("," + std::string(flag) + ",") != std::string::npos;
  }
};

std::string const dir = std::string(ENODE_SOURCE_DIR) + "/proto/etf/";

std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string chomp(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::vector<vector_entry> manifest() {
  std::vector<vector_entry> out;
  std::istringstream in(slurp(dir + "MANIFEST"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    vector_entry e;
    std::istringstream fields(line);
    std::getline(fields, e.name, '\t');
    std::getline(fields, e.opts, '\t');
    std::getline(fields, e.flags, '\t');
    out.push_back(e);
  }
  return out;
}

int compression_level(std::string const& opts) {
  auto at = opts.find("{compressed,");
  if (at != std::string::npos) return std::stoi(opts.substr(at + 12));
  return opts.find("compressed") != std::string::npos ? 6 : -1;
}

} // namespace

TEST_SUITE("term") {
  TEST_CASE("golden: vectors made by term_to_binary decode, print, parse and re-encode") {
    auto vectors = manifest();
    REQUIRE(vectors.size() >= 300);
    std::size_t parsed = 0, printed = 0, canonical = 0;
    for (auto const& v : vectors) {
      CAPTURE(v.name);
      std::string raw = slurp(dir + v.name + ".etf");
      term::binary bytes{std::string_view(raw)};
      auto decoded = term::decode(bytes);
      REQUIRE_MESSAGE(decoded, v.name << ": " << decoded.error().message());

      if (v.has("parse")) {
        term::parse_failure f;
        auto text = term::parse(slurp(dir + v.name + ".txt"), &f);
        REQUIRE_MESSAGE(text, v.name << ".txt:" << f.line << ":" << f.column << ": " << f.message);
        CHECK(*text == *decoded);
        ++parsed;
      }
      if (v.has("print")) {
        CHECK(term::to_string(*decoded) == chomp(slurp(dir + v.name + ".txt")));
        ++printed;
      }
      if (v.has("pform")) {
        CHECK(term::to_string(*decoded) == chomp(slurp(dir + v.name + ".p")));
        ++printed;
      }
      auto again = term::encode(*decoded, {.compression_level = compression_level(v.opts)});
      if (v.has("canonical")) {
        CHECK_MESSAGE(again == term::test::bytes_of(raw), v.name << " re-encodes differently");
        ++canonical;
      }
      auto back = term::decode(again);
      REQUIRE(back);
      CHECK(*back == *decoded);
    }
    MESSAGE("golden vectors: " << vectors.size() << " decoded, " << parsed << " parsed, " << printed
                               << " print checks, " << canonical << " byte-exact");
    CHECK(canonical > 200);
  }
}
