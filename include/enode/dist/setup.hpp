#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

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

/// The acceptor's answer to a peer that passed the name and flag checks (§2.5 step 3,
/// dist_util's send_status).
enum class status : unsigned char {
  ok,              ///< go on
  ok_simultaneous, ///< go on; our own attempt to it is abandoned (simultaneous connect)
  nok,             ///< no: our own attempt wins (simultaneous connect)
  not_allowed,     ///< no
  alive,           ///< we have a connection to it: ask whether to replace it
};
/// The word the status message carries: "ok", "ok_simultaneous", "nok", "not_allowed",
/// "alive".
std::string_view to_string(status s) noexcept;

/// How the acceptor answers: called on the connection's strand; the node decides with
/// its table of connections.
using accept_status = std::function<status(peer_identity const&)>;

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

#pragma GCC visibility pop
