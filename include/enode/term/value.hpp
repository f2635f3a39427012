#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/export.hpp>
#include <enode/term/atom.hpp>
#include <enode/term/binary.hpp>
#include <enode/term/detail/node.hpp>
#include <enode/term/fwd.hpp>

#include <array>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace enode::term {

namespace detail {
class ENODE_INTERNAL value_access;
} // namespace detail

/// The kinds of Erlang terms, listed in Erlang's term order:
/// number < atom < reference < fun < port < pid < tuple < map < nil < list < bit string.
enum class kind : std::uint8_t {
  integer,
  float_,
  atom,
  reference,
  fun,
  port,
  pid,
  tuple,
  map,
  nil,
  list,
  bitstring,
};

/// Erlang's name for a kind ("integer", "float", "atom", ...).
std::string_view to_string(kind k) noexcept;

/// An Erlang term: an immutable value that is cheap to copy.
///
/// Immediates (small integers, floats, atoms, `[]`) live in the value itself; every
/// other term is a reference-counted node shared by its copies, so a term can be sent
/// to another process or thread without copying. A default-constructed value is `[]`.
///
/// `==` is Erlang's exact equality `=:=` (1 and 1.0 differ, so do 0.0 and -0.0, as in
/// OTP 27+), and `<=>` is the total order that agrees with it: Erlang's term order,
/// except that an integer sorts before a float of equal value (the order of map keys).
/// Erlang's arithmetic `==` and `<` are `term::compare` in compare.hpp.
///
/// Accessors named `as_*` have the matching kind as precondition; `to_*` check.
/// Lists are stored as a run of elements plus a tail that is never itself a non-empty
/// list, so `[1|[2]]` and `[1,2]` are the same value.
class value {
public:
  /// `[]`.
  value() noexcept : small_(0), rep_(rep::nil) {}
  /// The atom `true` or `false`.
  value(bool b) noexcept;
  /// An integer; values beyond 64 bits are bignums (see integer.hpp).
  template <std::integral I>
  requires(!std::same_as<I, bool>) value(I i) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (i > static_cast<I>(INT64_MAX)) {
        init_unsigned(static_cast<std::uint64_t>(i));
        return;
      }
    }
    small_ = static_cast<std::int64_t>(i);
    rep_ = rep::small;
  }
  /// A float. @throws std::invalid_argument for NaN and infinities, which Erlang lacks.
  value(double d);
  value(atom a) noexcept : atom_(a.entry()), rep_(rep::atom) {}
  value(binary b) noexcept;
  value(pid const& p);
  value(port const& p);
  value(reference const& r);
  value(fun f);
  value(external_fun const& f);
  value(char const*) = delete; // say atom("..."), binary_of("...") or string_of("...")

  value(value const& o) noexcept : small_(o.small_), rep_(o.rep_) {
    if (rep_ == rep::boxed) detail::retain(node_);
  }
  value(value&& o) noexcept : small_(o.small_), rep_(o.rep_) { o.rep_ = rep::nil; }
  value& operator=(value const& o) noexcept {
    value tmp(o);
    swap(tmp);
    return *this;
  }
  value& operator=(value&& o) noexcept {
    value tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~value() {
    if (rep_ == rep::boxed) detail::release(node_);
  }
  void swap(value& o) noexcept {
    std::swap(small_, o.small_);
    std::swap(rep_, o.rep_);
  }

  kind type() const noexcept;

  bool is_integer() const noexcept { return rep_ == rep::small || is_node(detail::node_type::big); }
  bool is_float() const noexcept { return rep_ == rep::flt; }
  bool is_number() const noexcept { return is_integer() || is_float(); }
  bool is_atom() const noexcept { return rep_ == rep::atom; }
  bool is_boolean() const noexcept;
  bool is_reference() const noexcept { return is_node(detail::node_type::reference); }
  /// Local and external funs alike (Erlang's is_function/1).
  bool is_fun() const noexcept { return is_node(detail::node_type::fun) || is_external_fun(); }
  bool is_external_fun() const noexcept { return is_node(detail::node_type::external_fun); }
  bool is_port() const noexcept { return is_node(detail::node_type::port); }
  bool is_pid() const noexcept { return is_node(detail::node_type::pid); }
  bool is_tuple() const noexcept { return is_node(detail::node_type::tuple); }
  bool is_map() const noexcept { return is_node(detail::node_type::map); }
  bool is_nil() const noexcept { return rep_ == rep::nil; }
  /// `[]` or a cons, proper or not (Erlang's is_list/1).
  bool is_list() const noexcept { return rep_ == rep::nil || is_node(detail::node_type::list); }
  /// A list that ends in `[]`.
  bool is_proper_list() const noexcept;
  bool is_bitstring() const noexcept { return is_node(detail::node_type::binary); }
  /// A bitstring of whole bytes (Erlang's is_binary/1).
  bool is_binary() const noexcept;

  /// Integers: whether the value fits in 64 bits (else it is a bignum).
  bool is_small() const noexcept { return rep_ == rep::small; }
  /// @pre is_small()
  std::int64_t as_int() const noexcept { return small_; }
  /// The integer if it fits in 64 bits.
  std::optional<std::int64_t> to_int() const noexcept {
    if (rep_ == rep::small) return small_;
    return std::nullopt;
  }
  /// @pre is_float()
  double as_float() const noexcept { return float_; }
  /// @pre is_atom()
  atom as_atom() const noexcept { return atom::from_entry(atom_); }
  /// Whether this is the atom named `name`.
  bool is_atom(std::string_view name) const noexcept { return rep_ == rep::atom && as_atom().name() == name; }

  /// Tuple elements. @pre is_tuple()
  std::span<value const> elements() const noexcept;
  /// Tuple arity. @pre is_tuple()
  std::size_t arity() const noexcept;
  /// Tuple element, 0-based. @pre is_tuple() and i < arity()
  value const& operator[](std::size_t i) const noexcept { return elements()[i]; }

  /// The elements of a list before its tail (empty for `[]`). @pre is_list()
  std::span<value const> list_elements() const noexcept;
  /// The tail of a list: `[]` for a proper list, else the improper tail. @pre is_list()
  value const& list_tail() const noexcept;

  /// Map entries, sorted by key. @pre is_map()
  std::span<map_entry const> map_entries() const noexcept;
  /// The value under `key`, or null. @pre is_map()
  value const* find(value const& key) const noexcept;

  /// A handle to the bytes, shared. @pre is_bitstring()
  binary as_binary() const noexcept;
  /// The bytes of a binary or bitstring. @pre is_bitstring()
  std::span<std::byte const> bytes() const noexcept;

  /// @pre is_pid()
  pid const& as_pid() const noexcept;
  /// @pre is_port()
  port const& as_port() const noexcept;
  /// @pre is_reference()
  reference const& as_reference() const noexcept;
  /// A local fun (NEW_FUN_EXT). @pre is_fun() && !is_external_fun()
  fun const& as_fun() const noexcept;
  /// `fun M:F/A`. @pre is_external_fun()
  external_fun const& as_external_fun() const noexcept;

  /// For the codec and the node allocation helpers: the node of a boxed value.
  detail::node* node() const noexcept { return rep_ == rep::boxed ? node_ : nullptr; }
  /// Takes ownership of a node (its count already accounts for this value).
  static value adopt(detail::node* n) noexcept {
    value v;
    v.node_ = n;
    v.rep_ = rep::boxed;
    return v;
  }

  friend bool operator==(value const& a, value const& b) noexcept;
  friend std::strong_ordering operator<=>(value const& a, value const& b) noexcept;

  /// A hash that agrees with `==`.
  std::size_t hash() const noexcept;

private:
  enum class rep : std::uint8_t { nil, small, flt, atom, boxed };

  bool is_node(detail::node_type t) const noexcept { return rep_ == rep::boxed && node_->type == t; }
  void init_unsigned(std::uint64_t u);

  union {
    std::int64_t small_;
    double float_;
    detail::atom_entry const* atom_;
    detail::node* node_;
  };
  rep rep_;

  friend class detail::value_access;
};

