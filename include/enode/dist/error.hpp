#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/error.hpp>

#include <string_view>
#include <type_traits>

namespace enode::dist {

/// Errors of the distribution layer (category "enode.dist").
enum class error {
  /// More bytes are needed before the input can be parsed (not a failure).
  need_more = 1,
  /// A handshake or EPMD message is malformed or of the wrong kind at this point.
  bad_message,
  /// The peer lacks flags that OTP 26 makes mandatory.
  missing_flags,
  /// The peer's digest does not match our cookie: wrong cookie.
  bad_digest,
  /// The peer answered `not_allowed`.
  not_allowed,
  /// The peer answered `nok`: it is connecting to us itself and its attempt wins.
  simultaneous_lost,
  /// The peer has a live connection to a node of our name and keeps it (`alive`).
  already_connected,
  /// The name in the peer's challenge is not the node we dialed.
  name_mismatch,
  /// A node name is malformed (not `alive@host`, too long, bad characters).
  bad_node_name,
  /// EPMD refused the registration (the name is taken).
  epmd_duplicate_name,
  /// EPMD does not know the node.
  epmd_no_such_node,
  /// EPMD's reply is malformed.
  epmd_bad_reply,
  /// The node speaks no distribution version we do (6).
  version_mismatch,
  /// A step of the connection setup took longer than the setup timeout.
  setup_timeout,
  /// A distribution packet is malformed: header, atom cache, fragment or control message.
  bad_packet,
  /// The peer sent nothing, not even a tick, for a whole tick time.
  tick_timeout,
  /// The connection was closed on purpose (node stop, disconnect).
  closed,
  /// A packet is larger than the limit.
  too_large,
  /// OpenSSL could not compute a digest or give random bytes.
  crypto_failure,
  /// The peer closed the connection after our challenge reply: it did not accept our
  /// digest, as a BEAM node with another cookie does.
  challenge_refused,
};

/// The enumerator's name (`bad_digest`), for labels and logs.
std::string_view to_string(error e) noexcept;

/// The category behind dist errors.
error_category const& dist_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), dist_category()}; }

} // namespace enode::dist

// What makes the enum an error_code; left out of the API reference.
/// @cond
template <>
struct boost::system::is_error_code_enum<enode::dist::error> : std::true_type {};
/// @endcond

#pragma GCC visibility pop
