// `enode run`, `enode ping`, `enode names` and `enode epmd`: the node as a program.
#include "cli/commands.hpp"
#include "cli/demo.hpp"
#include "cli/io.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/dist/epmd_client.hpp>
#include <enode/dist/epmd_server.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/node/application.hpp>
#include <enode/node/blocking.hpp>
#include <enode/node/erpc.hpp>
#include <enode/node/node.hpp>
#include <enode/node/rpc.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>

namespace enode::cli {
namespace {

using namespace std::chrono_literals;
namespace atoms = term::atoms;

constexpr char const* run_usage = R"(usage: enode run (--name NAME@HOST | --sname NAME) [options]

Starts a node that registers with EPMD (serving EPMD itself when none runs), prints
"enode NAME@HOST ready" once it accepts connections, and runs until SIGINT or SIGTERM.
It hosts the demo:
  echo    a gen_server: a call returns its request, a cast {reply_to, Pid, Term} sends
          Term to Pid, a message {Pid, Term} is answered with Pid ! Term
  kv      a gen_server: {put, K, V} -> ok; {get, K} -> {ok, V} | error;
          {delete, K} -> ok; keys -> [K]
          (both under a one_for_one supervisor, enode_demo_sup)
  enode_demo:echo/1, add/2, fail/1, spawn_echo/0, sleep/1, for rpc:call and erpc:call;
  enode_demo:call(Node, M, F, Args) makes erpc:call(Node, M, F, Args) from C++,
  enode_demo:gen_call(ServerRef, Request) gen_server:call(ServerRef, Request), and
  enode_demo:burst(Pid, N) sends Pid {burst, 1} .. {burst, N}, in order

options:
  --name NAME[@HOST]   long node name (HOST defaults to this host's FQDN)
  --sname NAME[@HOST]  short node name (HOST defaults to this host's short name)
  --cookie C           the cookie (default: $RELEASE_COOKIE, else ~/.erlang.cookie,
                       created if missing)
  --hidden             a hidden node: not in the peers' nodes()
  --listen-port P      the distribution port, or MIN-MAX for the first free one of a
                       range (default: $ENODE_DIST_LISTEN_MIN..$ENODE_DIST_LISTEN_MAX,
                       else any free port)
  --ticktime S         net_ticktime in seconds (default 60)
  --epmd-port P        EPMD's port (default: $ERL_EPMD_PORT, else 4369)
  --no-embedded-epmd   fail instead of serving EPMD when none runs
  --connect NODE       stay connected to NODE (alive@host): connect at start and again
                       every 2 s while it is down; may be repeated
  --log-level LEVEL    error, warning, notice (the default), info or debug; debug shows
                       each connection's setup step by step (default: $ENODE_LOG_LEVEL)
  --http [ADDR:]PORT   serve the admin endpoints over HTTP: /metrics (Prometheus),
                       /health, /api/processes, /api/connections, /api/nodes, /events,
                       and the status page at /; on 127.0.0.1 unless ADDR is given
  --http-token-file F  require the bearer token in file F (its first line) on every
                       HTTP request but /health

Without --name or --sname, the name comes from the environment as a release's start
script takes it: RELEASE_NODE (NAME or NAME@HOST), RELEASE_DISTRIBUTION (sname, the
default, or name). A long name in a container whose host name has no domain: use its
address, RELEASE_NODE=app@$(hostname -i).
)";

constexpr char const* client_usage = R"(usage: enode ping NODE [--cookie C] [--name N | --sname N] [--epmd-port P]
       enode call NODE MODULE FUNCTION ARGS [--erpc] [--timeout S] [--cookie C] [--name N | --sname N] [--epmd-port P]
       enode names [--epmd-port P] [HOST]
       enode info NODE [--cookie C] [--name N | --sname N] [--epmd-port P]
       enode processes NODE [--sort mq|reductions|memory] [--limit N] [--cookie C] ...

NODE without @HOST is on this host, as erl_call -sname takes it (with the fully
qualified host name when RELEASE_DISTRIBUTION is name). The cookie: --cookie, else
$RELEASE_COOKIE, else ~/.erlang.cookie.
ping: connects to NODE as net_adm:ping/1 does; prints pong (exit 0) or pang (exit 1).
call: rpc:call(NODE, MODULE, FUNCTION, ARGS) as erl_call -a does; ARGS is a list in
      Erlang syntax ('[[1,2,3]]'); prints the result in Erlang syntax (exit 0), or says
      why NODE cannot be reached (exit 1). With --erpc, erpc:call instead: the value
      (exit 0), or the exception it raised as Class:Reason (exit 3). --timeout in
      seconds (default: none).
names: lists the nodes registered with the EPMD on HOST (default localhost).
info: what NODE (enode or BEAM) says of itself over rpc: uptime, processes, schedulers,
      memory, connected nodes, OS pid.
processes: NODE's processes with their name, status, queue length, reductions and
      memory, sorted by --sort (default mq: the longest queues first), at most --limit
      of them (default 50).
Without --name/--sname a client picks a node name of its own, as erl_call does.
)";

constexpr char const* epmd_usage = R"(usage: enode epmd [--port P]

Serves EPMD, the Erlang port mapper, on port P (default: $ERL_EPMD_PORT, else 4369)
until SIGINT or SIGTERM, as `epmd` does.
)";

struct flags_parsed {
  node::options opts;
  std::vector<std::string_view> positional;
  bool ok = true;
  bool help = false;
  std::optional<std::chrono::seconds> timeout; // enode call
  bool erpc = false;                           // enode call --erpc
  bool release_long_names = false;             // RELEASE_DISTRIBUTION=name
  bool http = false;                           // enode run --http
  std::string sort = "mq";                     // enode processes --sort
  std::size_t limit = 50;                      // enode processes --limit
};

std::optional<std::uint16_t> parse_port(std::string_view s, bool allow_zero) {
  auto v = parse_size(s);
  if (!v || *v > 65535 || (!allow_zero && *v == 0)) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

// What the flags leave unset, from the environment a release's start script reads:
// RELEASE_COOKIE for every command; RELEASE_NODE and RELEASE_DISTRIBUTION for `run`'s
// name, and for the host a client's target gets when it has none.
// Says what is wrong with a command's flags or environment; the command will not run.
void refuse(flags_parsed& f, std::string_view cmd, std::string const& msg) {
  std::fprintf(stderr, "enode %.*s: %s\n", static_cast<int>(cmd.size()), cmd.data(), msg.c_str());
  f.ok = false;
}

void release_environment(flags_parsed& f, std::string_view cmd) {
  if (cmd == "run") {
    if (auto problem = node::apply_environment(f.opts); !problem.empty()) refuse(f, cmd, problem);
    return;
  }
  // A client takes the release's cookie, EPMD port and name mode, not its node name.
  node::options env;
  if (auto problem = node::apply_environment(env); !problem.empty()) return refuse(f, cmd, problem);
  if (!f.opts.cookie) f.opts.cookie = env.cookie;
  if (!f.opts.log_level) f.opts.log_level = env.log_level;
  if (!f.opts.epmd_port) f.opts.epmd_port = env.epmd_port;
  char const* d = std::getenv("RELEASE_DISTRIBUTION");
  f.release_long_names = d && std::string_view(d) == "name";
}

flags_parsed parse_flags(std::span<char const* const> args, std::string_view cmd) {
  flags_parsed f;
  auto bad = [&](std::string const& msg) { refuse(f, cmd, msg); };
  for (std::size_t i = 0; i < args.size() && f.ok; ++i) {
    std::string_view a = args[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= args.size()) {
        bad("missing value after " + std::string(a));
        return std::nullopt;
      }
      return std::string_view(args[++i]);
    };
    if (a == "--help" || a == "-h") {
      f.help = true;
    } else if (a == "--name" || a == "--sname") {
      auto v = value();
      if (!v) break;
      f.opts.name = std::string(*v);
      f.opts.long_names = a == "--name";
    } else if (a == "--cookie") {
      auto v = value();
      if (!v) break;
      if (v->empty()) bad("empty cookie");
      f.opts.cookie = std::string(*v);
    } else if (a == "--hidden") {
      f.opts.hidden = true;
    } else if (a == "--listen-port") {
      // P, or a range MIN-MAX as inet_dist_listen_min/max give one
      auto v = value();
      if (!v) break;
      auto dash = v->find('-');
      auto lo = parse_port(v->substr(0, dash), dash == std::string_view::npos);
      auto hi = dash == std::string_view::npos ? lo : parse_port(v->substr(dash + 1), false);
      if (!lo || !hi || *hi < *lo) {
        bad("bad port or range '" + std::string(*v) + "' (P, or MIN-MAX)");
      } else {
        f.opts.listen_port = *lo;
        f.opts.listen_port_max = *hi;
      }
    } else if (a == "--epmd-port" || (a == "--port" && cmd == "epmd")) {
      auto v = value();
      if (!v) break;
      auto p = parse_port(*v, false);
      if (!p)
        bad("bad port '" + std::string(*v) + "'");
      else
        f.opts.epmd_port = *p;
    } else if (a == "--ticktime") {
      auto v = value();
      if (!v) break;
      auto t = parse_size(*v);
      if (!t || *t == 0 || *t > 86400)
        bad("bad ticktime '" + std::string(*v) + "' (seconds, 1..86400)");
      else
        f.opts.ticktime = std::chrono::seconds(*t);
    } else if (a == "--erpc") {
      f.erpc = true;
    } else if (a == "--timeout") {
      auto v = value();
      if (!v) break;
      auto t = parse_size(*v);
      if (!t || *t == 0 || *t > 4294967)
        bad("bad timeout '" + std::string(*v) + "' (seconds, 1..4294967)");
      else
        f.timeout = std::chrono::seconds(*t);
    } else if (a == "--log-level") {
      auto v = value();
      if (!v) break;
      if (auto l = log::parse_level(*v))
        f.opts.log_level = *l;
      else
        bad("bad log level '" + std::string(*v) + "' (error, warning, notice, info or debug)");
    } else if (a == "--no-embedded-epmd") {
      f.opts.embedded_epmd = false;
    } else if (a == "--http" && cmd == "run") {
      auto v = value();
      if (!v) break;
      auto spec = std::string(*v);
      if (spec.find(':') == std::string::npos) spec = "127.0.0.1:" + spec;
      auto o = http::parse_listen(spec);
      if (!o) {
        bad("bad --http '" + std::string(*v) + "' ([ADDRESS:]PORT, [IPV6]:PORT)");
      } else {
        auto token = f.opts.http ? f.opts.http->token : std::nullopt;
        f.opts.http = *o;
        f.opts.http->token = token;
        f.http = true;
      }
    } else if (a == "--http-token-file" && cmd == "run") {
      auto v = value();
      if (!v) break;
      std::ifstream in{std::string(*v)};
      std::string token;
      if (!in || !std::getline(in, token)) {
        bad("cannot read the token file '" + std::string(*v) + "'");
      } else {
        while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
        if (token.empty()) {
          bad("the token file '" + std::string(*v) + "' has an empty first line");
        } else {
          if (!f.opts.http) f.opts.http = http::server_options{};
          f.opts.http->token = token;
        }
      }
    } else if (a == "--sort" && cmd == "processes") {
      auto v = value();
      if (!v) break;
      if (*v != "mq" && *v != "reductions" && *v != "memory")
        bad("bad --sort '" + std::string(*v) + "' (mq, reductions or memory)");
      else
        f.sort = std::string(*v);
    } else if (a == "--limit" && cmd == "processes") {
      auto v = value();
      if (!v) break;
      auto n = parse_size(*v);
      if (!n || *n == 0)
        bad("bad --limit '" + std::string(*v) + "' (a count, 1 or more)");
      else
        f.limit = *n;
    } else if (a == "--connect" && cmd == "run") {
      auto v = value();
      if (!v) break;
      if (!dist::handshake::parse_node_name(*v))
        bad("'" + std::string(*v) + "' is not a node name (alive@host)");
      else
        f.opts.keep_connected.emplace_back(*v);
    } else if (a.starts_with("-")) {
      bad("unknown option '" + std::string(a) + "' (enode " + std::string(cmd) + " --help lists them)");
    } else {
      f.positional.push_back(a);
    }
  }
  if (f.ok && f.opts.http && !f.http) bad("--http-token-file needs --http");
  if (f.ok && !f.help) release_environment(f, cmd);
  return f;
}

std::string client_name() { return "enode_client_" + std::to_string(::getpid()); }

} // namespace

