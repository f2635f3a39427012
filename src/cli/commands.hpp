#pragma once

#include <span>
#include <string_view>

namespace enode::cli {

/// `enode etf decode|encode|roundtrip ...`; returns the process exit status.
int etf_command(std::span<char const* const> args);

} // namespace enode::cli
