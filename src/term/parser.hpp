#pragma once

// The reader of Erlang term literals (parse.hpp), shared by parse.cpp (terms, names,
// strings, numbers, containers) and parse_forms.cpp (the # forms: pids, ports,
// references, funs, maps; and bit syntax).
#include <enode/term/error.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/parse.hpp>

#include "utf8.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enode::term::parsing {

inline constexpr std::size_t max_depth = 1000;

inline bool is_digit(std::uint32_t c) noexcept { return c >= '0' && c <= '9'; }
inline bool is_lower(std::uint32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
inline bool is_upper(std::uint32_t c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}
inline bool is_name_char(std::uint32_t c) noexcept {
  return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '@';
}
inline int digit_value(std::uint32_t c) noexcept {
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

  result<value> run(parse_failure* failure);

private:
  bool fail(std::string m, error e = error::syntax_error);

  bool eof() const noexcept { return pos_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const noexcept { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

  // Decodes the UTF-8 character at pos_ without consuming it; 0 with len 0 at the end.
  std::uint32_t peek_cp(std::size_t* len = nullptr) const noexcept;
  std::uint32_t next_cp() noexcept;

  bool skip_ws();

  bool expect(char c, char const* what);

  bool term(value& out, std::size_t depth);

  static value negate(value const& v);

  void bare_name(std::string& name);

  bool make_atom(std::string_view name, atom& out);

  // An escape sequence after a backslash, as erl_scan reads it.
  bool escape(std::uint32_t& out);

  // Characters of a quoted string or atom up to the closing `quote`.
  bool quoted(char quote, std::vector<std::uint32_t>& chars);

  bool quoted_atom(atom& out);

  bool strings(value& out);

  bool char_literal(value& out);

  // Digits of `base`, with single underscores between digits (OTP 23+).
  bool digits(int base, std::string& out);

  static value integer_of(std::string const& ds, int base);

  bool number(value& out);

  bool tuple(value& out, std::size_t depth);

  bool list(value& out, std::size_t depth);

  bool hash_form(value& out, std::size_t depth);

  // `Node:Creation` inside the pid, port and reference forms.
  bool node_creation(atom& node, std::uint32_t& creation);

  bool plain_int(std::uint64_t& out);

  bool dotted(std::uint64_t& out);

  bool pid_form(value& out);

  bool external_fun_form(value& out);

  // Binaries: `<<Seg, ...>>`, Seg = Value[:Size][/Types].
  bool bin(value& out);

  bool segment(bit_writer& w);
  /// A segment's size, type and endianness, as its specifiers give them.
  struct segment_spec {
    enum class type { integer, floating, binary, utf8, utf16, utf32 } t = type::integer;
    std::optional<std::uint64_t> size;
    bool little = false;
    std::uint64_t unit = 0;
  };
  bool segment_value(value& v, bool& is_string, std::vector<std::uint32_t>& chars);
  bool segment_specifiers(segment_spec& out);
  bool put_segment(bit_writer& w, segment_spec const& spec, value const& item);

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string msg_;
  std::size_t err_pos_ = 0;
  error_code ec_;
};

} // namespace enode::term::parsing
