#pragma once

#include <enode/core/result.hpp>
#include <enode/dist/error.hpp>
#include <enode/term/value.hpp>

#include <cstdint>
#include <optional>

/// Control messages (protocol sheet §5, erts/emulator/beam/dist.h): the operation codes,
/// and the decoded meaning of a control tuple with its payload. Pure: no I/O.
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

/// What a control message asks for, whichever of its variants carried it (traced or
/// not, reason in the tuple or in the payload).
enum class action : std::uint8_t {
  send,          ///< `message` to pid `to` (from `from` when known)
  reg_send,      ///< `message` to the registered name `to` (an atom)
  alias_send,    ///< `message` to the alias `to` (a reference)
  link,          ///< `from` links to `to`
  unlink_id,     ///< `from` unlinks from `to`, unlink id `id`
  unlink_id_ack, ///< `from` acknowledges `to`'s unlink `id`
  exit,          ///< the linked process `from` ended with `reason`
  exit2,         ///< `exit(To, Reason)` from `from`
  monitor,       ///< `from` monitors `to` (pid or name) under `ref`
  demonitor,     ///< `from` drops its monitor `ref` on `to`
  monitor_exit,  ///< `from` (pid or name), monitored by `to` under `ref`, ended with `reason`
  group_leader,  ///< `from` becomes the group leader of `to`
  spawn_request, ///< `from` asks for a process running `to` ({M, F, Arity}) on `message`
                 ///< (the argument list), with spawn `options`; `ref` is the request id
  spawn_reply,   ///< to `to`: request `ref` made `reason` (a pid, or an error atom); `id` is
                 ///< the flags (1: linked, 2: monitored)
  ignored,       ///< NODE_LINK: nothing to do
};

/// A decoded control message.
struct control {
  action what = action::ignored;
  op code = op::node_link;
  term::value from;
  term::value to;
  term::value ref;
  std::uint64_t id = 0;
  term::value reason;
  term::value message;
  term::value options;      ///< spawn_request: the option list
  term::value group_leader; ///< spawn_request: the group leader of the new process
};

/// Interprets a control tuple and its payload. `bad_packet` when the tuple does not have
/// its operation's shape, a payload is missing or unexpected, or the operation is one
/// that OTP 26 refuses (UNLINK) or one we did not advertise (ALTACT_SIG_SEND).
[[nodiscard]] result<control> interpret(term::value const& ctl, term::value const* payload);

/// The control tuple (and payload, if any) that carries `c` to a peer with flags
/// `peer_flags`: SEND_SENDER when negotiated, else SEND; PAYLOAD_EXIT forms when
/// EXIT_PAYLOAD is; and so on. @pre a `reg_send` or `alias_send` has a pid as `from`
/// (BEAM drops the connection otherwise).
struct encoded_control {
  term::value control;
  std::optional<term::value> payload;
};
encoded_control build(control const& c, std::uint64_t peer_flags);

} // namespace enode::dist
