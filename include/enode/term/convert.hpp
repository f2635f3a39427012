#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/atoms.hpp>
#include <enode/term/value.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

/// Conversions between terms and C++ types, both ways, without boilerplate:
///
///     int n = term::from_term<int>(v);              // throws bad_conversion if v is not
///     auto t = term::to_term(std::pair{1, "one"});   // {1, <<"one">>}
///
/// | C++                                     | term                                                  |
/// |-----------------------------------------|-------------------------------------------------------|
/// | `bool`                                  | `true`, `false`                                       |
/// | integral types, `big_int` (integer.hpp) | integer (range-checked when converted back)           |
/// | `double`, `float`                       | float (an integer is accepted too)                    |
/// | `number` (number.hpp)                   | integer or float, whichever it is                     |
/// | `std::string`                           | binary (UTF-8); a string (code points) or atom too    |
/// | `std::string_view`, `char const*`       | binary (to terms only)                                |
/// | `std::vector<std::byte>`, `binary`      | binary                                                |
/// | `atom`, `pid`, `value`                  | themselves                                            |
/// | `std::vector<T>`                        | proper list                                           |
/// | `std::map<K, V>`, `std::unordered_map`  | map                                                   |
/// | `std::pair`, `std::tuple`               | tuple of that size                                    |
/// | `std::optional<T>`                      | `undefined` for nullopt (`nil` accepted, as Elixir's) |
/// | a struct with `map_fields`              | map with atom keys, `#{mean => 1.5, max => 3.0}`      |
/// | a struct with `record_fields`           | record, `{stats, 1.5, 3.0}`                           |
///
/// Other types convert once `convert<T>` is specialised with `to` and `from`; for a
/// struct, declare its fields once with `map_fields` or `record_fields` (below).
namespace enode::term {

/// A term without the shape a C++ type needs; `from_term` throws it. Where a C++
/// function serves an Erlang caller, it becomes `error:badarg`.
class bad_conversion : public std::invalid_argument {
public:
  /// `expected` in words ("an integer", "a list"), `got` the term that came;
  /// `what()` is "expected <expected>, got <got printed>".
  bad_conversion(std::string_view expected, value const& got);
  /// What was expected, in words ("a number in field mean of a map with keys mean, max").
  std::string const& expected() const noexcept { return expected_; }
  /// The term that did not convert (for a struct's field, that field's term).
  value const& got() const noexcept { return got_; }

private:
  std::string expected_;
  value got_;
};

template <class T, class Enable = void>
struct convert; // static value to(T const&); static T from(value const&);

namespace detail {
/// An integer beyond 64 bits signed that fits in 64 bits unsigned.
std::optional<std::uint64_t> big_to_uint64(value const& v) noexcept;
/// A bignum as the nearest double.
double big_to_double(value const& v) noexcept;
} // namespace detail

/// `x` as a term.
template <class T>
value to_term(T const& x) {
  return convert<std::remove_cvref_t<T>>::to(x);
}
inline value to_term(char const* s) { return binary_of(s); }

/// `v` as a `T`. @throws bad_conversion when `v` does not have `T`'s shape.
template <class T>
T from_term(value const& v) {
  return convert<std::remove_cvref_t<T>>::from(v);
}

/// Whether `T` converts (a `convert<T>` exists).
template <class T, class = void>
inline constexpr bool convertible = false;
template <class T>
inline constexpr bool
    convertible<T, std::void_t<decltype(convert<std::remove_cvref_t<T>>::from(std::declval<value const&>()))>> = true;

// --- the conversions ----------------------------------------------------------------------------

template <>
struct convert<value> {
  static value to(value const& v) { return v; }
  static value from(value const& v) { return v; }
};

template <>
struct convert<bool> {
  static value to(bool b) { return value(b); }
  static bool from(value const& v) {
    if (v.is_atom("true")) return true;
    if (v.is_atom("false")) return false;
    throw bad_conversion("a boolean", v);
  }
};

template <class I>
struct convert<I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>> {
  static value to(I i) { return value(i); }
  static I from(value const& v) {
    if (v.is_small()) {
      auto const n = v.as_int();
      if constexpr (std::is_signed_v<I>) {
        if (n >= static_cast<std::int64_t>(std::numeric_limits<I>::min()) &&
            n <= static_cast<std::int64_t>(std::numeric_limits<I>::max()))
          return static_cast<I>(n);
      } else {
        if (n >= 0 && static_cast<std::uint64_t>(n) <= std::numeric_limits<I>::max()) return static_cast<I>(n);
      }
    } else if constexpr (std::is_unsigned_v<I> && sizeof(I) == sizeof(std::uint64_t)) {
      if (v.is_integer()) {
        if (auto u = detail::big_to_uint64(v)) return static_cast<I>(*u);
      }
    }
    throw bad_conversion(range(), v);
  }

private:
  static std::string range() {
    return "an integer in " + std::to_string(+std::numeric_limits<I>::min()) + ".." +
           std::to_string(+std::numeric_limits<I>::max());
  }
};

template <class F>
struct convert<F, std::enable_if_t<std::is_floating_point_v<F>>> {
  static value to(F d) {
    if (d != d || d == std::numeric_limits<F>::infinity() || d == -std::numeric_limits<F>::infinity())
      throw std::invalid_argument("Erlang has no NaN or infinite float");
    return value(static_cast<double>(d));
  }
  static F from(value const& v) {
    if (v.is_float()) return static_cast<F>(v.as_float());
    if (v.is_small()) return static_cast<F>(v.as_int());
    if (v.is_integer()) return static_cast<F>(detail::big_to_double(v));
    throw bad_conversion("a number", v);
  }
};

template <>
struct convert<atom> {
  static value to(atom a) { return value(a); }
  static atom from(value const& v) {
    if (!v.is_atom()) throw bad_conversion("an atom", v);
    return v.as_atom();
  }
};

template <>
struct convert<pid> {
  static value to(pid const& p) { return value(p); }
  static pid from(value const& v) {
    if (!v.is_pid()) throw bad_conversion("a pid", v);
    return v.as_pid();
  }
};

template <>
struct convert<binary> {
  static value to(binary const& b) { return value(b); }
  static binary from(value const& v) {
    if (!v.is_binary()) throw bad_conversion("a binary", v);
    return v.as_binary();
  }
};

template <>
struct convert<std::string> {
  static value to(std::string const& s) { return binary_of(s); }
  /// A binary's bytes; a list of code points (an Erlang string) or an atom as UTF-8.
  static std::string from(value const& v);
};

template <>
struct convert<std::string_view> {
  static value to(std::string_view s) { return binary_of(s); }
};

template <>
struct convert<std::vector<std::byte>> {
  static value to(std::vector<std::byte> const& b) { return binary_of(std::span<std::byte const>(b)); }
  static std::vector<std::byte> from(value const& v) {
    if (!v.is_binary()) throw bad_conversion("a binary", v);
    auto b = v.bytes();
    return {b.begin(), b.end()};
  }
};

template <class T>
struct convert<std::vector<T>, std::enable_if_t<!std::is_same_v<T, std::byte>>> {
  static value to(std::vector<T> const& xs) {
    std::vector<value> out;
    out.reserve(xs.size());
    for (auto const& x : xs) out.push_back(to_term(x));
    return list_of(out);
  }
  static std::vector<T> from(value const& v) {
    if (!v.is_proper_list()) throw bad_conversion("a proper list", v);
    std::vector<T> out;
    out.reserve(v.list_elements().size());
    for (auto const& e : v.list_elements()) out.push_back(from_term<T>(e));
    return out;
  }
};

namespace detail {
template <class M>
struct map_convert {
  static value to(M const& m) {
    std::vector<map_entry> out;
    out.reserve(m.size());
    for (auto const& [k, x] : m) out.push_back({to_term(k), to_term(x)});
    return map_of(std::move(out));
  }
  static M from(value const& v) {
    if (!v.is_map()) throw bad_conversion("a map", v);
    M out;
    for (auto const& e : v.map_entries())
      out.emplace(from_term<typename M::key_type>(e.key), from_term<typename M::mapped_type>(e.val));
    return out;
  }
};
} // namespace detail

template <class K, class V, class C, class A>
struct convert<std::map<K, V, C, A>> : detail::map_convert<std::map<K, V, C, A>> {};
template <class K, class V, class H, class E, class A>
struct convert<std::unordered_map<K, V, H, E, A>> : detail::map_convert<std::unordered_map<K, V, H, E, A>> {};

template <class... Ts>
struct convert<std::tuple<Ts...>> {
  static value to(std::tuple<Ts...> const& t) {
    return std::apply([](auto const&... x) { return tuple_of({to_term(x)...}); }, t);
  }
  static std::tuple<Ts...> from(value const& v) {
    if (!v.is_tuple() || v.arity() != sizeof...(Ts))
      throw bad_conversion("a tuple of " + std::to_string(sizeof...(Ts)) + " elements", v);
    return [&]<std::size_t... I>(std::index_sequence<I...>) { return std::tuple<Ts...>(from_term<Ts>(v[I])...); }
    (std::index_sequence_for<Ts...>{});
  }
};

template <class A, class B>
struct convert<std::pair<A, B>> {
  static value to(std::pair<A, B> const& p) { return tuple_of({to_term(p.first), to_term(p.second)}); }
  static std::pair<A, B> from(value const& v) {
    if (!v.is_tuple() || v.arity() != 2) throw bad_conversion("a tuple of 2 elements", v);
    return {from_term<A>(v[0]), from_term<B>(v[1])};
  }
};

template <class T>
struct convert<std::optional<T>> {
  static value to(std::optional<T> const& o) { return o ? to_term(*o) : value(atoms::undefined); }
  static std::optional<T> from(value const& v) {
    if (v.is_atom("undefined") || v.is_atom("nil")) return std::nullopt;
    return from_term<T>(v);
  }
};

// --- structs ------------------------------------------------------------------------------------

/// A string literal as a template argument: `field<"mean", &stats::mean>`.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(char const (&s)[N]) { std::copy_n(s, N, chars); } // implicit: from the literal
  constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
};