// Declared again outside the class: a function that only a friend declaration names is
// not exported from a shared build.
bool operator==(value const& a, value const& b) noexcept;
std::strong_ordering operator<=>(value const& a, value const& b) noexcept;

inline void swap(value& a, value& b) noexcept { a.swap(b); }

/// A map association: `key => val`.
struct map_entry {
  value key;
  value val;
  friend bool operator==(map_entry const&, map_entry const&) noexcept = default;
};

/// A process identifier of any node (NEW_PID_EXT fields, V4 sizes).
struct pid {
  atom node;
  std::uint32_t id = 0;
  std::uint32_t serial = 0;
  std::uint32_t creation = 0;
  friend bool operator==(pid const&, pid const&) noexcept = default;
};

/// A port identifier of any node (V4_PORT_EXT allows 64-bit ids).
struct port {
  atom node;
  std::uint64_t id = 0;
  std::uint32_t creation = 0;
  friend bool operator==(port const&, port const&) noexcept = default;
};

/// A reference of any node: 1 to 5 32-bit words, in wire order.
struct reference {
  static constexpr std::size_t max_words = 5;
  atom node;
  std::uint32_t creation = 0;
  std::uint8_t size = 0;
  std::array<std::uint32_t, max_words> words{};
  std::span<std::uint32_t const> ids() const noexcept { return {words.data(), size}; }
  friend bool operator==(reference const& a, reference const& b) noexcept {
    return a.node == b.node && a.creation == b.creation && a.size == b.size && a.words == b.words;
  }
};

