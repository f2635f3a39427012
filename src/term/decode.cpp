#include <enode/term/decode.hpp>

#include "decoder.hpp"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

namespace enode::term::decoding {

bool decoder::atom_value(std::uint8_t t, atom& out) {
  std::byte const* at = p_ - 1;
  std::size_t len;
  switch (static_cast<tag>(t)) {
    case tag::small_atom_utf8_ext:
    case tag::small_atom_ext:
      if (!need(1)) return false;
      len = load_u8(p_);
      p_ += 1;
      break;
    case tag::atom_utf8_ext:
    case tag::atom_ext:
      if (!need(2)) return false;
      len = load_u16(p_);
      p_ += 2;
      break;
    case tag::atom_cache_ref: {
      if (!need(1)) return false;
      std::uint8_t index = load_u8(p_);
      p_ += 1;
      if (!opts_.atom_refs) return fail(error::bad_atom_cache_ref, at);
      auto a = opts_.atom_refs->get(index);
      if (!a) return fail(error::bad_atom_cache_ref, at);
      out = *a;
      return true;
    }
    default: return fail(error::bad_tag, at);
  }
  if (!need(len)) return false;
  std::string_view name(reinterpret_cast<char const*>(p_), len);
  p_ += len;
  char buf[512];
  if (t == static_cast<std::uint8_t>(tag::atom_ext) || t == static_cast<std::uint8_t>(tag::small_atom_ext)) {
    // Latin-1: one character a byte; convert to UTF-8.
    if (len > 255) return fail(error::atom_too_long, at);
    std::size_t const n = detail::latin1_to_utf8(name, buf);
    name = {buf, n};
  }
  bool const converted = name.data() == buf;
  std::size_t const readable =
      converted ? name.size() : static_cast<std::size_t>(end_ - reinterpret_cast<std::byte const*>(name.data()));
  name_key const key = key_of(name.data(), name.size(), readable);
  if (auto const* e = find_recent(key, name.data(), name.size())) {
    out = atom::from_entry(e);
    return true;
  }
  if (opts_.existing_atoms_only) {
    std::optional<atom> e = atom::existing(name);
    if (!e) return fail(error::unknown_atom, at);
    out = *e;
  } else {
    result<atom> a = atom::make(name);
    if (!a) return fail(static_cast<error>(a.error().value()), at);
    out = *a;
  }
  recent_atoms[key.slot] = {key.head, key.tail, name.size(), out.entry()};
  return true;
}

bool decoder::atom_field(atom& out) {
  if (!need(1)) return false;
  std::uint8_t t = load_u8(p_);
  p_ += 1;
  switch (static_cast<tag>(t)) {
    case tag::small_atom_utf8_ext:
    case tag::small_atom_ext:
    case tag::atom_utf8_ext:
    case tag::atom_ext:
    case tag::atom_cache_ref: return atom_value(t, out);
    default: return fail(error::expected_atom, p_ - 1);
  }
}

bool decoder::big(std::size_t n, value& out) {
  std::byte const* at = p_;
  if (!need(1)) return false;
  std::uint8_t sign = load_u8(p_);
  p_ += 1;
  if (sign > 1) return fail(error::bad_tag, at);
  if (!need(n)) return false;
  std::byte const* digits = p_;
  p_ += n;
  std::size_t used = n; // ignore leading (most significant) zero bytes
  while (used > 0 && digits[used - 1] == std::byte{0}) --used;
  if (used <= 8) {
    std::uint64_t mag = 0;
    for (std::size_t i = used; i-- > 0;) mag = (mag << 8) | std::to_integer<std::uint64_t>(digits[i]);
    if (!sign && mag <= static_cast<std::uint64_t>(INT64_MAX)) {
      put(out, value(static_cast<std::int64_t>(mag)));
      return true;
    }
    if (sign && mag <= (static_cast<std::uint64_t>(INT64_MAX) + 1)) {
      put(out, value(static_cast<std::int64_t>(0 - mag)));
      return true;
    }
  }
  big_int v;
  boost::multiprecision::import_bits(v, std::reverse_iterator(digits + used), std::reverse_iterator(digits), 8, true);
  if (sign) v = -v;
  auto* b = heap().make<detail::big_node>(std::move(v));
  heap_->add_finalizer(b);
  put(out, value::adopt(b));
  return true;
}

bool decoder::tuple(std::size_t arity, value& out) {
  if (arity > remaining()) return fail(error::bad_length, p_);
  depth_guard g(*this);
  if (!g.ok) return fail(error::too_deep, p_);
  auto* t = alloc_with_elements<detail::tuple_node>(arity * sizeof(value));
  t->arity = static_cast<std::uint32_t>(arity);
  value* e = t->elements(); // left uninitialised: every element is written before use
  for (std::size_t i = 0; i < arity; ++i)
    if (!element(e[i])) return false;
  put(out, value::adopt(t));
  return true;
}

bool decoder::list(value& out) {
  std::byte const* at = p_ - 1;
  if (!need(4)) return false;
  std::size_t const count = load_u32(p_);
  p_ += 4;
  if (count >= remaining()) return fail(error::bad_length, at); // count elements and a tail
  depth_guard g(*this);
  if (!g.ok) return fail(error::too_deep, at);
  if (count == 0) return term(out); // `[|Tail]` is just the tail
  auto* l = alloc_list(count);
  value* e = l->elements();
  for (std::size_t i = 0; i < count; ++i)
    if (!element(e[i])) return false;
  if (!term(l->tail)) return false;
  if (l->tail.is_list() && !l->tail.is_nil()) {
    // A list tail (never written by BEAM, legal in the format): splice it in so the
    // value stays canonical. Both lists live in the heap; copies are uncounted.
    auto more = l->tail.list_elements();
    auto* joined = alloc_list(count + more.size());
    value* j = joined->elements();
    for (std::size_t i = 0; i < count; ++i) detail::value_access::copy_uncounted(j[i], e[i]);
    for (std::size_t i = 0; i < more.size(); ++i) detail::value_access::copy_uncounted(j[count + i], more[i]);
    detail::value_access::copy_uncounted(joined->tail, l->tail.list_tail());
    put(out, value::adopt(joined));
    return true;
  }
  put(out, value::adopt(l));
  return true;
}

bool decoder::string(value& out) {
  if (!need(2)) return false;
  std::size_t const len = load_u16(p_);
  p_ += 2;
  if (!need(len)) return false;
  if (len == 0) {
    put(out, value{});
    return true;
  }
  auto* l = alloc_list(len);
  value* e = l->elements();
  for (std::size_t i = 0; i < len; ++i) put(e[i], value(load_u8(p_ + i)));
  p_ += len;
  put(out, value::adopt(l));
  return true;
}

bool decoder::map(value& out) {
  std::byte const* at = p_ - 1;
  if (!need(4)) return false;
  std::size_t const count = load_u32(p_);
  p_ += 4;
  if (count > remaining() / 2) return fail(error::bad_length, at);
  depth_guard g(*this);
  if (!g.ok) return fail(error::too_deep, at);
  auto* m = alloc_with_elements<detail::map_node>(count * sizeof(map_entry));
  m->count = static_cast<std::uint32_t>(count);
  map_entry* e = m->entries(); // left uninitialised, as tuple elements
  for (std::size_t i = 0; i < count; ++i)
    if (!element(e[i].key) || !element(e[i].val)) return false;
  if (!detail::sort_map(m)) return fail(error::duplicate_map_key, at);
  put(out, value::adopt(m));
  return true;
}

bool decoder::bits(std::size_t len, unsigned nbits, value& out) {
  std::byte const* data = p_;
  p_ += len;
  if (nbits == 0 && len >= opts_.share_threshold && owner_) {
    auto const* od = owner_->data();
    if (data >= od && data + len <= od + owner_->size()) {
      // A sub-binary of the input: no copy; the input stays alive while it is used.
      detail::node* root = owner_->node()->owner ? owner_->node()->owner : owner_->node();
      auto* b = heap().make<detail::binary_node>();
      detail::retain(root);
      b->owner = root;
      b->data = data;
      b->size = len;
      heap_->add_finalizer(b);
      put(out, value::adopt(b));
      return true;
    }
  }
  auto* b = inline_binary(data, len);
  if (nbits) {
    auto* last = const_cast<std::byte*>(b->data) + len - 1;
    *last &= static_cast<std::byte>(0xFF << (8 - nbits));
    b->trailing_bits = static_cast<std::uint8_t>(nbits);
  }
  put(out, value::adopt(b));
  return true;
}

bool decoder::pid(std::uint8_t t, value& out) {
  term::pid p;
  if (!atom_field(p.node)) return false;
  bool const legacy = t == static_cast<std::uint8_t>(tag::pid_ext);
  if (!need(legacy ? 9 : 12)) return false;
  p.id = load_u32(p_);
  p.serial = load_u32(p_ + 4);
  p.creation = legacy ? load_u8(p_ + 8) : load_u32(p_ + 8);
  p_ += legacy ? 9 : 12;
  put(out, value::adopt(heap().make<detail::pid_node>(p)));
  return true;
}

bool decoder::port(std::uint8_t t, value& out) {
  term::port p;
  if (!atom_field(p.node)) return false;
  switch (static_cast<tag>(t)) {
    case tag::port_ext:
      if (!need(5)) return false;
      p.id = load_u32(p_);
      p.creation = load_u8(p_ + 4);
      p_ += 5;
      break;
    case tag::new_port_ext:
      if (!need(8)) return false;
      p.id = load_u32(p_);
      p.creation = load_u32(p_ + 4);
      p_ += 8;
      break;
    default: // V4_PORT_EXT
      if (!need(12)) return false;
      p.id = load_u64(p_);
      p.creation = load_u32(p_ + 8);
      p_ += 12;
      break;
  }
  put(out, value::adopt(heap().make<detail::port_node>(p)));
  return true;
}

bool decoder::reference(std::uint8_t t, value& out) {
  std::byte const* at = p_ - 1;
  term::reference r;
  if (t == static_cast<std::uint8_t>(tag::reference_ext)) {
    if (!atom_field(r.node) || !need(5)) return false;
    r.size = 1;
    r.words[0] = load_u32(p_);
    r.creation = load_u8(p_ + 4);
    p_ += 5;
    put(out, value::adopt(heap().make<detail::reference_node>(r)));
    return true;
  }
  if (!need(2)) return false;
  std::size_t const len = load_u16(p_);
  p_ += 2;
  if (len == 0 || len > term::reference::max_words) return fail(error::bad_reference, at);
  if (!atom_field(r.node)) return false;
  bool const newer = t == static_cast<std::uint8_t>(tag::newer_reference_ext);
  if (!need((newer ? 4 : 1) + 4 * len)) return false;
  r.creation = newer ? load_u32(p_) : load_u8(p_);
  p_ += newer ? 4 : 1;
  r.size = static_cast<std::uint8_t>(len);
  for (std::size_t i = 0; i < len; ++i) r.words[i] = load_u32(p_ + 4 * i);
  p_ += 4 * len;
  put(out, value::adopt(heap().make<detail::reference_node>(r)));
  return true;
}

bool decoder::new_fun(value& out) {
  std::byte const* at = p_ - 1;
  std::byte const* start = p_;
  if (!need(4 + 1 + 16 + 4 + 4)) return false;
  std::size_t const size = load_u32(p_);
  if (size > remaining() || size < 4 + 1 + 16 + 4 + 4) return fail(error::bad_fun, at);
  std::size_t const free_count = load_u32(p_ + 25);
  if (free_count > remaining()) return fail(error::bad_length, at);
  depth_guard g(*this);
  if (!g.ok) return fail(error::too_deep, at);
  // Made first and decoded in place: its values refer into the heap, uncounted, and the
  // heap's finalizer forgets them, even if decoding stops half-way.
  auto* node = heap().make<detail::fun_node>(term::fun{});
  heap_->add_finalizer(node);
  term::fun& f = node->data;
  f.arity = load_u8(p_ + 4);
  std::memcpy(f.uniq.data(), p_ + 5, 16);
  f.index = load_u32(p_ + 21);
  p_ += 29;
  if (!atom_field(f.module) || !term(f.old_index) || !term(f.old_uniq) || !term(f.pid)) return false;
  if (!f.old_index.is_integer() || !f.old_uniq.is_integer() || !f.pid.is_pid()) return fail(error::bad_fun, at);
  f.free_vars.resize(free_count);
  for (auto& v : f.free_vars)
    if (!term(v)) return false;
  if (static_cast<std::size_t>(p_ - start) != size) return fail(error::bad_fun, at);
  put(out, value::adopt(node));
  return true;
}

bool decoder::export_fun(value& out) {
  std::byte const* at = p_ - 1;
  term::external_fun f;
  if (!atom_field(f.module) || !atom_field(f.function)) return false;
  if (!need(2)) return false;
  if (load_u8(p_) != static_cast<std::uint8_t>(tag::small_integer_ext)) return fail(error::bad_fun, at);
  f.arity = load_u8(p_ + 1);
  p_ += 2;
  put(out, value::adopt(heap().make<detail::external_fun_node>(f)));
  return true;
}

bool decoder::old_float(value& out) {
  std::byte const* at = p_ - 1;
  if (!need(31)) return false;
  char buf[32];
  std::memcpy(buf, p_, 31);
  buf[31] = '\0';
  p_ += 31;
  char* endp = nullptr;
  double d = std::strtod(buf, &endp);
  if (endp == buf || !std::isfinite(d)) return fail(error::bad_float, at);
  for (char const* q = endp; q < buf + 31; ++q)
    if (*q != '\0' && *q != ' ') return fail(error::bad_float, at);
  put(out, value(d));
  return true;
}

// Bignums and floats (after the tag at `at`).
bool decoder::number(tag t, std::byte const* at, value& out) {
  switch (t) {
    case tag::small_big_ext: {
      if (!need(1)) return false;
      std::size_t n = load_u8(p_);
      p_ += 1;
      return big(n, out);
    }
    case tag::large_big_ext: {
      if (!need(4)) return false;
      std::size_t n = load_u32(p_);
      p_ += 4;
      return big(n, out);
    }
    case tag::new_float_ext: {
      if (!need(8)) return false;
      double d = std::bit_cast<double>(load_u64(p_));
      if (!std::isfinite(d)) return fail(error::bad_float, at);
      p_ += 8;
      put(out, value(d));
      return true;
    }
    case tag::float_ext: return old_float(out);
    default: return fail(error::bad_tag, at);
  }
}

// BINARY_EXT and BIT_BINARY_EXT (after the tag at `at`).
bool decoder::bitstring(tag t, std::byte const* at, value& out) {
  switch (t) {
    case tag::binary_ext: {
      if (!need(4)) return false;
      std::size_t len = load_u32(p_);
      p_ += 4;
      if (!need(len)) return false;
      return bits(len, 0, out);
    }
    case tag::bit_binary_ext: {
      if (!need(5)) return false;
      std::size_t len = load_u32(p_);
      unsigned nbits = load_u8(p_ + 4);
      p_ += 5;
      if (!need(len)) return false;
      // 1..8 bits of the last byte are used. An empty BIT_BINARY_EXT (0 bytes, 0 bits)
      // is refused, as OTP 27+ refuses it (OTP 25 read it as <<>>).
      if (len == 0 || nbits == 0 || nbits > 8) return fail(error::bad_bitstring, at);
      return bits(len, nbits == 8 ? 0 : nbits, out);
    }
    default: return fail(error::bad_tag, at);
  }
}

bool decoder::term(value& out) {
  if (!need(1)) return false;
  std::uint8_t const t = load_u8(p_);
  std::byte const* at = p_;
  p_ += 1;
  switch (static_cast<tag>(t)) {
    case tag::small_integer_ext:
      if (!need(1)) return false;
      put(out, value(load_u8(p_)));
      p_ += 1;
      return true;
    case tag::integer_ext:
      if (!need(4)) return false;
      put(out, value(static_cast<std::int32_t>(load_u32(p_))));
      p_ += 4;
      return true;
    case tag::small_big_ext:
    case tag::large_big_ext:
    case tag::new_float_ext:
    case tag::float_ext: return number(static_cast<tag>(t), at, out);
    case tag::small_atom_utf8_ext:
      --p_;
      if (recent_atom_at(out)) return true;
      ++p_;
      [[fallthrough]];
    case tag::atom_utf8_ext:
    case tag::small_atom_ext:
    case tag::atom_ext:
    case tag::atom_cache_ref: {
      atom a;
      if (!atom_value(t, a)) return false;
      put(out, value(a));
      return true;
    }
    case tag::small_tuple_ext: {
      if (!need(1)) return false;
      std::size_t n = load_u8(p_);
      p_ += 1;
      return tuple(n, out);
    }
    case tag::large_tuple_ext: {
      if (!need(4)) return false;
      std::size_t n = load_u32(p_);
      p_ += 4;
      return tuple(n, out);
    }
    case tag::nil_ext: put(out, value{}); return true;
    case tag::string_ext: return string(out);
    case tag::list_ext: return list(out);
    case tag::map_ext: return map(out);
    case tag::binary_ext:
    case tag::bit_binary_ext: return bitstring(static_cast<tag>(t), at, out);
    case tag::new_pid_ext:
    case tag::pid_ext: return pid(t, out);
    case tag::new_port_ext:
    case tag::v4_port_ext:
    case tag::port_ext: return port(t, out);
    case tag::newer_reference_ext:
    case tag::new_reference_ext:
    case tag::reference_ext: return reference(t, out);
    case tag::new_fun_ext: return new_fun(out);
    case tag::export_ext: return export_fun(out);
    case tag::fun_ext: return fail(error::bad_fun, at);
    case tag::local_ext: return fail(error::local_ext, at);
    case tag::compressed: // only allowed right after the version byte
    default: return fail(error::bad_tag, at);
  }
}

} // namespace enode::term::decoding
