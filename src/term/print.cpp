#include <enode/term/print.hpp>

#include "big_node.hpp"
#include "utf8.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string_view>

// Printing follows io_lib_pretty / io_lib as OTP 25 runs `~p` with the default
// printable range (Latin-1); the resulting characters are written as UTF-8.
namespace enode::term {
namespace {

// io_lib's printable_latin1_list test for one character.
bool printable_latin1(std::int64_t c) noexcept {
  return (c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c == 27;
}

// One character inside a quoted atom or string, escaped as io_lib writes it.
void put_char(std::uint32_t c, char quote, std::string& out) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case 27: out += "\\e"; return;
    case 127: out += "\\d"; return;
    case '\\': out += "\\\\"; return;
    default: break;
  }
  if (c == static_cast<std::uint32_t>(quote)) {
    out += '\\';
    out += quote;
  } else if (c < 32 || (c >= 128 && c < 160)) {
    char buf[5] = {'\\', static_cast<char>('0' + (c >> 6)), static_cast<char>('0' + ((c >> 3) & 7)),
                   static_cast<char>('0' + (c & 7)), 0};
    out += buf;
  } else if (c > 255) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\x{%X}", c);
    out += buf;
  } else {
    detail::append_utf8(c, out);
  }
}

bool is_lower_start(std::uint32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
bool is_name_char(std::uint32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@' ||
         (c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7);
}

bool is_reserved(std::string_view s) noexcept {
  // erl_scan's reserved words, plus `maybe` and `else`, keywords since OTP 27.
  static constexpr std::array<std::string_view, 29> words = {
      "after", "and",    "andalso", "band", "begin", "bnot", "bor", "bsl",   "bsr", "bxor",
      "case",  "catch",  "cond",    "div",  "end",   "fun",  "if",  "let",   "not", "of",
      "or",    "orelse", "receive", "rem",  "try",   "when", "xor", "maybe", "else"};
  for (auto w : words)
    if (w == s) return true;
  return false;
}

bool atom_needs_quotes(std::string_view name) {
  if (name.empty()) return true;
  bool first = true, quote = false;
  detail::for_each_code_point(name, [&](std::uint32_t c) {
    if (first ? !is_lower_start(c) : !is_name_char(c)) quote = true;
    first = false;
  });
  return quote || is_reserved(name);
}

void print_float(double d, std::string& out) {
  if (d == 0.0) {
    out += std::signbit(d) ? "-0.0" : "0.0";
    return;
  }
  // The shortest digits that read back exactly, then io_lib_format's choice between
  // fixed and scientific notation (insert_decimal/2): whichever is shorter, fixed on a tie.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  auto e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp10 = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
  if (std::signbit(d)) out += '-';
  int const place = exp10 + 1; // value = 0.DIGITS * 10^place
  int const len = static_cast<int>(digits.size());
  auto exp_form = [&] {
    out += digits[0];
    out += '.';
    out += len == 1 ? std::string_view("0") : std::string_view(digits).substr(1);
    out += 'e';
    out += std::to_string(place - 1);
  };
  if (place == 0) {
    out += "0.";
    out += digits;
  } else if (place < 0 || place >= len) {
    int const exp_cost = static_cast<int>(std::to_string(place - 1).size()) + 1 + (len == 1 ? 2 : 1);
    if (place < 0) {
      if (2 - place <= exp_cost) {
        out += "0.";
        out.append(static_cast<std::size_t>(-place), '0');
        out += digits;
      } else {
        exp_form();
      }
    } else if (place - len + 2 <= exp_cost && std::fabs(d) < 9007199254740992.0) {
      // Integral values print in full only below 2^53, where every integer is exact.
      out += digits;
      out.append(static_cast<std::size_t>(place - len), '0');
      out += ".0";
    } else {
      exp_form();
    }
  } else {
    out.append(digits, 0, static_cast<std::size_t>(place));
    out += '.';
    out.append(digits, static_cast<std::size_t>(place));
  }
}

bool printable_string(value const& v) {
  if (!v.is_proper_list() || v.is_nil()) return false;
  for (auto const& c : v.list_elements())
    if (!c.is_small() || !printable_latin1(c.as_int())) return false;
  return true;
}

void print_bits(value const& v, std::string& out) {
  auto b = v.as_binary();
  auto bytes = b.bytes();
  std::size_t const whole = b.is_binary() ? bytes.size() : bytes.size() - 1;
  bool text = b.is_binary() && !bytes.empty();
  for (std::size_t i = 0; text && i < whole; ++i) text = printable_latin1(std::to_integer<int>(bytes[i]));
  out += "<<";
  if (text) {
    out += '"';
    for (auto c : bytes) put_char(std::to_integer<std::uint32_t>(c), '"', out);
    out += '"';
  } else {
    for (std::size_t i = 0; i < whole; ++i) {
      if (i) out += ',';
      out += std::to_string(std::to_integer<unsigned>(bytes[i]));
    }
    if (!b.is_binary()) {
      if (whole) out += ',';
      unsigned bits = b.trailing_bits();
      out += std::to_string(std::to_integer<unsigned>(bytes[whole]) >> (8 - bits));
      out += ':';
      out += std::to_string(bits);
    }
  }
  out += ">>";
}

void print_value(value const& v, std::string& out);

// Pids, ports, references and funs, which Erlang syntax lacks: in enode's forms.
void print_opaque(value const& v, std::string& out) {
  switch (v.type()) {
    case kind::pid: {
      auto const& p = v.as_pid();
      out += '<';
      print_atom(p.node, out);
      out += ':' + std::to_string(p.creation) + '.' + std::to_string(p.id) + '.' + std::to_string(p.serial) + '>';
      return;
    }
    case kind::port: {
      auto const& p = v.as_port();
      out += "#Port<";
      print_atom(p.node, out);
      out += ':' + std::to_string(p.creation) + '.' + std::to_string(p.id) + '>';
      return;
    }
    case kind::reference: {
      auto const& r = v.as_reference();
      out += "#Ref<";
      print_atom(r.node, out);
      out += ':' + std::to_string(r.creation);
      for (std::size_t i = r.size; i-- > 0;) out += '.' + std::to_string(r.words[i]);
      out += '>';
      return;
    }
    case kind::fun: {
      if (v.is_external_fun()) {
        auto const& f = v.as_external_fun();
        out += "fun ";
        print_atom(f.module, out);
        out += ':';
        print_atom(f.function, out);
        out += '/' + std::to_string(f.arity);
        return;
      }
      auto const& f = v.as_fun();
      out += "#Fun<";
      print_atom(f.module, out);
      out += '.';
      print_value(f.old_index, out);
      out += '.';
      print_value(f.old_uniq, out);
      out += '>';
      return;
    }
    default: return;
  }
}

void print_value(value const& v, std::string& out) {
  switch (v.type()) {
    case kind::integer:
      if (v.is_small())
        out += std::to_string(v.as_int());
      else
        out += detail::big_of(v).str();
      return;
    case kind::float_: print_float(v.as_float(), out); return;
    case kind::atom: print_atom(v.as_atom(), out); return;
    case kind::nil: out += "[]"; return;
    case kind::pid:
    case kind::port:
    case kind::reference:
    case kind::fun: print_opaque(v, out); return;
    case kind::tuple: {
      out += '{';
      bool first = true;
      for (auto const& x : v.elements()) {
        if (!first) out += ',';
        first = false;
        print_value(x, out);
      }
      out += '}';
      return;
    }
    case kind::map: {
      out += "#{";
      bool first = true;
      for (auto const& e : v.map_entries()) {
        if (!first) out += ',';
        first = false;
        print_value(e.key, out);
        out += " => ";
        print_value(e.val, out);
      }
      out += '}';
      return;
    }
    case kind::list: {
      if (printable_string(v)) {
        out += '"';
        for (auto const& c : v.list_elements()) put_char(static_cast<std::uint32_t>(c.as_int()), '"', out);
        out += '"';
        return;
      }
      out += '[';
      bool first = true;
      for (auto const& x : v.list_elements()) {
        if (!first) out += ',';
        first = false;
        print_value(x, out);
      }
      if (!v.list_tail().is_nil()) {
        out += '|';
        print_value(v.list_tail(), out);
      }
      out += ']';
      return;
    }
    case kind::bitstring: print_bits(v, out); return;
  }
}

} // namespace

void print_atom(atom a, std::string& out) {
  std::string_view name = a.name();
  if (!atom_needs_quotes(name)) {
    out += name;
    return;
  }
  out += '\'';
  detail::for_each_code_point(name, [&](std::uint32_t c) { put_char(c, '\'', out); });
  out += '\'';
}

void print(value const& v, std::string& out) { print_value(v, out); }

std::string to_string(value const& v) {
  std::string s;
  print_value(v, s);
  return s;
}

std::ostream& operator<<(std::ostream& os, value const& v) { return os << to_string(v); }

std::ostream& operator<<(std::ostream& os, atom a) {
  std::string s;
  print_atom(a, s);
  return os << s;
}

} // namespace enode::term
