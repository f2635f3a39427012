#include <enode/dist/setup.hpp>

#include "setup_io.hpp"

#include <openssl/rand.h>

#include <stdexcept>

// The exchanges are templates over the stream (setup_io.hpp) so that the tests can run
// them on Beast's test stream; production runs them on a TCP socket, here.

namespace enode::dist {
namespace {

using tcp = net::ip::tcp;

std::uint32_t random_challenge() {
  std::uint32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) throw std::runtime_error("RAND_bytes failed");
  return v;
}

} // namespace

net::awaitable<result<peer_identity>> async_handshake_connect(tcp::socket& s, local_identity const& self,
                                                              std::string_view peer_name,
                                                              std::chrono::milliseconds timeout,
                                                              std::function<bool()> const& wanted) {
  co_return co_await setup_io::async_connect(s, self, peer_name, timeout, wanted, random_challenge());
}

net::awaitable<result<peer_identity>> async_handshake_accept(tcp::socket& s, local_identity const& self,
                                                             accept_status const& decide,
                                                             std::chrono::milliseconds timeout) {
  co_return co_await setup_io::async_accept(s, self, decide, timeout, random_challenge());
}

} // namespace enode::dist
