#include <enode/term/encode.hpp>

#include <enode/core/endian.hpp>
#include <enode/term/tag.hpp>

#include "big_node.hpp"

#include <zlib.h>

#include <bit>
#include <cstring>
#include <stdexcept>

namespace enode::term {
namespace {

using endian::store_be;

std::byte* put8(std::byte* p, std::uint8_t v) noexcept {
  *p = static_cast<std::byte>(v);
  return p + 1;
}
std::byte* put_tag(std::byte* p, tag t) noexcept { return put8(p, static_cast<std::uint8_t>(t)); }
std::byte* put16(std::byte* p, std::uint16_t v) noexcept {
  store_be(p, v);
  return p + 2;
}
std::byte* put32(std::byte* p, std::uint32_t v) noexcept {
  store_be(p, v);
  return p + 4;
}
std::byte* put64(std::byte* p, std::uint64_t v) noexcept {
  store_be(p, v);
  return p + 8;
}
std::byte* put_bytes(std::byte* p, void const* src, std::size_t n) noexcept {
  if (n) std::memcpy(p, src, n);
  return p + n;
}

std::size_t atom_size(atom a) noexcept { return a.name().size() < 256 ? 2 + a.name().size() : 3 + a.name().size(); }

std::byte* put_atom(std::byte* p, atom a) noexcept {
  auto name = a.name();
  if (name.size() < 256) {
    p = put_tag(p, tag::small_atom_utf8_ext);
    p = put8(p, static_cast<std::uint8_t>(name.size()));
  } else {
    p = put_tag(p, tag::atom_utf8_ext);
    p = put16(p, static_cast<std::uint16_t>(name.size()));
  }
  return put_bytes(p, name.data(), name.size());
}

std::uint64_t magnitude(std::int64_t i) noexcept {
  return i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
}
std::size_t bytes_of(std::uint64_t m) noexcept { return static_cast<std::size_t>((std::bit_width(m) + 7) / 8); }

std::size_t big_bytes(big_int const& b) {
  return static_cast<std::size_t>(boost::multiprecision::msb(big_int(abs(b))) / 8 + 1);
}

std::size_t int_size(value const& v) {
  if (v.is_small()) {
    std::int64_t i = v.as_int();
    if (i >= 0 && i <= 255) return 2;
    if (i >= INT32_MIN && i <= INT32_MAX) return 5;
    return 3 + bytes_of(magnitude(i));
  }
  std::size_t n = big_bytes(detail::big_of(v));
  return n <= 255 ? 3 + n : 6 + n;
}

std::byte* put_int(std::byte* p, value const& v) {
  if (v.is_small()) {
    std::int64_t i = v.as_int();
    if (i >= 0 && i <= 255) return put8(put_tag(p, tag::small_integer_ext), static_cast<std::uint8_t>(i));
    if (i >= INT32_MIN && i <= INT32_MAX)
      return put32(put_tag(p, tag::integer_ext), static_cast<std::uint32_t>(static_cast<std::int32_t>(i)));
    std::uint64_t m = magnitude(i);
    std::size_t n = bytes_of(m);
    p = put_tag(p, tag::small_big_ext);
    p = put8(p, static_cast<std::uint8_t>(n));
    p = put8(p, i < 0 ? 1 : 0);
    for (std::size_t k = 0; k < n; ++k, m >>= 8) p = put8(p, static_cast<std::uint8_t>(m & 0xFF));
    return p;
  }
  big_int const& b = detail::big_of(v);
  std::size_t n = big_bytes(b);
  if (n <= 255) {
    p = put_tag(p, tag::small_big_ext);
    p = put8(p, static_cast<std::uint8_t>(n));
  } else {
    p = put_tag(p, tag::large_big_ext);
    p = put32(p, static_cast<std::uint32_t>(n));
  }
  p = put8(p, b.sign() < 0 ? 1 : 0);
  auto* out = reinterpret_cast<unsigned char*>(p);
  boost::multiprecision::export_bits(big_int(abs(b)), out, 8, false);
  return p + n;
}

// OTP 25 writes NEW_PORT_EXT for the 28-bit port numbers of old nodes, else V4_PORT_EXT;
// OTP 26 and later always V4_PORT_EXT.
bool needs_v4(port const& p, bool always) noexcept { return always || p.id > 0x0FFFFFFFu; }

// Lists of at most 65535 integers in 0..255 travel as STRING_EXT, as BEAM writes them.
bool is_byte_string(value const& v) noexcept {
  if (!v.list_tail().is_nil()) return false;
  auto xs = v.list_elements();
  if (xs.size() > 0xFFFF) return false;
  for (auto const& x : xs)
    if (!x.is_small() || static_cast<std::uint64_t>(x.as_int()) > 255) return false;
  return true;
}

// Bytes in binaries of at least `threshold` bytes, counted while sizing (spliced_size).
struct splice_count {
  std::size_t threshold;
  std::size_t bytes;
};

std::size_t size_of(value const& v, bool v4, splice_count* sc = nullptr) {
  switch (v.type()) {
    case kind::integer: return int_size(v);
    case kind::float_: return 9;
    case kind::atom: return atom_size(v.as_atom());
    case kind::nil: return 1;
    case kind::pid: return 1 + atom_size(v.as_pid().node) + 12;
    case kind::port: {
      auto const& p = v.as_port();
      return 1 + atom_size(p.node) + (needs_v4(p, v4) ? 12 : 8);
    }
    case kind::reference: {
      auto const& r = v.as_reference();
      return 3 + atom_size(r.node) + 4 + 4 * std::size_t{r.size};
    }
    case kind::fun: {
      if (v.is_external_fun()) {
        auto const& f = v.as_external_fun();
        return 1 + atom_size(f.module) + atom_size(f.function) + 2;
      }
      auto const& f = v.as_fun();
      std::size_t n = 1 + 4 + 1 + 16 + 4 + 4 + atom_size(f.module) + size_of(f.old_index, v4, sc) +
                      size_of(f.old_uniq, v4, sc) + size_of(f.pid, v4, sc);
      for (auto const& x : f.free_vars) n += size_of(x, v4, sc);
      return n;
    }
    case kind::tuple: {
      std::size_t n = v.arity() <= 255 ? 2 : 5;
      for (auto const& x : v.elements()) n += size_of(x, v4, sc);
      return n;
    }
    case kind::map: {
      std::size_t n = 5;
      for (auto const& e : v.map_entries()) n += size_of(e.key, v4, sc) + size_of(e.val, v4, sc);
      return n;
    }
    case kind::list: {
      if (is_byte_string(v)) return 3 + v.list_elements().size();
      std::size_t n = 5 + size_of(v.list_tail(), v4, sc);
      for (auto const& x : v.list_elements()) n += size_of(x, v4, sc);
      return n;
    }
    case kind::bitstring: {
      auto const n = v.bytes().size();
      if (sc && n >= sc->threshold) sc->bytes += n;
      return (v.is_binary() ? 5 : 6) + n;
    }
  }
  return 0;
}

// Where a gathered encoding leaves its large binaries (encode_body_gathered).
struct gather {
  std::byte const* start; // the first byte written
  std::size_t base;       // its position in the stream the splices count in
  std::size_t threshold;
  std::vector<splice>* splices;
  std::size_t spliced = 0; // bytes referred to so far
};

// How to write: the port form, and whether (and where) to gather large binaries.
struct how {
  bool v4;
  gather* g = nullptr;
};

std::byte* put(std::byte* p, value const& v, how const& c) {
  switch (v.type()) {
    case kind::integer: return put_int(p, v);
    case kind::float_: return put64(put_tag(p, tag::new_float_ext), std::bit_cast<std::uint64_t>(v.as_float()));
    case kind::atom: return put_atom(p, v.as_atom());
    case kind::nil: return put_tag(p, tag::nil_ext);
    case kind::pid: {
      auto const& x = v.as_pid();
      p = put_atom(put_tag(p, tag::new_pid_ext), x.node);
      return put32(put32(put32(p, x.id), x.serial), x.creation);
    }
    case kind::port: {
      auto const& x = v.as_port();
      if (needs_v4(x, c.v4)) return put32(put64(put_atom(put_tag(p, tag::v4_port_ext), x.node), x.id), x.creation);
      return put32(put32(put_atom(put_tag(p, tag::new_port_ext), x.node), static_cast<std::uint32_t>(x.id)),
                   x.creation);
    }
    case kind::reference: {
      auto const& r = v.as_reference();
      p = put16(put_tag(p, tag::newer_reference_ext), r.size);
      p = put32(put_atom(p, r.node), r.creation);
      for (auto w : r.ids()) p = put32(p, w);
      return p;
    }
    case kind::fun: {
      if (v.is_external_fun()) {
        auto const& f = v.as_external_fun();
        p = put_atom(put_atom(put_tag(p, tag::export_ext), f.module), f.function);
        return put8(put_tag(p, tag::small_integer_ext), f.arity);
      }
      auto const& f = v.as_fun();
      std::byte* start = put_tag(p, tag::new_fun_ext);
      std::size_t const spliced_before = c.g ? c.g->spliced : 0; // bytes of it left out, if gathering
      p = start + 4;                                             // size, written at the end
      p = put8(p, f.arity);
      p = put_bytes(p, f.uniq.data(), f.uniq.size());
      p = put32(put32(p, f.index), static_cast<std::uint32_t>(f.free_vars.size()));
      p = put(put(put(put_atom(p, f.module), f.old_index, c), f.old_uniq, c), f.pid, c);
      for (auto const& x : f.free_vars) p = put(p, x, c);
      std::size_t const left_out = c.g ? c.g->spliced - spliced_before : 0;
      put32(start, static_cast<std::uint32_t>(static_cast<std::size_t>(p - start) + left_out));
      return p;
    }
    case kind::tuple: {
      auto xs = v.elements();
      if (xs.size() <= 255)
        p = put8(put_tag(p, tag::small_tuple_ext), static_cast<std::uint8_t>(xs.size()));
      else
        p = put32(put_tag(p, tag::large_tuple_ext), static_cast<std::uint32_t>(xs.size()));
      for (auto const& x : xs) p = put(p, x, c);
      return p;
    }
    case kind::map: {
      auto es = v.map_entries();
      p = put32(put_tag(p, tag::map_ext), static_cast<std::uint32_t>(es.size()));
      for (auto const& e : es) p = put(put(p, e.key, c), e.val, c);
      return p;
    }
    case kind::list: {
      auto xs = v.list_elements();
      if (is_byte_string(v)) {
        p = put16(put_tag(p, tag::string_ext), static_cast<std::uint16_t>(xs.size()));
        for (auto const& x : xs) p = put8(p, static_cast<std::uint8_t>(x.as_int()));
        return p;
      }
      p = put32(put_tag(p, tag::list_ext), static_cast<std::uint32_t>(xs.size()));
      for (auto const& x : xs) p = put(p, x, c);
      return put(p, v.list_tail(), c);
    }
    case kind::bitstring: {
      auto const* b = static_cast<detail::binary_node*>(v.node());
      if (b->trailing_bits == 0) {
        p = put32(put_tag(p, tag::binary_ext), static_cast<std::uint32_t>(b->size));
      } else {
        p = put32(put_tag(p, tag::bit_binary_ext), static_cast<std::uint32_t>(b->size));
        p = put8(p, b->trailing_bits);
      }
      if (c.g && b->size >= c.g->threshold) {
        auto& g = *c.g;
        g.splices->push_back({g.base + static_cast<std::size_t>(p - g.start) + g.spliced, {b->data, b->size}, v});
        g.spliced += b->size;
        return p;
      }
      return put_bytes(p, b->data, b->size);
    }
  }
  return p;
}

} // namespace

std::size_t encoded_size(value const& v, encode_options const& opts) { return size_of(v, opts.v4_ports); }

std::size_t encode_body(value const& v, std::span<std::byte> out, encode_options const& opts) noexcept {
  return static_cast<std::size_t>(put(out.data(), v, how{opts.v4_ports, nullptr}) - out.data());
}

std::size_t spliced_size(value const& v, std::size_t threshold) {
  splice_count c{threshold, 0};
  (void)size_of(v, false, &c);
  return c.bytes;
}

std::size_t encode_body_gathered(value const& v, std::span<std::byte> out, std::size_t threshold,
                                 std::vector<splice>& splices, std::size_t base, encode_options const& opts) {
  gather g{out.data(), base, threshold, &splices, 0};
  return static_cast<std::size_t>(put(out.data(), v, how{opts.v4_ports, &g}) - out.data());
}

void encode_append(value const& v, std::vector<std::byte>& out, encode_options const& opts) {
  std::size_t const body = size_of(v, opts.v4_ports);
  std::size_t const start = out.size();
  out.resize(start + 1 + body);
  out[start] = static_cast<std::byte>(version_magic);
  put(out.data() + start + 1, v, how{opts.v4_ports, nullptr});
  if (opts.compression_level < 0) return;
  if (opts.compression_level > 9) throw std::invalid_argument("compression level must be 0..9");
  // As erts does: compress the body into room for at most the uncompressed size less the
  // 5 bytes of header it adds; if zlib cannot fit it there, keep the uncompressed form.
  if (body <= 5) return;
  std::vector<std::byte> z(body - 5);
  uLongf zlen = static_cast<uLongf>(z.size());
  int rc = compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<Bytef const*>(out.data() + start + 1),
                     static_cast<uLong>(body), opts.compression_level);
  if (rc != Z_OK) return;
  out.resize(start + 6 + zlen);
  out[start + 1] = static_cast<std::byte>(tag::compressed);
  store_be(out.data() + start + 2, static_cast<std::uint32_t>(body));
  std::memcpy(out.data() + start + 6, z.data(), zlen);
}

std::vector<std::byte> encode(value const& v, encode_options const& opts) {
  std::vector<std::byte> out;
  encode_append(v, out, opts);
  return out;
}

} // namespace enode::term
