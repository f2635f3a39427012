#pragma once

#include <enode/core/asio.hpp>
#include <enode/core/result.hpp>
#include <enode/dist/flags.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

/// Connection setup: the version-6 handshake in both roles over a connected socket
/// (protocol sheet §2.4, §2.5; lib/kernel/src/dist_util.erl). The messages themselves
/// are in handshake.hpp; this drives them with a deadline.
namespace enode::dist {

/// Who we are in a handshake.
struct local_identity {
  std::string name;      ///< our full node name
  flags::type flags = 0; ///< what we advertise
  std::uint32_t creation = 0;
  std::string cookie;
};

/// Who the peer turned out to be.
struct peer_identity {
  std::string name;
  flags::type flags = 0; ///< as sent, with the digest bit expanded
  std::uint32_t creation = 0;
};

/// How the acceptor answers a peer that passed the name and flag checks: `ok`,
/// `ok_simultaneous`, `nok`, `not_allowed` or `alive` (§2.5 step 3). Called on the
/// connection's strand; the node decides with its table of connections.
using accept_status = std::function<std::string(peer_identity const&)>;

/// Dials `peer_name` on the connected `socket`: send_name, status, challenge, reply, ack.
/// `wanted`, when given, is asked once the peer has answered the status: false ends the
/// attempt with `already_connected` (and answers the peer's `alive` with false), for an
/// attempt that lost a simultaneous connect or found the peer connected meanwhile.
/// Errors: `not_allowed`, `simultaneous_lost` (nok), `already_connected`,
/// `name_mismatch`, `missing_flags`, `bad_digest` (wrong cookie), `bad_message`,
/// `setup_timeout`, and socket errors.
net::awaitable<result<peer_identity>> async_handshake_connect(net::ip::tcp::socket& socket, local_identity const& self,
                                                              std::string_view peer_name,
                                                              std::chrono::milliseconds timeout,
                                                              std::function<bool()> const& wanted = {});

/// Answers a peer that dialed us on `socket`. On failure the peer has been told what it
/// needed (`not_allowed`, `nok`) and the socket should be closed.
net::awaitable<result<peer_identity>> async_handshake_accept(net::ip::tcp::socket& socket, local_identity const& self,
                                                             accept_status const& status,
                                                             std::chrono::milliseconds timeout);

} // namespace enode::dist
