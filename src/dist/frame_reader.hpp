#pragma once

// The reading half of a connection's framing (protocol sheet §4.1): u32-length packets,
// empty ones being ticks, over any Asio stream. The connection runs it on its TCP
// socket; the tests on Beast's test stream, with the input split every which way.
// Private to dist; what a packet holds is read by packet_reader, free of I/O.

#include <enode/core/asio.hpp>
#include <enode/core/endian.hpp>
#include <enode/dist/error.hpp>
#include <enode/term/binary.hpp>

#include <algorithm>
#include <concepts>
#include <cstring>
#include <span>
#include <vector>

namespace enode::dist::frame_io {

/// What `async_read_packets` reports to:
///   bool on_read(std::size_t n)  n bytes arrived; false stops the reader (the owner closed)
///   void on_tick()               an empty packet
///   bool on_packet(std::span<std::byte const> packet, term::binary const* owner)
///                                a whole packet; when `owner` is not null the packet is
///                                all of it (a packet larger than the buffer). false stops.
template <class S>
concept packet_sink = requires(S& s, std::size_t n, std::span<std::byte const> p, term::binary const* o) {
  { s.on_read(n) } -> std::same_as<bool>;
  s.on_tick();
  { s.on_packet(p, o) } -> std::same_as<bool>;
};

/// Reads packets from `s` into `sink` until the stream fails or the sink stops. Returns
/// the stream's error (the peer's end of stream is `net::error::eof`), `too_large` for a
/// packet over `max_packet` bytes, or no error when the sink stopped.
/// `buffer_size`: the read buffer; a larger packet is read into a binary of its own.
template <class AsyncReadStream, packet_sink Sink>
net::awaitable<error_code> async_read_packets(AsyncReadStream& s, Sink& sink, std::size_t max_packet,
                                              std::size_t buffer_size) {
  // Unparsed bytes are [start, have). They move to the front only when the room behind
  // them runs short or the packet they begin would not fit: with 64 KiB fragments,
  // moving after every read would copy most of the stream once more.
  std::vector<std::byte> buf(std::max<std::size_t>(buffer_size, 8));
  std::size_t const low_room = std::min<std::size_t>(64 * 1024, buf.size() / 4);
  std::size_t start = 0, have = 0, need = 0;
  for (;;) {
    if (start > 0 && (buf.size() - have < low_room || start + need > buf.size())) {
      std::memmove(buf.data(), buf.data() + start, have - start);
      have -= start;
      start = 0;
    }
    auto [ec, n] = co_await s.async_read_some(net::buffer(buf.data() + have, buf.size() - have),
                                              net::as_tuple(net::use_awaitable));
    if (ec) co_return ec;
    if (!sink.on_read(n)) co_return error_code{};
    have += n;
    std::size_t pos = start;
    need = 0;
    while (have - pos >= 4) {
      std::size_t const len = endian::load_u32(buf.data() + pos);
      if (len == 0) { // a tick
        sink.on_tick();
        pos += 4;
        continue;
      }
      if (len > max_packet) co_return make_error_code(error::too_large);
      if (have - pos - 4 >= len) {
        if (!sink.on_packet(std::span<std::byte const>(buf.data() + pos + 4, len), nullptr)) co_return error_code{};
        pos += 4 + len;
        continue;
      }
      if (len + 4 > buf.size()) {
        // Larger than the buffer: read it into a binary of its own, which its large
        // binaries then share.
        auto big = term::binary::uninitialized(len);
        std::size_t got = have - pos - 4;
        std::memcpy(big.mutable_data(), buf.data() + pos + 4, got);
        while (got < len) {
          // Piece by piece, so that a long transfer counts as hearing from the peer.
          auto [ec2, n2] = co_await s.async_read_some(net::buffer(big.mutable_data() + got, len - got),
                                                      net::as_tuple(net::use_awaitable));
          if (ec2) co_return ec2;
          if (!sink.on_read(n2)) co_return error_code{};
          got += n2;
        }
        if (!sink.on_packet(big.bytes(), &big)) co_return error_code{};
        pos = have;
        break;
      }
      need = 4 + len; // a partial packet: the rest comes with the next read
      break;
    }
    start = pos;
    if (start == have) start = have = 0;
  }
}

} // namespace enode::dist::frame_io