/// A local fun (NEW_FUN_EXT). A C++ node cannot run it; it keeps every field so the
/// fun can travel on and re-encode byte for byte.
struct fun {
  atom module;
  std::uint8_t arity = 0;
  std::array<std::uint8_t, 16> uniq{};
  std::uint32_t index = 0;
  value old_index; ///< an integer
  value old_uniq;  ///< an integer
  value pid;       ///< the creator, a pid
  std::vector<value> free_vars;
  friend bool operator==(fun const&, fun const&) noexcept = default;
};

/// An external fun, `fun Module:Function/Arity` (EXPORT_EXT).
struct external_fun {
  atom module;
  atom function;
  std::uint8_t arity = 0;
  friend bool operator==(external_fun const&, external_fun const&) noexcept = default;
};

/// `{E1, ..., En}`.
value tuple_of(std::span<value const> elements);
value tuple_of(std::initializer_list<value> elements);
/// `[E1, ..., En | Tail]`; a list tail is spliced in, so the result is canonical.
value list_of(std::span<value const> elements, value tail = {});
value list_of(std::initializer_list<value> elements);
/// `#{K1 => V1, ...}`; a key given twice keeps its last value (as maps:from_list/1).
value map_of(std::vector<map_entry> entries);
value map_of(std::initializer_list<map_entry> entries);
/// An Erlang string: the list of the code points of `utf8`.
/// @throws std::invalid_argument if `utf8` is not valid UTF-8.
value string_of(std::string_view utf8);
/// A binary holding a copy of the bytes of `s`.
value binary_of(std::string_view s);
value binary_of(std::span<std::byte const> bytes);

/// Erlang's `is_record(T, Tag, Size)`: a tuple of `size` elements whose first is `tag`.
inline bool is_record(value const& t, atom tag, std::size_t size) noexcept {
  return t.is_tuple() && t.arity() == size && t[0].is_atom() && t[0].as_atom() == tag;
}

/// Prints the term in Erlang syntax (see print.hpp).
std::ostream& operator<<(std::ostream& os, value const& v);