int run_command(std::span<char const* const> args) {
  auto f = parse_flags(args, "run");
  if (f.help) {
    std::fputs(run_usage, stdout);
    return 0;
  }
  if (!f.ok) return 2;
  if (f.opts.name.empty() || !f.positional.empty()) {
    std::fputs(run_usage, stderr);
    return 2;
  }
  // The demo: `echo` and `kv` under a supervisor, and the enode_demo functions. (This
  // program answered a hand-over's reserved argument in main, before any command.)
  node::application app;
  app.node = f.opts;
  app.setup = expose_demo;
  app.children = demo_children();
  app.supervisor_name = term::atom("enode_demo_sup");
  app.started = [](node::node& n) {
    std::printf("enode %s ready\n", std::string(n.name().name()).c_str());
    std::fflush(stdout);
  };
  char const* const name[] = {"enode run"}; // what its messages start with
  return node::run(1, name, std::move(app));
}

namespace {

// A client command (ping, call) with `count` arguments, the first a node name: its flags,
// with the options of a client node (hidden, quiet, named after this process unless a
// name was given, in the target's name mode as erl_call picks it). nullopt when the
// command ends here (--help, bad usage), with its exit status in `status`.
struct client_command {
  flags_parsed f;
  std::string target;
};

std::optional<client_command> parse_client(std::span<char const* const> args, char const* cmd, std::size_t count,
                                           int& status) {
  auto f = parse_flags(args, cmd);
  status = 2;
  if (f.help) {
    std::fputs(client_usage, stdout);
    status = 0;
    return std::nullopt;
  }
  if (!f.ok) return std::nullopt;
  if (f.positional.size() != count) {
    std::fputs(client_usage, stderr);
    return std::nullopt;
  }
  std::string t(f.positional[0]);
  if (t.find('@') == std::string::npos) {
    auto host = node::host_name(f.release_long_names);
    if (!host) {
      std::fprintf(stderr, "enode %s: this host's name: %s\n", cmd, host.error().message().c_str());
      status = 1;
      return std::nullopt;
    }
    t += '@' + *host;
  }
  if (!dist::handshake::parse_node_name(t)) {
    std::fprintf(stderr, "enode %s: '%s' is not a node name (alive@host)\n", cmd, t.c_str());
    return std::nullopt;
  }
  if (f.opts.name.empty()) {
    f.opts.name = client_name();
    auto host = t.substr(t.find('@') + 1);
    f.opts.long_names = host.find('.') != std::string::npos;
  }
  f.opts.hidden = true;
  f.opts.threads = 1;
  f.opts.embedded_epmd = false;
  f.opts.log = [](std::string_view) {}; // a client reports only its answer
  return client_command{std::move(f), std::move(t)};
}

} // namespace

