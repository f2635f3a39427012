#include <enode/dist/epmd.hpp>

#include <enode/core/endian.hpp>

#include <charconv>
#include <cstdlib>

namespace enode::dist::epmd {
namespace {

using bytes = std::vector<std::byte>;

void put_u8(bytes& b, std::uint8_t v) { b.push_back(std::byte{v}); }
void put_u16(bytes& b, std::uint16_t v) {
  b.resize(b.size() + 2);
  endian::store_be(b.data() + b.size() - 2, v);
}
void put_u32(bytes& b, std::uint32_t v) {
  b.resize(b.size() + 4);
  endian::store_be(b.data() + b.size() - 4, v);
}
void put_text(bytes& b, std::string_view s) {
  for (char c : s) b.push_back(static_cast<std::byte>(c));
}
std::string text_of(std::byte const* p, std::size_t n) { return std::string(reinterpret_cast<char const*>(p), n); }

// Starts a request: room for the u16 length, then the code.
bytes request_start(std::uint8_t code) {
  bytes b;
  b.reserve(64); // (also keeps GCC 12's -Warray-bounds from a false alarm on the growth)
  b.resize(2);
  put_u8(b, code);
  return b;
}
bytes request_done(bytes b) {
  endian::store_be(b.data(), static_cast<std::uint16_t>(b.size() - 2));
  return b;
}

} // namespace

std::uint16_t default_port() {
  if (char const* s = std::getenv("ERL_EPMD_PORT")) {
    unsigned v = 0;
    std::string_view sv(s);
    auto [end, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), v);
    if (ec == std::errc{} && end == sv.data() + sv.size() && v > 0 && v < 65536) return static_cast<std::uint16_t>(v);
  }
  return 4369;
}

bytes encode_alive2_req(node_entry const& e) {
  bytes b = request_start(120);
  put_u16(b, e.port);
  put_u8(b, e.node_type);
  put_u8(b, e.protocol);
  put_u16(b, e.highest_version);
  put_u16(b, e.lowest_version);
  put_u16(b, static_cast<std::uint16_t>(e.name.size()));
  put_text(b, e.name);
  put_u16(b, static_cast<std::uint16_t>(e.extra.size()));
  put_text(b, e.extra);
  return request_done(std::move(b));
}

bytes encode_port_please2_req(std::string_view alive) {
  bytes b = request_start(122);
  put_text(b, alive);
  return request_done(std::move(b));
}

bytes encode_names_req() { return request_done(request_start(110)); }

result<std::uint32_t> parse_alive2_resp(std::span<std::byte const> in, std::size_t& used) {
  if (in.empty()) return error::need_more;
  auto code = endian::load_u8(in.data());
  if (code == 118) { // ALIVE2_X_RESP: result, u32 creation
    if (in.size() < 6) return error::need_more;
    used = 6;
    if (endian::load_u8(in.data() + 1) != 0) return error::epmd_duplicate_name;
    return endian::load_u32(in.data() + 2);
  }
  if (code == 121) { // legacy ALIVE2_RESP: result, u16 creation
    if (in.size() < 4) return error::need_more;
    used = 4;
    if (endian::load_u8(in.data() + 1) != 0) return error::epmd_duplicate_name;
    return std::uint32_t{endian::load_u16(in.data() + 2)};
  }
  return error::epmd_bad_reply;
}

result<node_entry> parse_port2_resp(std::span<std::byte const> in) {
  if (in.size() < 2) return in.empty() ? error::epmd_no_such_node : error::epmd_bad_reply;
  if (endian::load_u8(in.data()) != 119) return error::epmd_bad_reply;
  if (endian::load_u8(in.data() + 1) != 0) return error::epmd_no_such_node;
  if (in.size() < 12) return error::epmd_bad_reply;
  node_entry e;
  e.port = endian::load_u16(in.data() + 2);
  e.node_type = endian::load_u8(in.data() + 4);
  e.protocol = endian::load_u8(in.data() + 5);
  e.highest_version = endian::load_u16(in.data() + 6);
  e.lowest_version = endian::load_u16(in.data() + 8);
  std::size_t n = endian::load_u16(in.data() + 10);
  if (in.size() < 12 + n) return error::epmd_bad_reply;
  e.name = text_of(in.data() + 12, n);
  if (in.size() >= 14 + n) {
    std::size_t x = endian::load_u16(in.data() + 12 + n);
    if (in.size() >= 14 + n + x) e.extra = text_of(in.data() + 14 + n, x);
  }
  return e;
}