namespace detail {
struct tuple_node : node {
  std::uint32_t arity;
  value* elements() noexcept { return reinterpret_cast<value*>(this + 1); }
  tuple_node() noexcept : node(node_type::tuple), arity(0) {}
};
struct list_node : node {
  std::uint32_t count;
  value tail;
  value* elements() noexcept { return reinterpret_cast<value*>(this + 1); }
  list_node() noexcept : node(node_type::list), count(0) {}
};
struct map_node : node {
  std::uint32_t count;
  map_entry* entries() noexcept { return reinterpret_cast<map_entry*>(this + 1); }
  map_node() noexcept : node(node_type::map), count(0) {}
};
template <class T, node_type Type>
struct boxed_node : node {
  T data;
  explicit boxed_node(T d) : node(Type), data(std::move(d)) {}
};
using pid_node = boxed_node<pid, node_type::pid>;
using port_node = boxed_node<port, node_type::port>;
using reference_node = boxed_node<reference, node_type::reference>;
using fun_node = boxed_node<fun, node_type::fun>;
using external_fun_node = boxed_node<external_fun, node_type::external_fun>;

/// A tuple node with `arity` elements, all `[]`, for the caller to fill before sharing.
tuple_node* alloc_tuple(std::size_t arity);
/// A list node of `count` (>= 1) elements, all `[]`, and tail `[]`.
list_node* alloc_list(std::size_t count);
/// A map node with room for `count` entries, all `[] => []`.
map_node* alloc_map(std::size_t count);
/// Sorts a freshly filled map node's entries by key; false if a key repeats.
bool sort_map(map_node* m);
} // namespace detail

inline kind value::type() const noexcept {
  switch (rep_) {
    case rep::nil: return kind::nil;
    case rep::small: return kind::integer;
    case rep::flt: return kind::float_;
    case rep::atom: return kind::atom;
    case rep::boxed: break;
  }
  static constexpr kind by_node[] = {kind::integer, kind::pid,  kind::port, kind::reference, kind::fun, kind::fun,
                                     kind::tuple,   kind::list, kind::map,  kind::bitstring, kind::nil};
  return by_node[static_cast<std::size_t>(node_->type)];
}

inline std::span<value const> value::elements() const noexcept {
  auto* t = static_cast<detail::tuple_node*>(node_);
  return {t->elements(), t->arity};
}
inline std::size_t value::arity() const noexcept { return static_cast<detail::tuple_node*>(node_)->arity; }
inline std::span<value const> value::list_elements() const noexcept {
  if (rep_ == rep::nil) return {};
  auto* l = static_cast<detail::list_node*>(node_);
  return {l->elements(), l->count};
}
inline value const& value::list_tail() const noexcept {
  if (rep_ == rep::nil) return *this;
  return static_cast<detail::list_node*>(node_)->tail;
}
inline bool value::is_proper_list() const noexcept {
  return rep_ == rep::nil || (is_node(detail::node_type::list) && list_tail().is_nil());
}
inline std::span<map_entry const> value::map_entries() const noexcept {
  auto* m = static_cast<detail::map_node*>(node_);
  return {m->entries(), m->count};
}
inline binary value::as_binary() const noexcept {
  detail::retain(node_);
  return binary::adopt(static_cast<detail::binary_node*>(node_));
}
inline std::span<std::byte const> value::bytes() const noexcept {
  auto* b = static_cast<detail::binary_node*>(node_);
  return {b->data, b->size};
}
inline bool value::is_binary() const noexcept {
  return is_node(detail::node_type::binary) && static_cast<detail::binary_node*>(node_)->trailing_bits == 0;
}
inline pid const& value::as_pid() const noexcept { return static_cast<detail::pid_node*>(node_)->data; }
inline port const& value::as_port() const noexcept { return static_cast<detail::port_node*>(node_)->data; }
inline reference const& value::as_reference() const noexcept {
  return static_cast<detail::reference_node*>(node_)->data;
}
inline fun const& value::as_fun() const noexcept { return static_cast<detail::fun_node*>(node_)->data; }
inline external_fun const& value::as_external_fun() const noexcept {
  return static_cast<detail::external_fun_node*>(node_)->data;
}

} // namespace enode::term

template <>
struct std::hash<enode::term::value> {
  std::size_t operator()(enode::term::value const& v) const noexcept { return v.hash(); }
};

#pragma GCC visibility pop
