#include <enode/dist/setup.hpp>

#include "setup_io.hpp"

#include <openssl/rand.h>

// The exchanges are templates over the stream (setup_io.hpp) so that the tests can run
// them on Beast's test stream; production runs them on a TCP socket, here.

namespace enode::dist {

std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::ok_simultaneous: return "ok_simultaneous";
    case status::nok: return "nok";
    case status::not_allowed: return "not_allowed";
    case status::alive: return "alive";
  }
  return "not_allowed";
}
namespace {

using tcp = net::ip::tcp;

result<std::uint32_t> random_challenge() {
  std::uint32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) return error::crypto_failure;
  return v;
}

} // namespace

net::awaitable<result<peer_identity>> async_handshake_connect(tcp::socket& s, local_identity const& self,
                                                              std::string_view peer_name,
                                                              std::chrono::milliseconds timeout,
                                                              std::function<bool()> const& wanted) {
  auto mine = random_challenge();
  if (!mine) co_return unexpected(mine.error());
  co_return co_await setup_io::async_connect(s, self, peer_name, timeout, wanted, *mine);
}

net::awaitable<result<peer_identity>> async_handshake_accept(tcp::socket& s, local_identity const& self,
                                                             accept_status const& decide,
                                                             std::chrono::milliseconds timeout) {
  auto mine = random_challenge();
  if (!mine) co_return unexpected(mine.error());
  co_return co_await setup_io::async_accept(s, self, decide, timeout, *mine);
}

} // namespace enode::dist
