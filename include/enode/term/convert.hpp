#pragma once

#include <enode/term/atoms.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
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
/// | C++                                   | term                                          |
/// |---------------------------------------|-----------------------------------------------|
/// | `bool`                                | `true`, `false`                               |
/// | integral types (`big_int` with integer.hpp) | integer (range-checked when converted back) |
/// | `double`, `float`                     | float (an integer is accepted too)            |
/// | `std::string`                         | binary (UTF-8); a string (list of code points) and an atom are accepted
/// too | | `std::string_view`, `char const*`     | binary (to terms only)                        | |
/// `std::vector<std::byte>`, `binary`    | binary                                        | | `atom`, `pid`, `value` |
/// themselves                                    | | `std::vector<T>`                      | proper list | |
/// `std::map<K, V>`, `std::unordered_map`| map                                           | | `std::pair`, `std::tuple`
/// | tuple of that size                            | | `std::optional<T>`                    | `undefined` for nullopt
/// (`nil` is accepted too, as Elixir writes it) |
///
/// Other types convert once `convert<T>` is specialised with `to` and `from`.
namespace enode::term {

/// A term without the shape a C++ type needs; `from_term` throws it. Where a C++
/// function serves an Erlang caller, it becomes `error:badarg`.
class bad_conversion : public std::invalid_argument {
public:
  /// `expected` in words ("an integer", "a list"), `got` the term that came.
  bad_conversion(std::string_view expected, value const& got);
  value const& got() const noexcept { return got_; }

private:
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

} // namespace enode::term
