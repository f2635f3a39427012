#include <enode/term/parse.hpp>

#include "parser.hpp"

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
namespace parsing {

result<value> parser::run(parse_failure* failure) {
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

bool parser::fail(std::string m, error e) {
  if (msg_.empty()) {
    msg_ = std::move(m);
    err_pos_ = pos_;
    ec_ = e;
  }
  return false;
}

std::uint32_t parser::peek_cp(std::size_t* len) const noexcept {
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

std::uint32_t parser::next_cp() noexcept {
  std::size_t n;
  std::uint32_t c = peek_cp(&n);
  pos_ += n;
  return c;
}

bool parser::skip_ws() {
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

bool parser::expect(char c, char const* what) {
  skip_ws();
  if (peek() != c) return fail(std::string("expected ") + what);
  ++pos_;
  return true;
}

bool parser::term(value& out, std::size_t depth) {
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

value parser::negate(value const& v) {
  if (v.is_float()) return value(-v.as_float());
  if (v.is_small() && v.as_int() != std::numeric_limits<std::int64_t>::min()) return value(-v.as_int());
  return make_integer(-to_big_int(v));
}

void parser::bare_name(std::string& name) {
  std::size_t n;
  while (!eof()) {
    std::uint32_t c = peek_cp(&n);
    if (!is_name_char(c)) break;
    name.append(s_.substr(pos_, n));
    pos_ += n;
  }
}

bool parser::make_atom(std::string_view name, atom& out) {
  auto a = atom::make(name);
  if (!a) return fail(a.error().message(), static_cast<error>(a.error().value()));
  out = *a;
  return true;
}

bool parser::escape(std::uint32_t& out) {
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

bool parser::quoted(char quote, std::vector<std::uint32_t>& chars) {
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

bool parser::quoted_atom(atom& out) {
  std::vector<std::uint32_t> chars;
  if (!quoted('\'', chars)) return false;
  std::string name;
  for (auto c : chars) detail::append_utf8(c, name);
  return make_atom(name, out);
}

bool parser::strings(value& out) {
  std::vector<std::uint32_t> chars;
  do {
    if (!quoted('"', chars)) return false;
    skip_ws();
  } while (peek() == '"');
  std::vector<value> elems(chars.begin(), chars.end());
  out = list_of(elems);
  return true;
}

bool parser::char_literal(value& out) {
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

bool parser::digits(int base, std::string& out) {
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

value parser::integer_of(std::string const& ds, int base) {
  if (ds.size() <= 15 || (base <= 10 && ds.size() <= 18)) {
    std::int64_t v = 0;
    for (char ch : ds) v = v * base + digit_value(static_cast<unsigned char>(ch));
    return value(v);
  }
  big_int v = 0;
  for (char ch : ds) v = v * base + digit_value(static_cast<unsigned char>(ch));
  return make_integer(v);
}

bool parser::number(value& out) {
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

bool parser::tuple(value& out, std::size_t depth) {
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

bool parser::list(value& out, std::size_t depth) {
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

} // namespace parsing

result<value> parse(std::string_view text, parse_failure* failure) { return parsing::parser(text).run(failure); }

} // namespace enode::term
