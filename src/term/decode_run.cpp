// Decoding a whole external term: the version byte, a compressed body, and the public
// entry points over the decoder (decoder.hpp).
#include <enode/term/decode.hpp>

#include "decoder.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace enode::term {
namespace {

using decoding::decoder;
using endian::load_u32;
using endian::load_u8;

// Inflates the body of a compressed term (tag 80) into a binary of the announced size.
result<binary> inflate_body(std::byte const* data, std::size_t avail, std::size_t size, std::size_t& used) {
  binary out = binary::uninitialized(size);
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return error::bad_compression;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(data));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(avail, std::numeric_limits<uInt>::max()));
  zs.next_out = reinterpret_cast<Bytef*>(out.mutable_data());
  zs.avail_out = static_cast<uInt>(size);
  int rc = inflate(&zs, Z_FINISH);
  std::size_t const produced = zs.total_out;
  used = zs.total_in;
  inflateEnd(&zs);
  if (rc == Z_STREAM_END && produced == size) return out;
  if (rc == Z_BUF_ERROR && zs.avail_in == 0) return error::need_more; // input ended before the stream
  return error::bad_compression;
}

result<decoded> run(std::span<std::byte const> in, bool with_version, decode_options const& opts, binary const* owner,
                    decode_failure* failure) {
  auto failed = [&](error_code ec, std::size_t offset) -> result<decoded> {
    if (failure) *failure = {ec, offset};
    return unexpected(ec);
  };
  std::size_t offset = 0;
  if (with_version) {
    if (in.empty()) return failed(error::need_more, 0);
    if (load_u8(in.data()) != version_magic) return failed(error::bad_version, 0);
    offset = 1;
    if (in.size() > 1 && load_u8(in.data() + 1) == static_cast<std::uint8_t>(tag::compressed)) {
      if (in.size() < 6) return failed(error::need_more, in.size());
      std::size_t const size = load_u32(in.data() + 2);
      if (size > opts.max_inflated_size) return failed(error::too_large, 1);
      std::size_t used = 0;
      auto body = inflate_body(in.data() + 6, in.size() - 6, size, used);
      if (!body) return failed(body.error(), 6);
      decoder d(body->bytes(), opts, &*body);
      value v;
      if (!d.term(v)) {
        d.discard(v);
        return failed(d.err(), 6);
      }
      value root = d.take(v);
      if (d.remaining()) return failed(error::bad_compression, 6);
      return decoded{std::move(root), 6 + used};
    }
  }
  decoder d(in.subspan(offset), opts, owner);
  value v;
  if (!d.term(v)) {
    d.discard(v);
    return failed(d.err(), offset + d.error_offset());
  }
  return decoded{d.take(v), offset + d.consumed()};
}

result<value> whole(result<decoded> r, std::size_t size, decode_failure* failure) {
  if (!r) return unexpected(r.error());
  if (r->size != size) {
    if (failure) *failure = {make_error_code(error::trailing_bytes), r->size};
    return error::trailing_bytes;
  }
  return std::move(r->term);
}

} // namespace

result<decoded> decode_prefix(std::span<std::byte const> in, bool with_version, decode_options const& opts,
                              binary const* owner, decode_failure* failure) {
  return run(in, with_version, opts, owner, failure);
}

result<value> decode(std::span<std::byte const> in, decode_options const& opts, decode_failure* failure) {
  return whole(run(in, true, opts, nullptr, failure), in.size(), failure);
}

result<value> decode(binary const& in, decode_options const& opts, decode_failure* failure) {
  return whole(run(in.bytes(), true, opts, &in, failure), in.size(), failure);
}

} // namespace enode::term
