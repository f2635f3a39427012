// A plain synchronous program that calls a GenServer on an Elixir node and prints the
// answer:  client NODE SERVER REQUEST
//   client app@myhost Greeter '{greet, <<"Ada">>}'
// SERVER is the name the GenServer is registered under (an Elixir module name is
// 'Elixir.Greeter'; a bare capitalised name gets that prefix), REQUEST a term in Erlang
// syntax. The cookie comes from RELEASE_COOKIE, else ~/.erlang.cookie.
#include <enode/enode.hpp>
#include <enode/term/parse.hpp>

#include <cctype>
#include <cstdio>
#include <string>
#include <unistd.h>

using namespace enode;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: client NODE SERVER REQUEST\n");
    return 2;
  }
  std::string target = argv[1], server = argv[2];
  if (std::isupper(static_cast<unsigned char>(server[0]))) server = "Elixir." + server;
  auto request = term::parse(argv[3]);
  if (!request) {
    std::fprintf(stderr, "client: REQUEST is not a term: %s\n", argv[3]);
    return 2;
  }

  node::options opts;
  opts.name = "client_" + std::to_string(::getpid());
  opts.long_names = target.find('.') != std::string::npos;
  opts.hidden = true;
  if (auto problem = node::apply_environment(opts); !problem.empty()) {
    std::fprintf(stderr, "client: %s\n", problem.c_str());
    return 2;
  }
  if (!opts.log_level) opts.log_level = log::level::warning; // quiet unless ENODE_LOG_LEVEL says
  node::node n(opts);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "client: cannot start: %s\n", r.error().message().c_str());
    return 1;
  }
  node::blocking me(n);
  try {
    // gen_server:call({Server, Node}, Request), as GenServer.call({Server, node}, request)
    auto answer = me.call(term::tuple_of({term::atom(server), term::atom(target)}), *request, 5s);
    std::printf("%s\n", term::to_string(answer).c_str());
  } catch (std::exception const& e) {
    std::fprintf(stderr, "client: the call failed: %s\n", e.what());
    return 1;
  }
}