int with_client(std::span<char const* const> args, char const* cmd, std::size_t count,
                std::function<int(node::node&, term::atom, client_options const&)> const& body) {
  int status = 0;
  auto c = parse_client(args, cmd, count, status);
  if (!c) return status;
  node::node n(c->f.opts);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "enode %s: cannot start a client node: %s\n", cmd, r.error().message().c_str());
    return 1;
  }
  auto const peer = term::atom(c->target);
  if (auto up = n.connect(peer); !up) {
    std::fprintf(stderr, "enode %s: cannot connect to %s: %s\n", cmd, c->target.c_str(), up.error().message().c_str());
    n.stop();
    return 1;
  }
  status = body(n, peer, client_options{c->f.sort, c->f.limit});
  n.stop();
  return status;
}

int ping_command(std::span<char const* const> args) {
  int status = 0;
  auto c = parse_client(args, "ping", 1, status);
  if (!c) return status;
  node::node n(c->f.opts);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "enode ping: cannot start a client node: %s\n", r.error().message().c_str());
    std::puts("pang");
    return 1;
  }
  auto const r = n.ping(term::atom(c->target));
  if (!r) std::fprintf(stderr, "enode ping: %s: %s\n", c->target.c_str(), r.error().message().c_str());
  bool const pong = static_cast<bool>(r);
  std::puts(pong ? "pong" : "pang");
  n.stop();
  return pong ? 0 : 1;
}

