#pragma once

#include <enode/behaviours/supervisor.hpp>
#include <enode/node/node.hpp>

#include <vector>

namespace enode::cli {

/// The demo's functions: enode_demo:echo/1, add/2, fail/1, spawn_echo/0 and sleep/1.
void expose_demo(node::node& n);

/// The demo's servers, for a supervisor:
/// - `echo`: a call returns its request, a cast {reply_to, Pid, Term} sends Term to
///   Pid, a message {Pid, Term} is answered with Pid ! Term;
/// - `kv`: {put, K, V} -> ok; {get, K} -> {ok, V} | error; {delete, K} -> ok;
///   keys -> the keys, in term order; another request -> {error, {bad_request, R}}.
std::vector<behaviours::child_spec> demo_children();

} // namespace enode::cli
