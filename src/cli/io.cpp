#include "cli/io.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace enode::cli {

std::optional<term::binary> read_all_stdin() {
  std::vector<std::byte> buf;
  std::size_t used = 0;
  buf.resize(64 * 1024);
  while (true) {
    if (used == buf.size()) buf.resize(buf.size() * 2);
    ssize_t n = ::read(STDIN_FILENO, buf.data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  term::binary b = term::binary::uninitialized(used);
  if (used) std::memcpy(b.mutable_data(), buf.data(), used);
  return b;
}

bool read_exact_stdin(std::byte* out, std::size_t n, bool& truncated) {
  std::size_t got = 0;
  truncated = false;
  while (got < n) {
    ssize_t r = ::read(STDIN_FILENO, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      truncated = got > 0;
      return false;
    }
    if (r == 0) {
      truncated = got > 0;
      return false;
    }
    got += static_cast<std::size_t>(r);
  }
  return true;
}

bool write_stdout(std::span<std::byte const> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_stdout(std::string const& s) {
  return write_stdout(std::span<std::byte const>(reinterpret_cast<std::byte const*>(s.data()), s.size()));
}

std::optional<std::size_t> parse_size(std::string_view s) {
  std::size_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

} // namespace enode::cli