namespace detail {
template <class M>
struct member_pointer;
template <class C, class M>
struct member_pointer<M C::*> {
  using owner = C;
  using type = M;
};

/// "a map with keys mean, max".
std::string describe_map(std::span<std::string_view const> keys);
/// "a record {stats, Mean, Max}".
std::string describe_record(std::string_view tag, std::span<std::string_view const> fields);
/// Throws `e` again as the failure of field `field` of `whole` (a description as above),
/// keeping the term that failed: "a number in field mean of a map with keys mean, max".
[[noreturn]] void throw_in_field(bad_conversion const& e, std::string_view field, std::string const& whole);
/// The atom named `Name`, interned on first use.
template <fixed_string Name>
atom atom_of() {
  static atom const a(Name.view());
  return a;
}
} // namespace detail

/// One field of a struct: its name on the Erlang side (a map key or, in a record, only
/// for messages) and the data member that holds it, e.g. `field<"mean", &stats::mean>`.
/// The member converts through `convert` of its type, so nested structs, vectors of
/// structs and optionals work.
template <fixed_string Name, auto Member>
struct field {
  static_assert(std::is_member_object_pointer_v<decltype(Member)>, "field: &T::member expected");
  using owner = typename detail::member_pointer<decltype(Member)>::owner;
  using type = typename detail::member_pointer<decltype(Member)>::type;
  static constexpr std::string_view name = Name.view();
  static constexpr auto member = Member;
  static atom key() { return detail::atom_of<Name>(); }

