#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/dist/error.hpp>
#include <enode/signals/signal.hpp>
#include <enode/term/value.hpp>

#include <cstdint>
#include <optional>

/// Control messages (protocol sheet §5, erts/emulator/beam/dist.h): the operation codes,
/// and the codec between control tuples and `signals::signal`. Pure: no I/O.
namespace enode::dist {

/// Operation codes, the first element of a control tuple.
enum class op : std::uint8_t {
  link = 1,
  send = 2,
  exit = 3,
  unlink = 4, ///< obsolete; invalid from OTP 26
  node_link = 5,
  reg_send = 6,
  group_leader = 7,
  exit2 = 8,
  send_tt = 12,
  exit_tt = 13,
  reg_send_tt = 16,
  exit2_tt = 18,
  monitor_p = 19,
  demonitor_p = 20,
  monitor_p_exit = 21,
  send_sender = 22, ///< OTP 21, SEND_SENDER
  send_sender_tt = 23,
  payload_exit = 24, ///< OTP 22, EXIT_PAYLOAD
  payload_exit_tt = 25,
  payload_exit2 = 26,
  payload_exit2_tt = 27,
  payload_monitor_p_exit = 28,
  spawn_request = 29, ///< OTP 23, SPAWN
  spawn_request_tt = 30,
  spawn_reply = 31,
  spawn_reply_tt = 32,
  alias_send = 33, ///< OTP 24, ALIAS
  alias_send_tt = 34,
  unlink_id = 35, ///< OTP 23.3, UNLINK_ID
  unlink_id_ack = 36,
  altact_sig_send = 37, ///< OTP 28, ALTACT_SIG
};

/// A decoded control message: the signal it carries, and the operation that carried it
/// (traced or not, reason in the tuple or in the payload).
struct control {
  op code = op::node_link;
  signals::signal signal;
};

/// Decodes a control tuple and its payload into the signal they carry. `bad_packet` when
/// the tuple does not have its operation's shape (a pid where a pid belongs, a payload
/// where one is due and none elsewhere), or the operation is one that OTP 26 refuses
/// (UNLINK) or one we did not advertise (ALTACT_SIG_SEND). The trace token of the `_TT`
/// forms is dropped.
[[nodiscard]] result<control> decode_control(term::value const& ctl, term::value const* payload);

/// The control tuple (and payload, if any) that carries `s` to a peer with flags
/// `peer_flags`: SEND_SENDER when negotiated and the sender is known, else SEND;
/// PAYLOAD_EXIT forms when EXIT_PAYLOAD is; MONITOR_P_EXIT names the monitor's name
/// when it was made by one. @pre a `reg_send` or `alias_send` has a pid as `from` (BEAM
/// drops the connection otherwise).
struct encoded_control {
  term::value control;
  std::optional<term::value> payload;
};
[[nodiscard]] encoded_control encode_control(signals::signal const& s, std::uint64_t peer_flags);

} // namespace enode::dist

#pragma GCC visibility pop
