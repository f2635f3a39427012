#pragma once

// Helpers shared by the dist tests: byte literals, hex, and the pieces the async tests
// need (a loopback socket pair, an io_context run on a thread, bounded polling).
#include <enode/core/asio.hpp>

#include "common/eventually.hpp"
#include "common/io_thread.hpp"
#include "term/test_util.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace enode::dist::test {

using namespace std::chrono_literals;
using tcp = net::ip::tcp;

// Byte literals and hex, as the term tests have them.
using term::test::bytes;
using term::test::bytes_of;
using term::test::hex;

inline void append(std::vector<std::byte>& out, std::span<std::byte const> b) {
  out.insert(out.end(), b.begin(), b.end());
}
inline void append(std::vector<std::byte>& out, std::string_view s) { append(out, bytes_of(s)); }

/// Hex with spaces, upper case, as the protocol sheet writes its examples.
inline std::string sheet_hex(std::span<std::byte const> b) {
  static char const* digits = "0123456789ABCDEF";
  std::string s;
  for (auto x : b) {
    auto v = std::to_integer<unsigned>(x);
    if (!s.empty()) s += ' ';
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

/// Two connected loopback TCP sockets, each on its own strand of `ioc`.
inline std::pair<tcp::socket, tcp::socket> socket_pair(net::io_context& ioc) {
  tcp::acceptor acc(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  tcp::socket a(net::make_strand(ioc)), b(net::make_strand(ioc));
  a.connect(acc.local_endpoint());
  acc.accept(b);
  return {std::move(a), std::move(b)};
}

/// An io_context on a thread of its own, and bounded polling (tests/common).
using enode::testing::eventually;
using enode::testing::io_thread;

} // namespace enode::dist::test
