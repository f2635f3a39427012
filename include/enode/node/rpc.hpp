#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

/// Calling functions of other nodes from C++, as Erlang's `rpc` module does. Requests go
/// to the `rex` server of the node, in the form C nodes and `erl_call` use, so every
/// Erlang node answers (and enode nodes, whose `rex` serves their C++ functions).
namespace enode::node::rpc {

/// `rpc:call(Node, Module, Function, Args, Timeout)` made by `self`: the value the
/// function returned (or threw), else `{badrpc, Reason}` as rpc returns it: `nodedown`
/// when Node cannot be reached or goes down, `timeout`, or `{'EXIT', {Error, Stack}}` and
/// `{'EXIT', Reason}` for a function that raised an error or exited. The arguments are a list.
runtime::awaitable<term::value> call(runtime::process& self, term::atom node, term::atom module, term::atom function,
                                     term::value args, runtime::timeout t = runtime::infinity);

/// `rpc:cast(Node, Module, Function, Args)`: runs it on Node without waiting; never fails.
void cast(runtime::process& self, term::atom node, term::atom module, term::atom function, term::value args);

} // namespace enode::node::rpc

#pragma GCC visibility pop
