// Handing the embedded EPMD over when the node stops (see dist/epmd_server.hpp).
//
// BEAM nodes registered with our EPMD hold a connection to it for as long as they live
// and do not register again if it closes: if the EPMD went away with this node, they
// would become unreachable by name. So when other nodes are still registered, the
// listening socket and their registration sockets go to a new process,
// `enode epmd --adopt`, which serves on unchanged; nobody notices the change.
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace enode::node {

namespace {

// The program that takes over: this one if it is `enode`, else an `enode` beside it. A
// program that merely links the node library cannot serve as its own successor.
std::string successor_program() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  if (self.filename() == "enode") return self.string();
  auto sibling = self.parent_path() / "enode";
  if (::access(sibling.c_str(), X_OK) == 0) return sibling.string();
  return {};
}

} // namespace

void handover_epmd(node_impl& n) {
  auto alive = n.full_name().substr(0, n.full_name().find('@'));
  auto [listen_fd, regs] = n.epmd_server_->release(alive);
  if (listen_fd < 0) return;
  std::string const program =
      regs.empty() ? std::string() : (n.opts().epmd_successor.empty() ? successor_program() : n.opts().epmd_successor);
  if (regs.empty() || program.empty()) {
    if (!regs.empty())
      n.logger().warning("no enode program to hand EPMD over to: the registrations of " + std::to_string(regs.size()) +
                         " other node(s) end");
    ::close(listen_fd);
    for (auto const& r : regs) ::close(r.fd);
    return;
  }
  std::vector<std::string> args{"enode", "epmd", "--adopt", std::to_string(listen_fd)};
  for (auto const& r : regs) {
    auto const& e = r.entry;
    args.push_back("--registration");
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
