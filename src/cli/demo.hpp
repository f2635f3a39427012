#pragma once

#include <enode/behaviours/gen_server.hpp>
#include <enode/node/node.hpp>

#include <memory>

namespace enode::cli {

/// The demo's functions: enode_demo:echo/1, add/2, fail/1 and spawn_echo/0.
void expose_demo(node::node& n);

/// The demo's `kv` server: {put, K, V} -> ok; {get, K} -> {ok, V} | error;
/// {delete, K} -> ok; keys -> the keys, in term order.
std::unique_ptr<behaviours::gen_server> make_kv_server();

/// The daemon's `echo` server: a call returns its request, a cast {reply_to, Pid, Term}
/// sends Term to Pid, a message {Pid, Term} is answered with Pid ! Term.
std::unique_ptr<behaviours::gen_server> make_echo_server();

} // namespace enode::cli
