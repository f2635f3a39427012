#pragma once

#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

#include <cstdint>

namespace enode::runtime {

/// A signal between a local process and a process of another node, in the words of the
/// distribution's control messages. The runtime hands outgoing ones to a
/// `remote_router`; the node hands incoming ones to `system::inject`.
struct remote_signal {
  enum class kind : std::uint8_t {
    send,          ///< `payload` to the pid `to`
    reg_send,      ///< `payload` to the name `to` (an atom) on `node`
    alias_send,    ///< `payload` to the alias `to` (a reference)
    link,          ///< `from` links to `to`
    unlink,        ///< `from` unlinks from `to` with unlink id `id`
    unlink_ack,    ///< `from` acknowledges `to`'s unlink `id`
    exit,          ///< `exit(To, Reason)` from `from`, reason `payload`
    exit_linked,   ///< the linked `from` ended with `payload`
    monitor,       ///< `from` monitors `to` (a pid, or a name atom on `node`) under `ref`
    demonitor,     ///< `from` drops its monitor `ref` on `to`
    down,          ///< the monitor `ref` of `to` on `from` fired with `payload`
    spawn_request, ///< `from` asks `node` for a process running `to` ({M, F, Arity}) on the
                   ///< arguments `payload`, with spawn options `object` (`monitor`: `ref`,
                   ///< the request id, is also a monitor of the new process by `from`);
                   ///< `id` says which replies `from` wants (a `runtime::spawn_reply`)
  };
  kind what = kind::send;
  term::atom node;  ///< the other node
  term::value from; ///< a pid, or `[]` for a message sent from outside any process
  term::value to;
  term::value ref;
  std::uint64_t id = 0;
  term::value payload;
  /// Monitors and downs: what the 'DOWN' message names, the pid or `{Name, Node}`.
  term::value object;
};

/// The message a `process::spawn_request` caller gets: `{spawn_reply, ReqId, ok, Pid}`
/// when `result` is the new process's pid, else `{spawn_reply, ReqId, error, Result}`.
inline term::value spawn_reply_message(term::value const& req_id, term::value const& result) {
  return term::tuple_of({term::atom("spawn_reply"), req_id, term::atom(result.is_pid() ? "ok" : "error"), result});
}

/// Where the runtime sends signals for processes of other nodes; the node implements it.
/// `route` is called from any thread, by any process; it must not block and must keep
/// the order of the signals of each sender. What it cannot deliver it answers through
/// `system::inject` as an unreachable node does (`noconnection`).
class remote_router {
public:
  virtual ~remote_router() = default;
  virtual void route(remote_signal&& s) = 0;
};

} // namespace enode::runtime