result<names_reply> parse_names_resp(std::span<std::byte const> in) {
  if (in.size() < 4) return error::epmd_bad_reply;
  names_reply r;
  r.epmd_port = endian::load_u32(in.data());
  r.text = text_of(in.data() + 4, in.size() - 4);
  std::string_view rest(r.text);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    // "name <alive> at port <port>"
    constexpr std::string_view pre = "name ", mid = " at port ";
    if (line.substr(0, pre.size()) != pre) continue;
    auto m = line.rfind(mid);
    if (m == std::string_view::npos || m < pre.size()) continue;
    unsigned port = 0;
    auto ps = line.substr(m + mid.size());
    auto [end, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (ec != std::errc{} || port > 65535) continue;
    r.nodes.emplace_back(std::string(line.substr(pre.size(), m - pre.size())), static_cast<std::uint16_t>(port));
  }
  return r;
}

result<request> parse_request(std::span<std::byte const> in, std::size_t& used) {
  if (in.size() < 2) return error::need_more;
  std::size_t len = endian::load_u16(in.data());
  if (len == 0) return error::bad_message;
  if (in.size() < 2 + len) return error::need_more;
  used = 2 + len;
  auto const* p = in.data() + 2;
  auto code = endian::load_u8(p);
  switch (code) {
    case 120: { // ALIVE2_REQ
      if (len < 13) return error::bad_message;
      alive2_req r;
      r.entry.port = endian::load_u16(p + 1);
      r.entry.node_type = endian::load_u8(p + 3);
      r.entry.protocol = endian::load_u8(p + 4);
      r.entry.highest_version = endian::load_u16(p + 5);
      r.entry.lowest_version = endian::load_u16(p + 7);
      std::size_t n = endian::load_u16(p + 9);
      if (n == 0 || n > 255 || len < 13 + n) return error::bad_message;
      r.entry.name = text_of(p + 11, n);
      std::size_t x = endian::load_u16(p + 11 + n);
      if (len != 13 + n + x) return error::bad_message;
      r.entry.extra = text_of(p + 13 + n, x);
      if (r.entry.name.find('\0') != std::string::npos) return error::bad_message;
      return request{r};
    }
    case 122: // PORT_PLEASE2_REQ
      if (len < 2 || len > 256) return error::bad_message;
      return request{port_please2_req{text_of(p + 1, len - 1)}};
    case 110: return request{names_req{}};
    case 100: return request{dump_req{}};
    case 107: return request{kill_req{}};
    case 115: return request{stop_req{text_of(p + 1, len - 1)}};
    default: return error::bad_message;
  }
}

bytes encode_alive2_x_resp(bool ok, std::uint32_t creation) {
  bytes b;
  put_u8(b, 118);
  put_u8(b, ok ? 0 : 1);
  put_u32(b, creation);
  return b;
}

bytes encode_port2_resp(node_entry const* e) {
  bytes b;
  put_u8(b, 119);
  if (!e) {
    put_u8(b, 1);
    return b;
  }
  put_u8(b, 0);
  put_u16(b, e->port);
  put_u8(b, e->node_type);
  put_u8(b, e->protocol);
  put_u16(b, e->highest_version);
  put_u16(b, e->lowest_version);
  put_u16(b, static_cast<std::uint16_t>(e->name.size()));
  put_text(b, e->name);
  put_u16(b, static_cast<std::uint16_t>(e->extra.size()));
  put_text(b, e->extra);
  return b;
}

bytes encode_names_resp(std::uint16_t epmd_port, std::span<node_entry const> nodes) {
  bytes b;
  put_u32(b, epmd_port);
  for (auto const& e : nodes) {
    put_text(b, "name ");
    put_text(b, e.name);
    put_text(b, " at port ");
    put_text(b, std::to_string(e.port));
    put_text(b, "\n");
  }
  return b;
}

} // namespace enode::dist::epmd
