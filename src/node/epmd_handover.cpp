// Handing the embedded EPMD over when the node stops (see dist/epmd_server.hpp).
//
// BEAM nodes registered with our EPMD hold a connection to it for as long as they live
// and do not register again if it closes: if the EPMD went away with this node, they
// would become unreachable by name. So when other nodes are still registered, the
// listening socket and their registration sockets go to a new process, which serves on
// unchanged; nobody notices the change. That process is this program started again as
// `PROGRAM --enode-epmd-successor LISTEN_FD REGISTRATION...` when it routes that
// argument to `epmd_successor` (`run` does), else the `enode` command started the same
// way.
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/dist/epmd_server.hpp>
#include <enode/node/application.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <spawn.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace enode::node {

namespace {

constexpr std::string_view reserved_argument = "--enode-epmd-successor";

// This program, once `epmd_successor` was called in it: it answers the reserved argument.
// Set before the flag (release), read after it (acquire).
std::string self_path;
std::atomic<bool> serves_as_successor{false};

// The first executable `name` in a directory of PATH.
std::string on_path(char const* name) {
  char const* path = std::getenv("PATH");
  std::string_view rest(path ? path : "");
  while (!rest.empty()) {
    auto colon = rest.find(':');
    auto dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

// This program's path: /proc/self/exe, or argv[0] where /proc is absent (a chroot).
std::string own_path(char const* argv0) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return self.string();
  if (!argv0 || !*argv0) return {};
  if (!std::strchr(argv0, '/')) return on_path(argv0);
  auto p = std::filesystem::canonical(argv0, ec);
  return ec ? std::string() : p.string();
}

// The program that takes over: this one if it answers the reserved argument (the enode
// command does too); else the one the options name; else an `enode` beside this program
// or on the PATH. A program that never called `epmd_successor` cannot be its own.
std::string successor_program(std::string const& configured) {
  if (serves_as_successor.load(std::memory_order_acquire) && !self_path.empty()) return self_path;
  if (!configured.empty()) return configured;
  if (auto self = std::filesystem::path(own_path(nullptr)); !self.empty()) {
    auto sibling = self.parent_path() / "enode";
    if (::access(sibling.c_str(), X_OK) == 0) return sibling.string();
  }
  return on_path("enode");
}

std::optional<std::size_t> number(std::string_view s) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// FD:CREATION:PORT:TYPE:PROTO:HI:LO:NAME
std::optional<dist::epmd::server::adopted> parse_registration(std::string_view v) {
  std::size_t nums[7];
  for (auto& x : nums) {
    auto c = v.find(':');
    if (c == std::string_view::npos) return std::nullopt;
    auto n = number(v.substr(0, c));
    if (!n) return std::nullopt;
    x = *n;
    v.remove_prefix(c + 1);
  }
  if (nums[0] > 65535 || nums[1] > 0xffffffffu || nums[2] > 65535 || nums[3] > 255 || nums[4] > 255 ||
      nums[5] > 65535 || nums[6] > 65535 || v.empty())
    return std::nullopt;
  dist::epmd::server::adopted r;
  r.fd = static_cast<int>(nums[0]);
  r.creation = static_cast<std::uint32_t>(nums[1]);
  r.entry.port = static_cast<std::uint16_t>(nums[2]);
  r.entry.node_type = static_cast<std::uint8_t>(nums[3]);
  r.entry.protocol = static_cast<std::uint8_t>(nums[4]);
  r.entry.highest_version = static_cast<std::uint16_t>(nums[5]);
  r.entry.lowest_version = static_cast<std::uint16_t>(nums[6]);
  r.entry.name = std::string(v);
  return r;
}

// Closes every descriptor but the standard streams and `keep`: only the handed-over
// sockets are the successor's.
void close_inherited(std::set<int> const& keep) {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return;
  std::vector<int> extra;
  while (dirent* e = ::readdir(d)) {
    int fd = std::atoi(e->d_name);
    if (e->d_name[0] != '.' && fd > 2 && fd != ::dirfd(d) && !keep.contains(fd)) extra.push_back(fd);
  }
  ::closedir(d);
  for (int fd : extra) ::close(fd);
}

} // namespace

std::optional<int> epmd_successor(int argc, char const* const* argv) {
  if (!serves_as_successor.load(std::memory_order_acquire)) {
    self_path = own_path(argc > 0 ? argv[0] : nullptr);
    serves_as_successor.store(true, std::memory_order_release);
  }
  if (argc < 3 || argv[1] != reserved_argument) return std::nullopt;
  auto listen_fd = number(argv[2]);
  if (!listen_fd || *listen_fd > 65535) return 2;
  std::vector<dist::epmd::server::adopted> regs;
  std::set<int> keep{static_cast<int>(*listen_fd)};
  for (int i = 3; i < argc; ++i) {
    auto r = parse_registration(argv[i]);
    if (!r) return 2;
    keep.insert(r->fd);
    regs.push_back(std::move(*r));
  }
  close_inherited(keep);
  auto signals = block_stop_signals();
  net::io_context ioc;
  auto srv = dist::epmd::server::adopt(ioc.get_executor(), static_cast<int>(*listen_fd), regs);
  if (!srv) return 1;
  // It serves the nodes it took over and ends with the last of them.
  (*srv)->on_empty([] { ::kill(::getpid(), SIGTERM); });
  return serve_until_stopped(ioc, **srv, signals);
}

void handover_epmd(node_impl& n) {
  auto alive = n.full_name().substr(0, n.full_name().find('@'));
  auto [listen_fd, regs] = n.epmd_server_->release(alive);
  if (listen_fd < 0) return;
  std::string const program = regs.empty() ? std::string() : successor_program(n.opts().epmd_successor);
  if (regs.empty() || program.empty()) {
    if (!regs.empty())
      n.logger().warning("no program to hand EPMD over to (this one does not call enode::node::epmd_successor, "
                         "and no enode command was found): the registrations of " +
                         std::to_string(regs.size()) + " other node(s) end");
    ::close(listen_fd);
    for (auto const& r : regs) ::close(r.fd);
    return;
  }
  std::vector<std::string> args{"enode-epmd", std::string(reserved_argument), std::to_string(listen_fd)};
  for (auto const& r : regs) {
    auto const& e = r.entry;
    args.push_back(std::to_string(r.fd) + ":" + std::to_string(r.creation) + ":" + std::to_string(e.port) + ":" +
                   std::to_string(e.node_type) + ":" + std::to_string(e.protocol) + ":" +
                   std::to_string(e.highest_version) + ":" + std::to_string(e.lowest_version) + ":" + e.name);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The successor inherits these descriptors (and closes every other one itself);
  // its standard streams go to /dev/null so that it holds no pipe of ours open.
  auto inherit = [](int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) & ~FD_CLOEXEC); };
  inherit(listen_fd);
  for (auto const& r : regs) inherit(r.fd);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t child = 0;
  int rc = posix_spawn(&child, program.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    n.logger().error("could not hand EPMD over: " + std::string(std::strerror(rc)) + "; its registrations end");
  else
    n.logger().notice("EPMD handed over to process " + std::to_string(child) + " with " + std::to_string(regs.size()) +
                      " registration(s)");
  ::close(listen_fd);
  for (auto const& r : regs) ::close(r.fd);
}

} // namespace enode::node
