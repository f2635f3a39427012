// Requests and routes, free of I/O: targets, tokens, the router, `--http`'s address.
#include "http/request_parts.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace enode::http {

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; `+` is a space in a query.
bool decode(std::string_view in, std::string& out, bool query) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char const c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int const h = hex(in[i + 1]), l = hex(in[i + 2]);
      if (h < 0 || l < 0) return false;
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else if (c == '+' && query) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

} // namespace

bool split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  if (target.empty() || target.front() != '/') return false;
  auto const q = target.find('?');
  if (!decode(target.substr(0, q), path, false)) return false;
  query.clear();
  if (q == std::string_view::npos) return true;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto const amp = rest.find('&');
    auto const pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto const eq = pair.find('=');
    std::string k, v;
    if (!decode(pair.substr(0, eq), k, true)) return false;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), v, true)) return false;
    query.insert_or_assign(std::move(k), std::move(v));
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool authorized(request const& r, std::string_view token) {
  if (auto it = r.headers.find("authorization"); it != r.headers.end()) {
    std::string_view v = it->second;
    constexpr std::string_view bearer = "Bearer ";
    if (v.size() > bearer.size() && lower(v.substr(0, bearer.size())) == "bearer ")
      return equal_in_constant_time(v.substr(bearer.size()), token);
  }
  if (auto it = r.query.find("access_token"); it != r.query.end()) return equal_in_constant_time(it->second, token);
  return false;
}

std::optional<server_options> parse_listen(std::string_view spec) {
  server_options o;
  std::string_view port = spec;
  if (!spec.empty() && spec.front() == '[') {
    auto const close = spec.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    o.address = std::string(spec.substr(1, close - 1));
    port = spec.substr(close + 2);
  } else if (auto const colon = spec.rfind(':'); colon != std::string_view::npos) {
    o.address = std::string(spec.substr(0, colon));
    port = spec.substr(colon + 1);
  }
  if (o.address.empty() || port.empty()) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) return std::nullopt;
  o.port = static_cast<std::uint16_t>(value);
  error_code bad;
  (void)net::ip::make_address(o.address, bad);
  if (bad) return std::nullopt;
  return o;
}

response response::text(unsigned status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

response response::json(unsigned status, std::string body) {
  response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

void router::get(std::string path, handler h) { routes_.emplace_back(std::move(path), std::move(h)); }

net::awaitable<response> router::dispatch(request const& r) const {
  for (auto const& [path, h] : routes_) {
    bool const prefix = path.size() > 1 && path.back() == '/';
    bool const match =
        prefix ? r.path.size() > path.size() && r.path.compare(0, path.size(), path) == 0 : r.path == path;
    if (!match) continue;
    if (r.method != "GET") {
      auto out = response::text(405, "method not allowed\n");
      out.headers.emplace_back("Allow", "GET");
      co_return out;
    }
    co_return co_await h(r);
  }
  co_return response::text(404, "not found\n");
}

} // namespace enode::http