int call_command(std::span<char const* const> args) {
  int status = 0;
  auto c = parse_client(args, "call", 4, status);
  if (!c) return status;
  auto const& f = c->f;
  term::parse_failure why;
  auto call_args = term::parse(f.positional[3], &why);
  if (!call_args || !call_args->is_proper_list()) {
    if (call_args)
      std::fprintf(stderr, "enode call: ARGS must be a list in Erlang syntax, such as '[[1,2,3]]'\n");
    else
      std::fprintf(
          stderr, "enode call: ARGS, line %zu, column %zu: %s (a list in Erlang syntax, such as '[[1,2,3]]')\n",
          why.line, why.column, why.message.empty() ? call_args.error().message().c_str() : why.message.c_str());
    return 2;
  }
  node::node n(f.opts);
  if (auto r = n.start(); !r) {
    std::fprintf(stderr, "enode call: cannot start a client node: %s\n", r.error().message().c_str());
    return 1;
  }
  auto const peer = term::atom(c->target);
  if (auto up = n.connect(peer); !up) {
    std::fprintf(stderr, "enode call: cannot connect to %s: %s\n", c->target.c_str(), up.error().message().c_str());
    n.stop();
    return 1;
  }
  runtime::timeout t = runtime::infinity;
  if (f.timeout) t = *f.timeout;
  auto const m = term::atom(f.positional[1]), fn = term::atom(f.positional[2]);
  term::value result;
  status = 0;
  {
    node::blocking me(n);
    if (!f.erpc) {
      result = me.run([&](runtime::process& p) -> runtime::awaitable<term::value> {
        co_return co_await node::rpc::call(p, peer, m, fn, *call_args, t);
      });
    } else {
      try {
        result = me.run([&](runtime::process& p) -> runtime::awaitable<term::value> {
          co_return co_await node::erpc::call(p, peer, m, fn, *call_args, t);
        });
      } catch (std::exception const& e) {
        // runtime's Erlang exceptions print as "Class: Term".
        std::printf("%s\n", e.what());
        status = 3;
      }
    }
  }
  if (status == 0) std::puts(term::to_string(result).c_str());
  n.stop();
  return status;
}