  /// The field's term in `whole`, converted; a failure names the field.
  static type read(value const& v, std::string (*whole)()) {
    try {
      return from_term<type>(v);
    } catch (bad_conversion const& e) {
      detail::throw_in_field(e, name, whole());
    }
  }
};

/// `convert` of a struct `T` as an Erlang map with atom keys, one per field:
///
///     struct stats { double mean; double max; };
///     template <>
///     struct enode::term::convert<stats>
///         : enode::term::map_fields<stats, enode::term::field<"mean", &stats::mean>,
///                                   enode::term::field<"max", &stats::max>> {};
///
/// or, inside the struct (no specialisation needed, and it works for local structs too):
///
///     static auto term_fields() { return term::map_fields<stats, term::field<"mean", &stats::mean>, ...>{}; }
///
/// `to_term(stats{1.5, 3.0})` is `#{max => 3.0, mean => 1.5}`. `from_term<stats>` needs
/// every declared key and ignores others (an Elixir struct's `__struct__`, say); `T` must
/// be default-constructible. Errors: "expected a map with keys mean, max, got ...",
/// "expected a map with keys mean, max (key max missing), got #{mean => 1.5}",
/// "expected a number in field mean of a map with keys mean, max, got foo".
template <class T, class... Fields>
struct map_fields {
  static_assert((std::is_base_of_v<typename Fields::owner, T> && ...), "map_fields: a field of another type");

