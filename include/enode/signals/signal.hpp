#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

#include <cstdint>
#include <variant>

/// The signals of Erlang's process model (the reference manual's "Processes: Signals"),
/// one type per kind, as the distribution's control messages carry them (protocol sheet
/// §5). One vocabulary for the whole path: `dist` decodes control messages into these
/// and encodes them from these, the node keeps its books by them, and the runtime
/// delivers them, to a process of its own or through its `remote_router`.
///
/// Pids are held as `term::value`s (a pid, shared, not copied). What may stand in a
/// field is said on it; the decoder in `dist` checks it for what a peer sends.
namespace enode::signals {

/// `To ! Message` (SEND, SEND_SENDER). `from`: the sender's pid, or `[]` when the
/// sender is not a process or not told.
struct send {
  term::value from;
  term::value to; ///< a pid
  term::value message;
};

/// `{To, Node} ! Message` (REG_SEND): `to` is a name registered on the node that
/// receives it. `from`: a pid, or `[]` from outside any process.
struct reg_send {
  term::value from;
  term::atom to;
  term::value message;
};

/// A message to an alias (ALIAS_SEND, OTP 24): delivered only while the alias is active.
struct alias_send {
  term::value from;
  term::value alias; ///< a reference
  term::value message;
};

/// `from` links to `to` (LINK); both pids.
struct link {
  term::value from, to;
};

/// `from` removes its link to `to`; `to` answers with an `unlink_ack` of the same id
/// (UNLINK_ID, the link protocol of OTP 23.3+).
struct unlink {
  term::value from, to;
  std::uint64_t id = 0;
};

/// `from` acknowledges the unlink `id` of `to` (UNLINK_ID_ACK).
struct unlink_ack {
  term::value from, to;
  std::uint64_t id = 0;
};

/// The process `from`, linked to `to`, ended with `reason` (EXIT, PAYLOAD_EXIT).
struct exit {
  term::value from, to, reason;
};

/// `exit(To, Reason)` called by `from` (EXIT2, PAYLOAD_EXIT2).
struct exit2 {
  term::value from, to, reason;
};

/// `from` monitors `to` under `ref` (MONITOR_P). `to` is a pid, or a name (an atom)
/// registered on the node that receives it: then 'DOWN' names `{Name, Node}`.
struct monitor {
  term::value from, to, ref;
};

/// `from` drops its monitor `ref` of `to` (DEMONITOR_P); `to` as the monitor named it.
struct demonitor {
  term::value from, to, ref;
};

/// The monitor `ref` that `to` holds has fired: the process ended with `reason`, or
/// was never there (MONITOR_P_EXIT, PAYLOAD_MONITOR_P_EXIT). `from` is its pid (`[]`
/// when the peer named it only by name); `name`, for a monitor made by name, is that
/// name, which the control message carries in place of the pid.
struct down {
  term::value from;
  term::atom name; ///< empty unless the monitor was made by name
  term::value to, ref, reason;
};

/// The 'DOWN' that `watcher`'s monitor `ref` of `target` (a pid, or a name) gets when it
/// fires with `reason`. For a monitor by name, `gone` is the pid the name stood for, when
/// known.
inline down down_for(term::value const& target, term::value const& watcher, term::value const& ref, term::value reason,
                     term::value const& gone = {}) {
  term::value from = target.is_pid() ? target : gone.is_pid() ? gone : term::value{};
  term::atom name = target.is_atom() ? target.as_atom() : term::atom{};
  return down{std::move(from), name, watcher, ref, std::move(reason)};
}

/// `group_leader(Leader, To)` (GROUP_LEADER); both pids.
struct group_leader {
  term::value leader, to;
};

/// `from` asks for a process running `module:function(Args...)` (SPAWN_REQUEST, OTP 23),
/// with spawn options `options` (a list: `link`, `monitor`, ...) and group leader
/// `group_leader`; `ref` is the request's id.
struct spawn_request {
  term::value ref, from, group_leader;
  term::atom module, function;
  term::value args; ///< a proper list
  term::value options;
};

/// The answer to the spawn request `ref` of `to` (SPAWN_REPLY): `result` is the new
/// process's pid, or an atom saying why there is none. `flags`: 1 when the link was
/// set up, 2 when the monitor was.
struct spawn_reply {
  static constexpr std::uint8_t linked = 1, monitored = 2;
  term::value ref, to;
  std::uint8_t flags = 0;
  term::value result;
};

/// NODE_LINK: an old node's link to this node as a whole; nothing to do.
struct node_link {};

/// Any signal.
using signal = std::variant<send, reg_send, alias_send, link, unlink, unlink_ack, exit, exit2, monitor, demonitor, down,
                            group_leader, spawn_request, spawn_reply, node_link>;

/// The process that sent `s` (a pid value), or `[]` when it is not known: the one whose
/// other signals `s` must not overtake. A spawn reply goes with the process it made.
inline term::value const& sender(signal const& s) noexcept {
  static term::value const none;
  return std::visit(
      [](auto const& x) -> term::value const& {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, group_leader>)
          return x.leader;
        else if constexpr (std::is_same_v<T, spawn_reply>)
          return x.result.is_pid() ? x.result : none; // before anything the new process sends
        else if constexpr (std::is_same_v<T, node_link>)
          return none;
        else
          return x.from;
      },
      s);
}

/// Whether `s` is a message (`send`, `reg_send` or `alias_send`) rather than a signal
/// that changes a relation between processes.
inline bool is_message(signal const& s) noexcept {
  return std::holds_alternative<send>(s) || std::holds_alternative<reg_send>(s) ||
         std::holds_alternative<alias_send>(s);
}

/// `{spawn_reply, ReqId, ok, Pid}` when `result` is a pid, else
/// `{spawn_reply, ReqId, error, Result}`: what a `spawn_request` caller receives.
inline term::value spawn_reply_message(term::value const& req_id, term::value const& result) {
  return term::tuple_of({term::atom("spawn_reply"), req_id, term::atom(result.is_pid() ? "ok" : "error"), result});
}

} // namespace enode::signals

#pragma GCC visibility pop