int names_command(std::span<char const* const> args) {
  auto f = parse_flags(args, "names");
  if (f.help) {
    std::fputs(client_usage, stdout);
    return 0;
  }
  if (!f.ok || f.positional.size() > 1) return 2;
  std::string host = f.positional.empty() ? "localhost" : std::string(f.positional[0]);
  std::uint16_t port = f.opts.epmd_port ? *f.opts.epmd_port : dist::epmd::default_port();
  net::io_context ioc;
  result<dist::epmd::names_reply> r = dist::error::closed;
  std::exception_ptr failed;
  net::co_spawn(
      ioc, [&]() -> net::awaitable<void> { r = co_await dist::epmd::async_names(host, port, 5s); },
      [&](std::exception_ptr e) { failed = e; });
  ioc.run();
  if (failed) {
    std::fprintf(stderr, "enode names: the EPMD request failed unexpectedly\n");
    return 1;
  }
  if (!r) {
    std::fprintf(stderr, "enode names: no EPMD on %s port %u: %s\n", host.c_str(), port, r.error().message().c_str());
    return 1;
  }
  std::printf("epmd: up and running on port %u with data:\n", r->epmd_port);
  for (auto const& [name, p] : r->nodes) std::printf("name %s at port %u\n", name.c_str(), p);
  return 0;
}

int epmd_command(std::span<char const* const> args) {
  auto f = parse_flags(args, "epmd");
  if (f.help) {
    std::fputs(epmd_usage, stdout);
    return 0;
  }
  if (!f.ok) return 2;
  if (!f.positional.empty()) {
    std::fputs(epmd_usage, stderr);
    return 2;
  }
  return node::serve_epmd(f.opts.epmd_port);
}

} // namespace enode::cli
