// The # forms of enode's term syntax (pids, ports, references, funs) and maps, and
// binaries in Erlang's bit syntax.
#include "parser.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace enode::term::parsing {

bool parser::hash_form(value& out, std::size_t depth) {
  if (peek(1) == '{') {
    pos_ += 2;
    std::vector<map_entry> entries;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      out = map_of(std::move(entries));
      return true;
    }
    while (true) {
      map_entry e;
      if (!term(e.key, depth + 1)) return false;
      skip_ws();
      if (peek() != '=' || peek(1) != '>') return fail("expected '=>'");
      pos_ += 2;
      if (!term(e.val, depth + 1)) return false;
      entries.push_back(std::move(e));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (!expect('}', "',' or '}'")) return false;
      out = map_of(std::move(entries));
      return true;
    }
  }
  std::string_view rest = s_.substr(pos_);
  if (rest.starts_with("#Port<")) {
    pos_ += 6;
    term::port p;
    std::uint64_t id;
    if (!node_creation(p.node, p.creation) || !dotted(id) || !expect('>', "'>'")) return false;
    p.id = id;
    out = value(p);
    return true;
  }
  if (rest.starts_with("#Ref<")) {
    pos_ += 5;
    term::reference r;
    if (!node_creation(r.node, r.creation)) return false;
    std::vector<std::uint32_t> words;
    while (peek() == '.') {
      std::uint64_t w;
      if (!dotted(w)) return false;
      if (w > 0xFFFFFFFFu) return fail("reference word out of range");
      words.push_back(static_cast<std::uint32_t>(w));
    }
    if (words.empty() || words.size() > term::reference::max_words) return fail("a reference has 1 to 5 words");
    if (!expect('>', "'>'")) return false;
    r.size = static_cast<std::uint8_t>(words.size());
    for (std::size_t i = 0; i < words.size(); ++i) r.words[i] = words[words.size() - 1 - i];
    out = value(r);
    return true;
  }
  if (rest.starts_with("#Fun<")) return fail("local funs have no readable form");
  return fail("unexpected '#'");
}

bool parser::node_creation(atom& node, std::uint32_t& creation) {
  skip_ws();
  if (peek() == '\'') {
    if (!quoted_atom(node)) return false;
  } else {
    std::string name;
    if (!is_lower(peek_cp())) return fail("expected a node name");
    bare_name(name);
    if (!make_atom(name, node)) return false;
  }
  if (peek() != ':') return fail("expected ':' after the node name");
  ++pos_;
  std::uint64_t c;
  if (!plain_int(c) || c > 0xFFFFFFFFu) return fail("expected a creation (32-bit)");
  creation = static_cast<std::uint32_t>(c);
  return true;
}

