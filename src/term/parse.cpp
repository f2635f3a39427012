#include <enode/term/parse.hpp>

#include <enode/term/error.hpp>
#include <enode/term/integer.hpp>

#include "utf8.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

// A scanner-less recursive-descent reader of Erlang term literals, following erl_scan's
// lexical rules (escapes, `Base#Digits`, `_` in numbers, `$c`, adjacent strings) and
// erl_parse's term grammar, plus bit syntax for binary literals.
namespace enode::term {
namespace {

constexpr std::size_t max_depth = 1000;

bool is_digit(std::uint32_t c) noexcept { return c >= '0' && c <= '9'; }
bool is_lower(std::uint32_t c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7); }
bool is_upper(std::uint32_t c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7); }
bool is_name_char(std::uint32_t c) noexcept {
  return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '@';
}
int digit_value(std::uint32_t c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'z') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'Z') return static_cast<int>(c - 'A' + 10);
  return 99;
}

// Appends bits, most significant first, as Erlang's bit syntax builds binaries.
class bit_writer {
public:
  void put(std::uint64_t v, unsigned bits) {
    for (unsigned i = bits; i-- > 0;) put_bit((v >> i) & 1u);
  }
  void put_bytes(std::string_view bytes) {
    for (char c : bytes) put(static_cast<unsigned char>(c), 8);
  }
  void put_bit(std::uint64_t b) {
    if (bits_ % 8 == 0) bytes_.push_back(std::byte{0});
    if (b) bytes_.back() |= static_cast<std::byte>(0x80u >> (bits_ % 8));
    ++bits_;
  }
  value finish() const { return value(binary::bitstring(bytes_, static_cast<unsigned>(bits_ % 8))); }

private:
  std::vector<std::byte> bytes_;
  std::size_t bits_ = 0;
};

class parser {
public:
  explicit parser(std::string_view text) noexcept : s_(text) {}

  result<value> run(parse_failure* failure) {
    value v;
    bool ok = skip_ws() && term(v, 0) && skip_ws();
    if (ok && pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      ok = skip_ws();
    }
    if (ok && pos_ < s_.size()) ok = fail("unexpected text after the term");
    if (ok) return v;
    if (failure) {
      failure->line = 1;
      failure->column = 1;
      for (std::size_t i = 0; i < err_pos_ && i < s_.size(); ++i) {
        if (s_[i] == '\n') {
          ++failure->line;
          failure->column = 1;
        } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
          ++failure->column;
        }
      }
      failure->message = msg_;
    }
    return unexpected(ec_ ? ec_ : make_error_code(error::syntax_error));
  }

