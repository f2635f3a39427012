#include <enode/dist/handshake.hpp>

#include <enode/core/endian.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>

namespace enode::dist::handshake {
namespace {

using bytes = std::vector<std::byte>;

// A message under construction: its u16 length is patched in by `done`.
struct writer {
  bytes out = start();
  static bytes start() {
    bytes b;
    b.reserve(64); // (also keeps GCC 12's -Warray-bounds from a false alarm on the growth)
    b.resize(2);
    return b;
  }
  void u8(std::uint8_t v) { out.push_back(std::byte{v}); }
  void u16(std::uint16_t v) {
    grow(2);
    endian::store_be(out.data() + out.size() - 2, v);
  }
  void u32(std::uint32_t v) {
    grow(4);
    endian::store_be(out.data() + out.size() - 4, v);
  }
  void u64(std::uint64_t v) {
    grow(8);
    endian::store_be(out.data() + out.size() - 8, v);
  }
  void text(std::string_view s) {
    for (char c : s) out.push_back(static_cast<std::byte>(c));
  }
  void raw(std::span<std::byte const> b) { out.insert(out.end(), b.begin(), b.end()); }
  bytes done() {
    endian::store_be(out.data(), static_cast<std::uint16_t>(out.size() - 2));
    return std::move(out);
  }
  void grow(std::size_t n) { out.resize(out.size() + n); }
};

std::string text_of(std::span<std::byte const> b) {
  return std::string(reinterpret_cast<char const*>(b.data()), b.size());
}

} // namespace

result<digest_type> digest(std::uint32_t challenge, std::string_view cookie) {
  char num[16];
  auto [end, ec] = std::to_chars(num, num + sizeof num, challenge);
  (void)ec;
  std::string input(cookie);
  input.append(num, end);
  digest_type d{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), reinterpret_cast<unsigned char*>(d.data()), &len, EVP_md5(), nullptr) !=
          1 ||
      len != d.size())
    return error::crypto_failure;
  return d;
}

bytes encode(send_name const& m) {
  writer w;
  w.u8('N');
  w.u64(m.flags);
  w.u32(m.creation);
  w.u16(static_cast<std::uint16_t>(m.name.size()));
  w.text(m.name);
  return w.done();
}

bytes encode(challenge const& m) {
  writer w;
  w.u8('N');
  w.u64(m.flags);
  w.u32(m.challenge);
  w.u32(m.creation);
  w.u16(static_cast<std::uint16_t>(m.name.size()));
  w.text(m.name);
  return w.done();
}

bytes encode(challenge_reply const& m) {
  writer w;
  w.u8('r');
  w.u32(m.challenge);
  w.raw(m.digest);
  return w.done();
}

bytes encode(challenge_ack const& m) {
  writer w;
  w.u8('a');
  w.raw(m.digest);
  return w.done();
}

bytes encode_status(std::string_view text) {
  writer w;
  w.u8('s');
  w.text(text);
  return w.done();
}

result<send_name> parse_send_name(std::span<std::byte const> p) {
  // 'N', u64 flags, u32 creation, u16 length, name; trailing bytes are ignored (OTP may
  // add fields).
  if (p.size() < 15 || p[0] != std::byte{'N'}) return error::bad_message;
  send_name m;
  m.flags = endian::load_u64(p.data() + 1);
  m.creation = endian::load_u32(p.data() + 9);
  std::size_t n = endian::load_u16(p.data() + 13);
  if (p.size() < 15 + n) return error::bad_message;
  m.name = text_of(p.subspan(15, n));
  return m;
}

result<challenge> parse_challenge(std::span<std::byte const> p) {
  if (p.size() < 19 || p[0] != std::byte{'N'}) return error::bad_message;
  challenge m;
  m.flags = endian::load_u64(p.data() + 1);
  m.challenge = endian::load_u32(p.data() + 9);
  m.creation = endian::load_u32(p.data() + 13);
  std::size_t n = endian::load_u16(p.data() + 17);
  if (p.size() < 19 + n) return error::bad_message;
  m.name = text_of(p.subspan(19, n));
  return m;
}

result<challenge_reply> parse_challenge_reply(std::span<std::byte const> p) {
  if (p.size() != 21 || p[0] != std::byte{'r'}) return error::bad_message;
  challenge_reply m;
  m.challenge = endian::load_u32(p.data() + 1);
  std::copy_n(p.data() + 5, 16, m.digest.begin());
  return m;
}

result<challenge_ack> parse_challenge_ack(std::span<std::byte const> p) {
  if (p.size() != 17 || p[0] != std::byte{'a'}) return error::bad_message;
  challenge_ack m;
  std::copy_n(p.data() + 1, 16, m.digest.begin());
  return m;
}

result<std::string> parse_status(std::span<std::byte const> p) {
  if (p.empty() || p[0] != std::byte{'s'}) return error::bad_message;
  return text_of(p.subspan(1));
}

result<node_name> parse_node_name(std::string_view full) {
  if (full.empty() || full.size() > 255) return error::bad_node_name;
  auto at = full.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == full.size() ||
      full.find('@', at + 1) != std::string_view::npos)
    return error::bad_node_name;
  auto alive = full.substr(0, at), host = full.substr(at + 1);
  auto alive_ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  auto host_ok = [&](char c) { return alive_ok(c) || c == '.' || c == ':'; };
  if (!std::all_of(alive.begin(), alive.end(), alive_ok)) return error::bad_node_name;
  if (!std::all_of(host.begin(), host.end(), host_ok)) return error::bad_node_name;
  return node_name{std::string(alive), std::string(host)};
}

bool host_fits(std::string_view host, name_mode mode) noexcept {
  bool const dotted = host.find('.') != std::string_view::npos;
  bool const ipv6 = host.find(':') != std::string_view::npos;
  if (mode == name_mode::longnames) return dotted || ipv6;
  return !dotted && !ipv6;
}

result<std::span<std::byte const>> frame(std::span<std::byte const> in) {
  if (in.size() < 2) return error::need_more;
  std::size_t n = endian::load_u16(in.data());
  if (in.size() < 2 + n) return error::need_more;
  return in.subspan(2, n);
}

} // namespace enode::dist::handshake
