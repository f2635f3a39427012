#pragma once

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

} // namespace enode::cli
