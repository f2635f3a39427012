#pragma once

#include <enode/behaviours/supervisor.hpp>
#include <enode/core/asio.hpp>
#include <enode/runtime/process_info.hpp>

#include <csignal>
#include <optional>

namespace enode::dist::epmd {
class server;
} // namespace enode::dist::epmd

namespace enode::node {

class node_impl;

/// Starts the node's system processes: the I/O server, then `kernel_sup` (as OTP names
/// it), a one_for_one supervisor of `net_kernel`, `rex` and `global_name_server`.
/// Returns once they are registered; false if they could not start.
bool start_system_processes(node_impl& n);

/// `net_kernel`: answers `{is_auth, Node}` with `yes`, so that net_adm:ping/1 is pong.
behaviours::child_spec net_kernel_spec(node_impl& n);

/// `rex`, the rpc server, for what BEAM nodes still send it (see rex.cpp).
behaviours::child_spec rex_spec(node_impl& n);

/// `global_name_server`: takes part in `global`'s handshake as a node that registers no
/// names, so that global:sync/0 returns and locks work on the BEAM nodes (see global.cpp).
behaviours::child_spec global_spec(node_impl& n);

/// Serves erlang:node/0, nodes/0,1, is_alive/0, registered/0, whereis/1,
/// is_process_alive/1 and send/2 to rpc and erpc callers (builtins.cpp).
void add_builtins(node_impl& n);
/// Serves what tooling asks a node: erlang:processes/0, process_info/1,2, memory/0,1,
/// system_info/1, statistics/1, the clocks, os and net_adm facts, erlang:apply/2,3,
/// and erlang:halt and init:stop, which stop the node (tooling.cpp).
void add_tooling(node_impl& n);
/// The `'$initial_call'` a gen_server or supervisor keeps in its dictionary, as proc_lib
/// does (tooling.cpp).
std::optional<term::value> dictionary_initial_call(runtime::process_info const& i);
/// process_info's current_function: that initial call, else erlang:apply/2 (a C++ body,
/// which Erlang would call a fun), for C++ code has no Erlang function to show.
term::value current_function(runtime::process_info const& i);

/// The I/O server that is the group leader of processes our spawn requests make on
/// other nodes: what they print goes to standard output (io_server.cpp).
void start_io_server(node_impl& n);

/// Hands the embedded EPMD to a successor process when other nodes are registered with
/// it (see epmd_server.hpp); otherwise just closes it.
void handover_epmd(node_impl& n);

/// Blocks SIGINT and SIGTERM in this thread and the threads it starts from now on, so
/// that `serve_until_stopped` can take them with sigwait.
sigset_t block_stop_signals();
/// Runs `srv` (made on `ioc`) on a thread of its own until SIGINT or SIGTERM (blocked by
/// `block_stop_signals` beforehand), then stops it; the exit status, 0.
int serve_until_stopped(net::io_context& ioc, dist::epmd::server& srv, sigset_t const& signals);

} // namespace enode::node