  static value to(T const& x) {
    return map_of(std::vector<map_entry>{map_entry{value(Fields::key()), to_term(x.*Fields::member)}...});
  }
  static T from(value const& v) {
    if (!v.is_map()) throw bad_conversion(describe(), v);
    T out{};
    (read<Fields>(out, v), ...);
    return out;
  }
  /// "a map with keys mean, max".
  static std::string describe() {
    static constexpr std::array<std::string_view, sizeof...(Fields)> names{Fields::name...};
    return detail::describe_map(names);
  }

private:
  template <class Field>
  static void read(T& out, value const& v) {
    auto const* x = v.find(value(Field::key()));
    if (x == nullptr) throw bad_conversion(describe() + " (key " + std::string(Field::name) + " missing)", v);
    out.*Field::member = Field::read(*x, &describe);
  }
};

/// `convert` of a struct `T` as an Erlang record `{Tag, Field1, ...}`, the fields in the
/// order given (names serve the error messages):
///
///     template <>
///     struct enode::term::convert<stats>
///         : enode::term::record_fields<stats, "stats", enode::term::field<"mean", &stats::mean>,
///                                      enode::term::field<"max", &stats::max>> {};
///
/// (or `static auto term_fields() { return term::record_fields<...>{}; }` inside the struct).
/// `to_term(stats{1.5, 3.0})` is `{stats, 1.5, 3.0}`; `from_term<stats>` needs the tag
/// and the arity. Errors: "expected a record {stats, Mean, Max}, got {stats, 1.5}",
/// "expected a number in field max of a record {stats, Mean, Max}, got foo".
template <class T, fixed_string Tag, class... Fields>
struct record_fields {
  static_assert((std::is_base_of_v<typename Fields::owner, T> && ...), "record_fields: a field of another type");

  static value to(T const& x) { return tuple_of({value(detail::atom_of<Tag>()), to_term(x.*Fields::member)...}); }
  static T from(value const& v) {
    if (!is_record(v, detail::atom_of<Tag>(), 1 + sizeof...(Fields))) throw bad_conversion(describe(), v);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      T out{};
      ((out.*Fields::member = Fields::read(v[1 + I], &describe)), ...);
      return out;
    }
    (std::index_sequence_for<Fields...>{});
  }
  /// "a record {stats, Mean, Max}".
  static std::string describe() {
    static constexpr std::array<std::string_view, sizeof...(Fields)> names{Fields::name...};
    return detail::describe_record(Tag.view(), names);
  }
};

/// A struct that names its fields itself, `static auto term_fields() { return
/// map_fields<...>{}; }` (or `record_fields<...>`), converts without a specialisation.
/// (A function, not a member type: GCC 12 warns of a member type of a local struct that
/// only a template uses, and a local struct cannot hold a static data member.)
template <class T>
struct convert<T, std::void_t<decltype(T::term_fields())>> : decltype(T::term_fields()) {};

} // namespace enode::term

#pragma GCC visibility pop
