#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

/// Calling functions of other nodes from C++ as Erlang's `erpc` does: a spawn request for
/// `erpc:execute_call/4` on that node, its outcome the exit reason of the process it
/// makes, seen through a monitor. Unlike `rpc`, a value and an exception are told apart.
/// The node must serve spawn requests (every BEAM node from OTP 23 on, enode nodes too).
namespace enode::runtime::erpc {

/// `erpc:call(Node, Module, Function, Args, Timeout)` made by `self`, for another node:
/// the value the function returned. Otherwise it raises what erpc raises:
/// - the function threw `V`: `throw_exception(V)`;
/// - it exited with `R`: `exit_exception({exception, R})`;
/// - it raised an error `R`: `error_exception({exception, R, Stack})`;
/// - the process was killed by an exit signal `R`: `exit_exception({signal, R})`;
/// - the call could not be made or finish: `error_exception({erpc, Why})`,
///   Why being `noconnection`, `timeout`, `notsup`, `system_limit` or `badarg`.
/// After a timeout nothing of the call arrives later.
awaitable<term::value> call(process& self, term::atom node, term::atom module, term::atom function, term::value args,
                            timeout t = infinity);

/// `erpc:cast(Node, Module, Function, Args)`: runs it on Node, nothing comes back.
/// `error_exception({erpc, badarg})` for an argument list that is not a list.
void cast(process& self, term::atom node, term::atom module, term::atom function, term::value args);

} // namespace enode::runtime::erpc

#pragma GCC visibility pop
