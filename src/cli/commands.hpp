#pragma once

#include <enode/node/node.hpp>

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace enode::cli {

/// `enode etf decode|encode|roundtrip ...`; returns the process exit status.
int etf_command(std::span<char const* const> args);

/// `enode run ...`: the daemon.
int run_command(std::span<char const* const> args);
/// `enode ping NODE`: pong or pang.
int ping_command(std::span<char const* const> args);
/// `enode call NODE MOD FUN ARGS`: rpc:call, the result printed in Erlang syntax.
int call_command(std::span<char const* const> args);
/// `enode names [HOST]`: EPMD's list.
int names_command(std::span<char const* const> args);
/// `enode epmd`: a standalone EPMD.
int epmd_command(std::span<char const* const> args);
/// `enode info NODE`: what the node says of itself over rpc.
int info_command(std::span<char const* const> args);
/// `enode processes NODE [--sort mq|reductions|memory] [--limit N]`.
int processes_command(std::span<char const* const> args);

/// What `processes` was asked for.
struct client_options {
  std::string sort;
  std::size_t limit = 0;
};
/// Runs `body` with a started client node connected to the node named by the command's
/// first of `count` arguments (flags as ping and call take them); the exit status.
int with_client(std::span<char const* const> args, char const* cmd, std::size_t count,
                std::function<int(node::node&, term::atom, client_options const&)> const& body);

} // namespace enode::cli