bool parser::plain_int(std::uint64_t& out) {
  std::size_t start = pos_;
  out = 0;
  while (is_digit(static_cast<unsigned char>(peek()))) {
    std::uint64_t d = static_cast<std::uint64_t>(s_[pos_++] - '0');
    if (out > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return fail("number too large");
    out = out * 10 + d;
  }
  return pos_ > start;
}

bool parser::dotted(std::uint64_t& out) {
  if (peek() != '.') return fail("expected '.'");
  ++pos_;
  if (!plain_int(out)) return fail("expected a number");
  return true;
}

bool parser::pid_form(value& out) {
  ++pos_;
  term::pid p;
  std::uint64_t id, serial;
  if (!node_creation(p.node, p.creation) || !dotted(id) || !dotted(serial) || !expect('>', "'>'")) return false;
  if (id > 0xFFFFFFFFu || serial > 0xFFFFFFFFu) return fail("pid field out of range");
  p.id = static_cast<std::uint32_t>(id);
  p.serial = static_cast<std::uint32_t>(serial);
  out = value(p);
  return true;
}

bool parser::external_fun_form(value& out) {
  skip_ws();
  term::external_fun f;
  auto name = [&](atom& a) {
    skip_ws();
    if (peek() == '\'') return quoted_atom(a);
    std::string n;
    if (!is_lower(peek_cp())) return fail("expected an atom");
    bare_name(n);
    return make_atom(n, a);
  };
  if (!name(f.module)) return false;
  if (!expect(':', "':'")) return false;
  if (!name(f.function)) return false;
  if (!expect('/', "'/'")) return false;
  skip_ws();
  std::uint64_t a;
  if (!plain_int(a) || a > 255) return fail("expected an arity 0..255");
  f.arity = static_cast<std::uint8_t>(a);
  out = value(f);
  return true;
}

bool parser::bin(value& out) {
  pos_ += 2;
  bit_writer w;
  skip_ws();
  if (peek() == '>' && peek(1) == '>') {
    pos_ += 2;
    out = w.finish();
    return true;
  }
  while (true) {
    if (!segment(w)) return false;
    skip_ws();
    if (peek() == ',') {
      ++pos_;
      skip_ws();
      continue;
    }
    if (peek() == '>' && peek(1) == '>') {
      pos_ += 2;
      out = w.finish();
      return true;
    }
    return fail("expected ',' or '>>'");
  }
}

bool parser::segment(bit_writer& w) {
  skip_ws();
  value v;
  bool is_string = false;
  std::vector<std::uint32_t> chars;
  if (!segment_value(v, is_string, chars)) return false;
  segment_spec spec;
  spec.t = v.is_float() ? segment_spec::type::floating : segment_spec::type::integer;
  if (!segment_specifiers(spec)) return false;
  if (spec.t == segment_spec::type::binary) return fail("binary-typed segments are not supported in literals");
  if (!is_string) return put_segment(w, spec, v);
  for (auto c : chars)
    if (!put_segment(w, spec, value(c))) return false;
  return true;
}

// The value of a segment: a number, a character, or strings (into `chars`).
bool parser::segment_value(value& v, bool& is_string, std::vector<std::uint32_t>& chars) {
  if (peek() == '"') {
    is_string = true;
    do {
      if (!quoted('"', chars)) return false;
      skip_ws();
    } while (peek() == '"');
  } else {
    char c = peek();
    bool neg = false;
    if (c == '-' || c == '+') {
      neg = c == '-';
      ++pos_;
      skip_ws();
    }
    if (peek() == '$') {
      if (!char_literal(v)) return false;
    } else if (is_digit(static_cast<unsigned char>(peek()))) {
      if (!number(v)) return false;
    } else {
      return fail("binary segments must be numbers, characters or strings");
    }
    if (neg) v = negate(v);
  }
  return true;
}

// `:Size` and `/Type-Specifiers` after a segment's value.
bool parser::segment_specifiers(segment_spec& out) {
  if (peek() == ':') {
    ++pos_;
    std::uint64_t n;
    if (!plain_int(n) || n > (std::uint64_t{1} << 32)) return fail("expected a segment size");
    out.size = n;
  }
  if (peek() == '/') {
    do {
      ++pos_;
      std::string word;
      bare_name(word);
      if (word == "integer")
        out.t = segment_spec::type::integer;
      else if (word == "float")
        out.t = segment_spec::type::floating;
      else if (word == "binary" || word == "bytes" || word == "bitstring" || word == "bits")
        out.t = segment_spec::type::binary;
      else if (word == "utf8")
        out.t = segment_spec::type::utf8;
      else if (word == "utf16")
        out.t = segment_spec::type::utf16;
      else if (word == "utf32")
        out.t = segment_spec::type::utf32;
      else if (word == "little")
        out.little = true;
      else if (word == "big" || word == "signed" || word == "unsigned") {
      } else if (word == "unit" && peek() == ':') {
        ++pos_;
        if (!plain_int(out.unit) || out.unit < 1 || out.unit > 256) return fail("unit must be 1..256");
      } else
        return fail("unsupported type specifier '" + word + "'");
    } while (peek() == '-');
  }
  return true;
}

// One value of a segment (a string's segment has one per character), written as `spec` says.
bool parser::put_segment(bit_writer& w, segment_spec const& spec, value const& item) {
  using type = segment_spec::type;
  auto const t = spec.t;
  bool const little = spec.little;
  auto const unit = spec.unit;
  auto const& size = spec.size;
  if (t == type::utf8 || t == type::utf16 || t == type::utf32) {
    if (!item.is_small() || item.as_int() < 0 || item.as_int() > 0x10FFFF ||
        (item.as_int() >= 0xD800 && item.as_int() <= 0xDFFF))
      return fail("not a Unicode code point");
    if (size) return fail("utf segments take no size");
    auto cp = static_cast<std::uint32_t>(item.as_int());
    if (t == type::utf8) {
      std::string u;
      detail::append_utf8(cp, u);
      w.put_bytes(u);
    } else if (t == type::utf16) {
      auto unit16 = [&](std::uint32_t x) { little ? w.put(((x & 0xFF) << 8) | (x >> 8), 16) : w.put(x, 16); };
      if (cp >= 0x10000) {
        cp -= 0x10000;
        unit16(0xD800 | (cp >> 10));
        unit16(0xDC00 | (cp & 0x3FF));
      } else {
        unit16(cp);
      }
    } else {
      w.put(little ? __builtin_bswap32(cp) : cp, 32);
    }
  } else if (t == type::floating) {
    std::uint64_t bits = size.value_or(64) * (unit ? unit : 1);
    double d = item.is_float() ? item.as_float() : static_cast<double>(item.is_small() ? item.as_int() : 0);
    if (!item.is_float() && !item.is_small()) return fail("float segment needs a number");
    if (bits == 64) {
      auto b = std::bit_cast<std::uint64_t>(d);
      w.put(little ? __builtin_bswap64(b) : b, 64);
    } else if (bits == 32) {
      auto b = std::bit_cast<std::uint32_t>(static_cast<float>(d));
      w.put(little ? __builtin_bswap32(b) : b, 32);
    } else {
      return fail("float segments are 32 or 64 bits");
    }
  } else {
    if (!item.is_integer()) return fail("integer segment needs an integer");
    std::uint64_t const bits = size.value_or(8) * (unit ? unit : 1);
    if (little && bits % 8) return fail("little-endian segments need whole bytes");
    if (bits > (std::uint64_t{1} << 24)) return fail("segment too large");
    if (item.is_small() && bits <= 64) {
      // Two's complement, truncated to the segment size, as Erlang builds it.
      auto const u = static_cast<std::uint64_t>(item.as_int());
      if (little) {
        for (std::uint64_t i = 0; i < bits / 8; ++i) w.put((u >> (8 * i)) & 0xFF, 8);
      } else {
        w.put(bits == 64 ? u : u & ((std::uint64_t{1} << bits) - 1), static_cast<unsigned>(bits));
      }
    } else {
      big_int x = to_big_int(item);
      big_int const mod = big_int(1) << bits;
      x %= mod;
      if (x < 0) x += mod;
      if (little) {
        for (std::uint64_t k = 0; k < bits / 8; ++k)
          for (unsigned b = 8; b-- > 0;) w.put_bit(bit_test(x, static_cast<unsigned>(8 * k + b)) ? 1 : 0);
      } else {
        for (std::uint64_t i = bits; i-- > 0;) w.put_bit(bit_test(x, static_cast<unsigned>(i)) ? 1 : 0);
      }
    }
  }
  return true;
}

} // namespace enode::term::parsing
