#pragma once

// A gen_server's side of sys: the system messages `{system, From, Request}`.

#include "sys_debug.hpp"

#include <enode/behaviours/gen_server.hpp>

#include <optional>

namespace enode::behaviours::detail {

/// What sys keeps of one server between messages.
struct sys_state {
  bool suspended = false;
  debug_state debug;
};

/// The gen_server members sys reaches.
class sys_access {
public:
  static term::value state(gen_server const& s) { return s.state(); }
  static void replace_state(gen_server& s, term::value const& v) { s.replace_state(v); }
  static term::pid const& parent(gen_server const& s) { return s.parent_; }
};

/// Answers one system message as sys:handle_system_msg does for a gen_server; the exit
/// reason when it was `{terminate, Reason}` (answered `ok` first), else nullopt.
runtime::awaitable<std::optional<term::value>> handle_system(runtime::process& self, gen_server& s, sys_state& st,
                                                             from const& caller, term::value const& request);

/// `gen:call(Server, Label, Request, Timeout)`: the reply, or an `exit_exception` with
/// gen's reason (`noproc`, `timeout`, `{nodedown, Node}`, the server's exit reason).
runtime::awaitable<term::value> gen_call(runtime::process& self, term::value const& server, term::atom label,
                                         term::value request, runtime::timeout t);
/// The same, with the exit's reason wrapped as gen's callers exit: `{Reason, Where}`
/// (`{gen_server, call, Args}`, `{sys, get_state, Args}`).
runtime::awaitable<term::value> gen_call_from(runtime::process& self, term::value const& server, term::atom label,
                                              term::value request, runtime::timeout t, term::value const& where);

} // namespace enode::behaviours::detail
