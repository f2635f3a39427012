// The enode command: a composition root that dispatches on the first word.
#include "cli/commands.hpp"

#include <enode/node/application.hpp>
#include <enode/version.hpp>

#include <cstdio>
#include <span>
#include <string_view>

namespace {

constexpr char const* usage = R"(usage: enode <command> [args]

commands:
  run      start the demo node (echo, kv, enode_demo) until SIGINT/SIGTERM
  ping     net_adm:ping a node: pong or pang
  call     rpc:call a function of a node and print the result
  names    list the nodes registered with EPMD
  info     what a node (enode or BEAM) says of itself: uptime, processes, memory, peers
  processes  a node's processes, the longest message queues first
  epmd     serve EPMD (a standalone port mapper)
  etf      decode, encode and round-trip Erlang's external term format
  version  print enode's version (also --version)
  help     show this text

`enode <command> --help` or `enode help <command>` describes a command.

exit status:
  0  success (ping: pong)
  1  failure: the node could not start, NODE could not be reached (pang), the call failed
  2  bad usage: an unknown command or option, a malformed value or environment variable
  3  call --erpc: the function raised an exception (printed as Class:Reason)
)";

} // namespace

namespace {

// Runs the command that `args` (without the program's name) names; the exit status.
int dispatch(std::span<char const* const> args) {
  if (args.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string_view cmd = args[0];
  if ((cmd == "help" || cmd == "--help" || cmd == "-h") && args.size() > 1 && std::string_view(args[1]) != "help") {
    char const* const help[] = {args[1], "--help"}; // `enode help CMD`: that command's own help
    return dispatch(help);
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(usage, stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("enode %s\n", std::string(enode::version()).c_str());
    return 0;
  }
  if (cmd == "etf") return enode::cli::etf_command(args.subspan(1));
  if (cmd == "run") return enode::cli::run_command(args.subspan(1));
  if (cmd == "ping") return enode::cli::ping_command(args.subspan(1));
  if (cmd == "call") return enode::cli::call_command(args.subspan(1));
  if (cmd == "names") return enode::cli::names_command(args.subspan(1));
  if (cmd == "epmd") return enode::cli::epmd_command(args.subspan(1));
  if (cmd == "info") return enode::cli::info_command(args.subspan(1));
  if (cmd == "processes") return enode::cli::processes_command(args.subspan(1));
  std::fprintf(stderr, "enode: unknown command '%.*s'\n%s", static_cast<int>(cmd.size()), cmd.data(), usage);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  // Started to take a stopping node's embedded EPMD over: serve it, nothing else.
  if (auto status = enode::node::epmd_successor(argc, argv)) return *status;
  return dispatch(std::span<char const* const>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
}
