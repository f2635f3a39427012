#pragma once

#include <enode/behaviours/supervisor.hpp>
#include <enode/node/node.hpp>

#include <vector>

namespace enode::cli {

/// The demo's functions: enode_demo:echo/1, add/2, fail/1, spawn_echo/0, sleep/1, and
/// calls out of C++: call/4 (erpc:call), gen_call/2 (gen_server:call/2) and burst/2 (N
/// numbered messages to a pid).
void expose_demo(node::node& n);

/// The demo's servers, for a supervisor:
/// - `echo`: a call returns its request, a cast {reply_to, Pid, Term} sends Term to
///   Pid, a message {Pid, Term} is answered with Pid ! Term;
/// - `kv`: {put, K, V} -> ok; {get, K} -> {ok, V} | error; {delete, K} -> ok;
///   keys -> the keys, in term order; another request -> {error, {bad_request, R}}.
std::vector<behaviours::child_spec> demo_children();

} // namespace enode::cli
