#include <enode/term/compare.hpp>

#include "big_node.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

// Erlang's term order, as erts implements it (and as checked against OTP 25):
//   number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring
// within kinds:
//   references: node, creation, number of words, words from the last one down;
//   local funs before external funs; local funs by module, old index, old uniq, free vars;
//   ports: node, creation, id;  pids: serial, id, node, creation;
//   tuples: arity, then elements;  maps: size, keys in map-key order, values;
//   lists: element by element as cons cells;  bitstrings: bit by bit, prefix first.
// Exact mode (=:= and map-key order) puts every integer before every float and -0.0
// before 0.0; arithmetic mode compares numbers by value.
namespace enode::term {
namespace {

using detail::node_type;

int sign(auto c) noexcept { return c < 0 ? -1 : c > 0 ? 1 : 0; }

template <class T>
int cmp3(T const& a, T const& b) noexcept {
  return a < b ? -1 : b < a ? 1 : 0;
}

int cmp_int_double(std::int64_t i, double d) noexcept {
  constexpr double two63 = 9223372036854775808.0;
  if (d >= two63) return -1;
  if (d < -two63) return 1;
  double t = std::trunc(d);
  auto ti = static_cast<std::int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  double frac = d - t;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

int cmp_big_double(big_int const& b, double d) {
  // |b| >= 2^63 always; doubles that large have no fraction.
  constexpr double two63 = 9223372036854775808.0;
  if (std::fabs(d) < two63) return b.sign() < 0 ? -1 : 1;
  big_int bd(d);
  return b < bd ? -1 : b > bd ? 1 : 0;
}

int cmp_float_exact(double a, double b) noexcept {
  if (a < b) return -1;
  if (a > b) return 1;
  bool sa = std::signbit(a), sb = std::signbit(b);
  return sa == sb ? 0 : sa ? -1 : 1;
}

int cmp_ints(value const& a, value const& b) {
  if (a.is_small() && b.is_small()) return cmp3(a.as_int(), b.as_int());
  if (a.is_small()) return detail::big_of(b).sign() > 0 ? -1 : 1;
  if (b.is_small()) return detail::big_of(a).sign() > 0 ? 1 : -1;
  return detail::big_of(a).compare(detail::big_of(b)) < 0 ? -1 : (detail::big_of(a) == detail::big_of(b) ? 0 : 1);
}

int cmp_int_float(value const& i, double d) {
  return i.is_small() ? cmp_int_double(i.as_int(), d) : cmp_big_double(detail::big_of(i), d);
}

int cmp_bits(value const& a, value const& b) noexcept {
  auto const& x = *static_cast<detail::binary_node*>(a.node());
  auto const& y = *static_cast<detail::binary_node*>(b.node());
  std::size_t const xb = x.trailing_bits ? (x.size - 1) * 8 + x.trailing_bits : x.size * 8;
  std::size_t const yb = y.trailing_bits ? (y.size - 1) * 8 + y.trailing_bits : y.size * 8;
  std::size_t const n = std::min(xb, yb);
  std::size_t const full = n / 8;
  if (full) {
    int c = std::memcmp(x.data, y.data, full);
    if (c) return sign(c);
  }
  if (unsigned rem = n % 8) {
    auto xv = std::to_integer<unsigned>(x.data[full]) >> (8 - rem);
    auto yv = std::to_integer<unsigned>(y.data[full]) >> (8 - rem);
    if (xv != yv) return xv < yv ? -1 : 1;
  }
  return cmp3(xb, yb);
}

// Rank of a kind in the term order; integers and floats share the rank of numbers.
int rank(value const& v) noexcept {
  auto k = v.type();
  return k == kind::float_ ? static_cast<int>(kind::integer) : static_cast<int>(k);
}

template <bool Exact>
int cmp(value const& a, value const& b);

int cmp_atom(atom a, atom b) noexcept { return detail::compare_names(a.entry(), b.entry()); }

template <bool Exact>
int cmp_numbers(value const& a, value const& b) {
  bool const fa = a.is_float(), fb = b.is_float();
  if (fa && fb) {
    if constexpr (Exact)
      return cmp_float_exact(a.as_float(), b.as_float());
    else
      return cmp3(a.as_float(), b.as_float());
  }
  if (!fa && !fb) return cmp_ints(a, b);
  if constexpr (Exact) return fa ? 1 : -1;
  return fa ? -cmp_int_float(b, a.as_float()) : cmp_int_float(a, b.as_float());
}

template <bool Exact>
int cmp_lists(value const& a, value const& b) {
  auto xs = a.list_elements(), ys = b.list_elements();
  std::size_t const n = std::min(xs.size(), ys.size());
  for (std::size_t i = 0; i < n; ++i)
    if (int c = cmp<Exact>(xs[i], ys[i])) return c;
  if (xs.size() == ys.size()) return cmp<Exact>(a.list_tail(), b.list_tail());
  // One list goes on where the other has its tail, which is never a non-empty list.
  if (xs.size() < ys.size()) return cmp3(rank(a.list_tail()), static_cast<int>(kind::list));
  return cmp3(static_cast<int>(kind::list), rank(b.list_tail()));
}

template <bool Exact>
int cmp_funs(value const& a, value const& b) {
  bool const ea = a.is_external_fun(), eb = b.is_external_fun();
  if (ea != eb) return ea ? 1 : -1;
  if (ea) {
    auto const& x = a.as_external_fun();
    auto const& y = b.as_external_fun();
    if (int c = cmp_atom(x.module, y.module)) return c;
    if (int c = cmp_atom(x.function, y.function)) return c;
    return cmp3(x.arity, y.arity);
  }
  auto const& x = a.as_fun();
  auto const& y = b.as_fun();
  if (int c = cmp_atom(x.module, y.module)) return c;
  if (int c = cmp<Exact>(x.old_index, y.old_index)) return c;
  if (int c = cmp<Exact>(x.old_uniq, y.old_uniq)) return c;
  if (int c = cmp3(x.free_vars.size(), y.free_vars.size())) return c;
  for (std::size_t i = 0; i < x.free_vars.size(); ++i)
    if (int c = cmp<Exact>(x.free_vars[i], y.free_vars[i])) return c;
  // Fields Erlang does not order by, compared last so that the order stays total.
  if (int c = cmp3(x.index, y.index)) return c;
  if (int c = cmp3(x.uniq, y.uniq)) return c;
  if (int c = cmp3(x.arity, y.arity)) return c;
  return cmp<Exact>(x.pid, y.pid);
}

template <bool Exact>
int cmp(value const& a, value const& b) {
  // The common keys first: atoms and small integers.
  if (a.is_atom() && b.is_atom()) return cmp_atom(a.as_atom(), b.as_atom());
  if (a.is_small() && b.is_small()) return cmp3(a.as_int(), b.as_int());
  int const ra = rank(a), rb = rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (a.type()) {
    case kind::integer:
    case kind::float_: return cmp_numbers<Exact>(a, b);
    case kind::atom: return cmp_atom(a.as_atom(), b.as_atom());
    case kind::nil: return 0;
    case kind::reference: {
      auto const& x = a.as_reference();
      auto const& y = b.as_reference();
      if (int c = cmp_atom(x.node, y.node)) return c;
      if (int c = cmp3(x.creation, y.creation)) return c;
      if (int c = cmp3(x.size, y.size)) return c;
      for (std::size_t i = x.size; i-- > 0;)
        if (int c = cmp3(x.words[i], y.words[i])) return c;
      return 0;
    }
    case kind::fun: return cmp_funs<Exact>(a, b);
    case kind::port: {
      auto const& x = a.as_port();
      auto const& y = b.as_port();
      if (int c = cmp_atom(x.node, y.node)) return c;
      if (int c = cmp3(x.creation, y.creation)) return c;
      return cmp3(x.id, y.id);
    }
    case kind::pid: {
      auto const& x = a.as_pid();
      auto const& y = b.as_pid();
      if (int c = cmp3(x.serial, y.serial)) return c;
      if (int c = cmp3(x.id, y.id)) return c;
      if (int c = cmp_atom(x.node, y.node)) return c;
      return cmp3(x.creation, y.creation);
    }
    case kind::tuple: {
      if (a.node() == b.node()) return 0;
      auto xs = a.elements(), ys = b.elements();
      if (xs.size() != ys.size()) return xs.size() < ys.size() ? -1 : 1;
      for (std::size_t i = 0; i < xs.size(); ++i)
        if (int c = cmp<Exact>(xs[i], ys[i])) return c;
      return 0;
    }
    case kind::map: {
      if (a.node() == b.node()) return 0;
      auto xs = a.map_entries(), ys = b.map_entries();
      if (xs.size() != ys.size()) return xs.size() < ys.size() ? -1 : 1;
      for (std::size_t i = 0; i < xs.size(); ++i)
        if (int c = cmp<true>(xs[i].key, ys[i].key)) return c;
      for (std::size_t i = 0; i < xs.size(); ++i)
        if (int c = cmp<Exact>(xs[i].val, ys[i].val)) return c;
      return 0;
    }
    case kind::list: return a.node() == b.node() ? 0 : cmp_lists<Exact>(a, b);
    case kind::bitstring: return cmp_bits(a, b);
  }
  return 0;
}

std::strong_ordering to_strong(int c) noexcept {
  return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

std::size_t mix(std::size_t h, std::size_t v) noexcept {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

std::size_t hash_bytes(std::byte const* p, std::size_t n) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ std::to_integer<std::uint64_t>(p[i])) * 0x100000001b3ull;
  return static_cast<std::size_t>(h);
}

} // namespace

bool operator==(value const& a, value const& b) noexcept {
  if (a.rep_ != b.rep_) return false;
  switch (a.rep_) {
    case value::rep::nil: return true;
    case value::rep::small: return a.small_ == b.small_;
    case value::rep::flt: return std::bit_cast<std::uint64_t>(a.float_) == std::bit_cast<std::uint64_t>(b.float_);
    case value::rep::atom: return a.atom_ == b.atom_;
    case value::rep::boxed: break;
  }
  if (a.node_ == b.node_) return true;
  if (a.node_->type != b.node_->type) return false;
  switch (a.node_->type) {
    case node_type::big: return detail::big_of(a) == detail::big_of(b);
    case node_type::pid: return a.as_pid() == b.as_pid();
    case node_type::port: return a.as_port() == b.as_port();
    case node_type::reference: return a.as_reference() == b.as_reference();
    case node_type::fun: return a.as_fun() == b.as_fun();
    case node_type::external_fun: return a.as_external_fun() == b.as_external_fun();
    case node_type::tuple: {
      auto xs = a.elements(), ys = b.elements();
      return std::equal(xs.begin(), xs.end(), ys.begin(), ys.end());
    }
    case node_type::list: {
      auto xs = a.list_elements(), ys = b.list_elements();
      return std::equal(xs.begin(), xs.end(), ys.begin(), ys.end()) && a.list_tail() == b.list_tail();
    }
    case node_type::map: {
      auto xs = a.map_entries(), ys = b.map_entries();
      return std::equal(xs.begin(), xs.end(), ys.begin(), ys.end());
    }
    case node_type::binary:
      return detail::same_bits(static_cast<detail::binary_node*>(a.node_), static_cast<detail::binary_node*>(b.node_));
    case node_type::heap: break; // never a value's node
  }
  return false;
}

std::strong_ordering operator<=>(value const& a, value const& b) noexcept { return to_strong(cmp<true>(a, b)); }

std::weak_ordering compare(value const& a, value const& b) noexcept {
  int c = cmp<false>(a, b);
  return c < 0 ? std::weak_ordering::less : c > 0 ? std::weak_ordering::greater : std::weak_ordering::equivalent;
}

std::size_t value::hash() const noexcept {
  std::size_t h = static_cast<std::size_t>(type());
  switch (rep_) {
    case rep::nil: return h;
    case rep::small: return mix(h, static_cast<std::size_t>(small_) * 0x9E3779B97F4A7C15ull);
    case rep::flt: return mix(h, std::bit_cast<std::size_t>(float_) * 0x9E3779B97F4A7C15ull);
    case rep::atom: return mix(h, atom_->hash);
    case rep::boxed: break;
  }
  switch (node_->type) {
    case node_type::big: {
      auto const& b = detail::big_of(*this).backend();
      h = mix(h, static_cast<std::size_t>(b.sign()));
      for (std::size_t i = 0; i < b.size(); ++i) h = mix(h, static_cast<std::size_t>(b.limbs()[i]));
      return h;
    }
    case node_type::pid: {
      auto const& p = as_pid();
      return mix(mix(mix(mix(h, p.node.hash()), p.id), p.serial), p.creation);
    }
    case node_type::port: {
      auto const& p = as_port();
      return mix(mix(mix(h, p.node.hash()), static_cast<std::size_t>(p.id)), p.creation);
    }
    case node_type::reference: {
      auto const& r = as_reference();
      h = mix(mix(h, r.node.hash()), r.creation);
      for (auto w : r.ids()) h = mix(h, w);
      return h;
    }
    case node_type::fun: {
      auto const& f = as_fun();
      h = mix(mix(mix(h, f.module.hash()), f.index), hash_bytes(reinterpret_cast<std::byte const*>(f.uniq.data()), 16));
      for (auto const& v : f.free_vars) h = mix(h, v.hash());
      return h;
    }
    case node_type::external_fun: {
      auto const& f = as_external_fun();
      return mix(mix(mix(h, f.module.hash()), f.function.hash()), f.arity);
    }
    case node_type::tuple:
      for (auto const& v : elements()) h = mix(h, v.hash());
      return h;
    case node_type::list:
      for (auto const& v : list_elements()) h = mix(h, v.hash());
      return mix(h, list_tail().hash());
    case node_type::map:
      for (auto const& e : map_entries()) h = mix(mix(h, e.key.hash()), e.val.hash());
      return h;
    case node_type::binary: {
      auto const* b = static_cast<detail::binary_node*>(node_);
      return mix(mix(h, b->trailing_bits), hash_bytes(b->data, b->size));
    }
    case node_type::heap: break; // never a value's node
  }
  return h;
}

} // namespace enode::term