private:
  bool fail(std::string m, error e = error::syntax_error) {
    if (msg_.empty()) {
      msg_ = std::move(m);
      err_pos_ = pos_;
      ec_ = e;
    }
    return false;
  }

  bool eof() const noexcept { return pos_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const noexcept { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

  // Decodes the UTF-8 character at pos_ without consuming it; 0 with len 0 at the end.
  std::uint32_t peek_cp(std::size_t* len = nullptr) const noexcept {
    if (eof()) {
      if (len) *len = 0;
      return 0;
    }
    auto const* p = reinterpret_cast<unsigned char const*>(s_.data() + pos_);
    std::size_t left = s_.size() - pos_;
    std::uint32_t c = p[0];
    std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > left || c >= 0xF8 || (c >= 0x80 && c < 0xC0)) {
      if (len) *len = 1;
      return 0xFFFFFFFF; // invalid UTF-8
    }
    if (n > 1) {
      c &= (0x7Fu >> n);
      for (std::size_t i = 1; i < n; ++i) {
        if ((p[i] & 0xC0) != 0x80) {
          if (len) *len = 1;
          return 0xFFFFFFFF;
        }
        c = (c << 6) | (p[i] & 0x3Fu);
      }
    }
    if (len) *len = n;
    return c;
  }
  std::uint32_t next_cp() noexcept {
    std::size_t n;
    std::uint32_t c = peek_cp(&n);
    pos_ += n;
    return c;
  }

  bool skip_ws() {
    while (!eof()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '%') {
        while (!eof() && s_[pos_] != '\n') ++pos_;
      } else if (static_cast<unsigned char>(c) == 0xC2 && static_cast<unsigned char>(peek(1)) == 0xA0) {
        pos_ += 2; // U+00A0 is white space to erl_scan
      } else {
        break;
      }
    }
    return true;
  }

  bool expect(char c, char const* what) {
    skip_ws();
    if (peek() != c) return fail(std::string("expected ") + what);
    ++pos_;
    return true;
  }

  bool term(value& out, std::size_t depth) {
    if (depth > max_depth) return fail("nesting too deep", error::too_deep);
    skip_ws();
    if (eof()) return fail("unexpected end of input");
    char c = peek();
    switch (c) {
      case '{': return tuple(out, depth);
      case '[': return list(out, depth);
      case '"': return strings(out);
      case '\'': {
        atom a;
        if (!quoted_atom(a)) return false;
        out = a;
        return true;
      }
      case '$': return char_literal(out);
      case '#': return hash_form(out, depth);
      case '<': return peek(1) == '<' ? bin(out) : pid_form(out);
      case '-':
      case '+': {
        ++pos_;
        skip_ws();
        if (!is_digit(static_cast<unsigned char>(peek())) && peek() != '$') return fail("expected a number after sign");
        value n;
        if (!(peek() == '$' ? char_literal(n) : number(n))) return false;
        if (c == '-') n = negate(n);
        out = std::move(n);
        return true;
      }
      default: break;
    }
    if (is_digit(static_cast<unsigned char>(c))) return number(out);
    std::uint32_t cp = peek_cp();
    if (is_lower(cp)) {
      std::string name;
      bare_name(name);
      if (name == "fun") return external_fun_form(out);
      atom a;
      if (!make_atom(name, a)) return false;
      out = a;
      return true;
    }
    if (is_upper(cp) || cp == '_') return fail("variables are not terms");
    return fail("unexpected character");
  }

  static value negate(value const& v) {
    if (v.is_float()) return value(-v.as_float());
    if (v.is_small() && v.as_int() != std::numeric_limits<std::int64_t>::min()) return value(-v.as_int());
    return make_integer(-to_big_int(v));
  }

  void bare_name(std::string& name) {
    std::size_t n;
    while (!eof()) {
      std::uint32_t c = peek_cp(&n);
      if (!is_name_char(c)) break;
      name.append(s_.substr(pos_, n));
      pos_ += n;
    }
  }

  bool make_atom(std::string_view name, atom& out) {
    auto a = atom::make(name);
    if (!a) return fail(a.error().message(), static_cast<error>(a.error().value()));
    out = *a;
    return true;
  }

  // An escape sequence after a backslash, as erl_scan reads it.
  bool escape(std::uint32_t& out) {
    if (eof()) return fail("unterminated escape");
    char c = peek();
    if (c >= '0' && c <= '7') {
      std::uint32_t v = 0;
      for (int i = 0; i < 3 && peek() >= '0' && peek() <= '7'; ++i)
        v = v * 8 + static_cast<std::uint32_t>(s_[pos_++] - '0');
      out = v;
      return true;
    }
    ++pos_;
    switch (c) {
      case 'b': out = '\b'; return true;
      case 'd': out = 127; return true;
      case 'e': out = 27; return true;
      case 'f': out = '\f'; return true;
      case 'n': out = '\n'; return true;
      case 'r': out = '\r'; return true;
      case 's': out = ' '; return true;
      case 't': out = '\t'; return true;
      case 'v': out = '\v'; return true;
      case '^': {
        if (eof()) return fail("unterminated escape");
        out = next_cp() & 31u;
        return true;
      }
      case 'x': {
        std::uint64_t v = 0;
        if (peek() == '{') {
          ++pos_;
          std::size_t digits = 0;
          while (!eof() && peek() != '}') {
            int d = digit_value(static_cast<unsigned char>(peek()));
            if (d > 15) return fail("bad \\x{...} escape");
            v = v * 16 + static_cast<unsigned>(d);
            if (v > 0x10FFFF) return fail("character code out of range");
            ++pos_;
            ++digits;
          }
          if (eof() || digits == 0) return fail("bad \\x{...} escape");
          ++pos_;
        } else {
          for (int i = 0; i < 2; ++i) {
            int d = digit_value(static_cast<unsigned char>(peek()));
            if (d > 15) return fail("bad \\x escape");
            v = v * 16 + static_cast<unsigned>(d);
            ++pos_;
          }
        }
        out = static_cast<std::uint32_t>(v);
        return true;
      }
      default:
        --pos_;
        out = next_cp();
        if (out == 0xFFFFFFFF) return fail("invalid UTF-8");
        return true;
    }
  }

  // Characters of a quoted string or atom up to the closing `quote`.
  bool quoted(char quote, std::vector<std::uint32_t>& chars) {
    ++pos_; // opening quote
    while (true) {
      if (eof()) return fail(quote == '"' ? "unterminated string" : "unterminated quoted atom");
      char c = peek();
      if (c == quote) {
        ++pos_;
        return true;
      }
      std::uint32_t cp;
      if (c == '\\') {
        ++pos_;
        if (!escape(cp)) return false;
      } else {
        cp = next_cp();
        if (cp == 0xFFFFFFFF) return fail("invalid UTF-8");
      }
      if ((cp >= 0xD800 && cp <= 0xDFFF)) return fail("surrogate code point");
      chars.push_back(cp);
    }
  }

  bool quoted_atom(atom& out) {
    std::vector<std::uint32_t> chars;
    if (!quoted('\'', chars)) return false;
    std::string name;
    for (auto c : chars) detail::append_utf8(c, name);
    return make_atom(name, out);
  }

  bool strings(value& out) {
    std::vector<std::uint32_t> chars;
    do {
      if (!quoted('"', chars)) return false;
      skip_ws();
    } while (peek() == '"');
    std::vector<value> elems(chars.begin(), chars.end());
    out = list_of(elems);
    return true;
  }

  bool char_literal(value& out) {
    ++pos_; // $
    if (eof()) return fail("unterminated character literal");
    std::uint32_t cp;
    if (peek() == '\\') {
      ++pos_;
      if (!escape(cp)) return false;
    } else {
      cp = next_cp();
      if (cp == 0xFFFFFFFF) return fail("invalid UTF-8");
    }
    out = cp;
    return true;
  }

  // Digits of `base`, with single underscores between digits (OTP 23+).
  bool digits(int base, std::string& out) {
    while (!eof()) {
      int d = digit_value(static_cast<unsigned char>(peek()));
      if (d < base) {
        out += s_[pos_++];
      } else if (peek() == '_' && !out.empty() && digit_value(static_cast<unsigned char>(peek(1))) < base) {
        ++pos_;
      } else {
        break;
      }
    }
    return !out.empty();
  }

  static value integer_of(std::string const& ds, int base) {
    if (ds.size() <= 15 || (base <= 10 && ds.size() <= 18)) {
      std::int64_t v = 0;
      for (char ch : ds) v = v * base + digit_value(static_cast<unsigned char>(ch));
      return value(v);
    }
    big_int v = 0;
    for (char ch : ds) v = v * base + digit_value(static_cast<unsigned char>(ch));
    return make_integer(v);
  }

  bool number(value& out) {
    std::string ds;
    digits(10, ds);
    if (peek() == '#') {
      std::size_t save = pos_;
      int base = 0;
      for (char ch : ds) {
        base = base * 10 + (ch - '0');
        if (base > 36) break;
      }
      if (base < 2 || base > 36) return fail("base must be 2..36");
      ++pos_;
      std::string bd;
      if (!digits(base, bd)) {
        pos_ = save;
        return fail("expected digits after base");
      }
      out = integer_of(bd, base);
      return true;
    }
    if (peek() == '.' && is_digit(static_cast<unsigned char>(peek(1)))) {
      std::string text = ds;
      ++pos_;
      std::string frac;
      digits(10, frac);
      text += '.';
      text += frac;
      if (peek() == 'e' || peek() == 'E') {
        std::size_t save = pos_;
        std::string e = "e";
        ++pos_;
        if (peek() == '+' || peek() == '-') e += s_[pos_++];
        std::string ed;
        if (digits(10, ed)) {
          text += e + ed;
        } else {
          pos_ = save;
        }
      }
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (!std::isfinite(d)) return fail("float out of range", error::bad_float);
      out = d;
      return true;
    }
    out = integer_of(ds, 10);
    return true;
  }

  bool tuple(value& out, std::size_t depth) {
    ++pos_;
    std::vector<value> elems;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      out = tuple_of(elems);
      return true;
    }
    while (true) {
      value v;
      if (!term(v, depth + 1)) return false;
      elems.push_back(std::move(v));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (!expect('}', "',' or '}'")) return false;
      out = tuple_of(elems);
      return true;
    }
  }

  bool list(value& out, std::size_t depth) {
    ++pos_;
    std::vector<value> elems;
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      out = value{};
      return true;
    }
    while (true) {
      value v;
      if (!term(v, depth + 1)) return false;
      elems.push_back(std::move(v));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      value tail;
      if (peek() == '|') {
        ++pos_;
        if (!term(tail, depth + 1)) return false;
      }
      if (!expect(']', "',', '|' or ']'")) return false;
      out = list_of(elems, std::move(tail));
      return true;
    }
  }

  bool hash_form(value& out, std::size_t depth) {
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

  // `Node:Creation` inside the pid, port and reference forms.
  bool node_creation(atom& node, std::uint32_t& creation) {
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

  bool plain_int(std::uint64_t& out) {
    std::size_t start = pos_;
    out = 0;
    while (is_digit(static_cast<unsigned char>(peek()))) {
      std::uint64_t d = static_cast<std::uint64_t>(s_[pos_++] - '0');
      if (out > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return fail("number too large");
      out = out * 10 + d;
    }
    return pos_ > start;
  }

  bool dotted(std::uint64_t& out) {
    if (peek() != '.') return fail("expected '.'");
    ++pos_;
    if (!plain_int(out)) return fail("expected a number");
    return true;
  }

  bool pid_form(value& out) {
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

  bool external_fun_form(value& out) {
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

  // Binaries: `<<Seg, ...>>`, Seg = Value[:Size][/Types].
  bool bin(value& out) {
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

  bool segment(bit_writer& w) {
    skip_ws();
    value v;
    bool is_string = false;
    std::vector<std::uint32_t> chars;
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
    std::optional<std::uint64_t> size;
    if (peek() == ':') {
      ++pos_;
      std::uint64_t n;
      if (!plain_int(n) || n > (std::uint64_t{1} << 32)) return fail("expected a segment size");
      size = n;
    }
    enum class type { integer, floating, binary, utf8, utf16, utf32 } t = v.is_float() ? type::floating : type::integer;
    bool little = false;
    std::uint64_t unit = 0;
    if (peek() == '/') {
      do {
        ++pos_;
        std::string spec;
        bare_name(spec);
        if (spec == "integer")
          t = type::integer;
        else if (spec == "float")
          t = type::floating;
        else if (spec == "binary" || spec == "bytes" || spec == "bitstring" || spec == "bits")
          t = type::binary;
        else if (spec == "utf8")
          t = type::utf8;
        else if (spec == "utf16")
          t = type::utf16;
        else if (spec == "utf32")
          t = type::utf32;
        else if (spec == "little")
          little = true;
        else if (spec == "big" || spec == "signed" || spec == "unsigned") {
        } else if (spec == "unit" && peek() == ':') {
          ++pos_;
          if (!plain_int(unit) || unit < 1 || unit > 256) return fail("unit must be 1..256");
        } else
          return fail("unsupported type specifier '" + spec + "'");
      } while (peek() == '-');
    }
    if (t == type::binary) return fail("binary-typed segments are not supported in literals");
    std::vector<value> items;
    if (is_string)
      items.assign(chars.begin(), chars.end());
    else
      items.push_back(v);
    for (auto const& item : items) {
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
    }
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string msg_;
  std::size_t err_pos_ = 0;
  error_code ec_;
};

} // namespace

result<value> parse(std::string_view text, parse_failure* failure) { return parser(text).run(failure); }

} // namespace enode::term
