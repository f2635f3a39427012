#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string_view>

namespace enode::term {

namespace detail {
/// An interned atom: allocated once, never freed (atoms are immortal, as in BEAM).
struct atom_entry {
  std::uint64_t hash;
  std::uint64_t prefix; ///< the first 8 bytes, big-endian, zero-padded: orders most atoms at once
  std::uint16_t size;   ///< UTF-8 bytes
  std::uint16_t length; ///< characters
  char text[1];         ///< `size` bytes follow, then a NUL
};

/// The entry of the empty atom '', which the table holds from the start.
extern atom_entry const empty_atom_entry;

/// Erlang's order of atom names (bytewise on UTF-8, which is code point order).
inline int compare_names(atom_entry const* a, atom_entry const* b) noexcept {
  if (a == b) return 0;
  if (a->prefix != b->prefix) return a->prefix < b->prefix ? -1 : 1;
  std::size_t const n = a->size < b->size ? a->size : b->size;
  int c = __builtin_memcmp(a->text, b->text, n);
  if (c) return c < 0 ? -1 : 1;
  return a->size < b->size ? -1 : a->size > b->size ? 1 : 0;
}
} // namespace detail

/// An Erlang atom: an interned UTF-8 name of at most 255 characters.
///
/// Atoms are cheap handles (one pointer); two atoms are equal exactly when they name
/// the same text. The table behind them is process-wide, thread-safe and, like BEAM's,
/// never shrinks; `atom::count()` and `atom::limit()` let callers watch it.
/// Default-constructed, an atom is the empty atom `''`.
class atom {
public:
  /// Most atoms the table accepts before `make` fails with `error::atom_table_full`.
  static constexpr std::size_t limit() noexcept { return std::size_t{1} << 22; }

  atom() noexcept : e_(&detail::empty_atom_entry) {}

  /// Interns `utf8`. @throws std::invalid_argument if it is not valid UTF-8, longer than
  /// 255 characters, or the table is full.
  explicit atom(std::string_view utf8);

  /// Interns `utf8`; fails with `error::bad_utf8`, `error::atom_too_long` or
  /// `error::atom_table_full`.
  [[nodiscard]] static result<atom> make(std::string_view utf8) noexcept;

  /// Interns a Latin-1 name (as the legacy ATOM_EXT carries), converting it to UTF-8.
  [[nodiscard]] static result<atom> make_latin1(std::string_view latin1) noexcept;

  /// The atom named `utf8` if it already exists; never grows the table.
  [[nodiscard]] static std::optional<atom> existing(std::string_view utf8) noexcept;

  /// Atoms in the table.
  [[nodiscard]] static std::size_t count() noexcept;

  /// The name, UTF-8 encoded; valid for the life of the program.
  std::string_view name() const noexcept { return {e_->text, e_->size}; }
  /// The name's length in characters (code points).
  std::size_t length() const noexcept { return e_->length; }
  std::size_t hash() const noexcept { return static_cast<std::size_t>(e_->hash); }
  bool empty() const noexcept { return e_->size == 0; }

  friend bool operator==(atom a, atom b) noexcept { return a.e_ == b.e_; }
  /// Erlang's order of atoms: by their text, code point by code point.
  friend std::strong_ordering operator<=>(atom a, atom b) noexcept { return detail::compare_names(a.e_, b.e_) <=> 0; }

  /// For the term representation: the entry behind the handle.
  detail::atom_entry const* entry() const noexcept { return e_; }
  static atom from_entry(detail::atom_entry const* e) noexcept { return atom{e}; }

private:
  explicit atom(detail::atom_entry const* e) noexcept : e_(e) {}
  detail::atom_entry const* e_;
};

/// Prints the atom in Erlang syntax, quoted where Erlang needs quotes.
std::ostream& operator<<(std::ostream& os, atom a);

/// Checks UTF-8 validity (no overlongs, no surrogates, at most U+10FFFF) and counts code
/// points. Returns nullopt for invalid input.
[[nodiscard]] std::optional<std::size_t> utf8_length(std::string_view s) noexcept;

} // namespace enode::term

template <>
struct std::hash<enode::term::atom> {
  std::size_t operator()(enode::term::atom a) const noexcept { return a.hash(); }
};

#pragma GCC visibility pop
