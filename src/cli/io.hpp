#pragma once

#include <enode/term/binary.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace enode::cli {

/// Reads all of standard input into a binary; nullopt (with errno set) on a read error.
std::optional<term::binary> read_all_stdin();

/// Reads exactly `n` bytes from standard input into `out`: false at end of input.
/// A partial read followed by end of input sets `truncated`.
bool read_exact_stdin(std::byte* out, std::size_t n, bool& truncated);

/// Writes all bytes to standard output; false on a write error.
bool write_stdout(std::span<std::byte const> bytes);
bool write_stdout(std::string const& s);

/// Parses a non-negative decimal flag value.
std::optional<std::size_t> parse_size(std::string_view s);

} // namespace enode::cli
