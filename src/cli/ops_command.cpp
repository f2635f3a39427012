// `enode info` and `enode processes`: what an operator asks a running node, through rpc,
// of enode and BEAM nodes alike.
#include "cli/commands.hpp"

#include <enode/node/blocking.hpp>
#include <enode/node/rpc.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace enode::cli {
namespace {

using namespace std::chrono_literals;

// rpc:call(Peer, M, F, Args) from a blocking client; the answer, or {badrpc, _}.
term::value call(node::blocking& me, term::atom peer, char const* m, char const* f, term::value args) {
  return me.run([&](runtime::process& p) -> runtime::awaitable<term::value> {
    co_return co_await node::rpc::call(p, peer, term::atom(m), term::atom(f), args, std::chrono::seconds(30));
  });
}

bool is_badrpc(term::value const& v) { return term::is_record(v, term::atom("badrpc"), 2); }

std::string bytes(std::int64_t n) {
  char buf[32];
  if (n >= 1 << 30)
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(n) / (1 << 30));
  else if (n >= 1 << 20)
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1 << 20));
  else if (n >= 1 << 10)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / (1 << 10));
  else
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  return buf;
}

std::string duration(std::int64_t ms) {
  auto s = ms / 1000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm %02llds", static_cast<long long>(s / 86400),
                static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60),
                static_cast<long long>(s % 60));
  return buf;
}

std::int64_t int_of(term::value const& v) { return v.is_small() ? v.as_int() : 0; }

// An Erlang string's text.
std::string text_of(term::value const& v) {
  std::string s;
  if (v.is_proper_list())
    for (auto const& c : v.list_elements())
      if (c.is_small() && c.as_int() > 0 && c.as_int() < 128) s += static_cast<char>(c.as_int());
  return s;
}

// A pid as the node itself prints it: <0.Id.Serial>.
std::string pid_text(term::value const& p, term::atom peer) {
  if (!p.is_pid() || p.as_pid().node != peer) return term::to_string(p);
  return "<0." + std::to_string(p.as_pid().id) + "." + std::to_string(p.as_pid().serial) + ">";
}

// The value of `key` in a proplist, or [] (BEAM's own answer for a missing name).
term::value item(term::value const& list, char const* key) {
  if (!list.is_proper_list()) return term::list_of({});
  for (auto const& kv : list.list_elements())
    if (kv.is_tuple() && kv.arity() == 2 && kv[0].is_atom(key)) return kv[1];
  return term::list_of({});
}

int info(node::node& n, term::atom peer, client_options const&) {
  node::blocking me(n);
  auto const none = term::list_of({});
  auto wall = call(me, peer, "erlang", "statistics", term::list_of({term::atom("wall_clock")}));
  if (is_badrpc(wall)) {
    std::fprintf(stderr, "enode info: %s: %s\n", std::string(peer.name()).c_str(), term::to_string(wall).c_str());
    return 1;
  }
  auto procs = call(me, peer, "erlang", "system_info", term::list_of({term::atom("process_count")}));
  auto scheds = call(me, peer, "erlang", "system_info", term::list_of({term::atom("schedulers_online")}));
  auto mem = call(me, peer, "erlang", "memory", none);
  auto nodes = call(me, peer, "erlang", "nodes", term::list_of({term::atom("connected")}));
  auto pid = call(me, peer, "os", "getpid", none);
  std::printf("node         %s\n", std::string(peer.name()).c_str());
  std::printf("uptime       %s\n", duration(wall.is_tuple() ? int_of(wall[0]) : 0).c_str());
  std::printf("processes    %lld\n", static_cast<long long>(int_of(procs)));
  std::printf("schedulers   %lld\n", static_cast<long long>(int_of(scheds)));
  std::printf("memory       total %s, processes %s, atoms %s\n", bytes(int_of(item(mem, "total"))).c_str(),
              bytes(int_of(item(mem, "processes"))).c_str(), bytes(int_of(item(mem, "atom"))).c_str());
  std::string peers;
  if (nodes.is_proper_list())
    for (auto const& x : nodes.list_elements())
      if (x.is_atom() && !x.as_atom().name().starts_with("enode_client_"))
        peers += (peers.empty() ? "" : ", ") + std::string(x.as_atom().name());
  std::printf("connections  %s\n", peers.empty() ? "(none)" : peers.c_str());
  std::printf("os pid       %s\n", pid.is_list() ? text_of(pid).c_str() : "?");
  return 0;
}

int processes(node::node& n, term::atom peer, client_options const& o) {
  node::blocking me(n);
  auto pids = call(me, peer, "erlang", "processes", term::list_of({}));
  if (!pids.is_proper_list()) {
    std::fprintf(stderr, "enode processes: %s: %s\n", std::string(peer.name()).c_str(), term::to_string(pids).c_str());
    return 1;
  }
  auto const items = term::list_of({term::atom("registered_name"), term::atom("status"),
                                    term::atom("message_queue_len"), term::atom("reductions"), term::atom("memory")});
  struct row {
    std::string pid, name, status;
    std::int64_t mq = 0, reductions = 0, memory = 0;
  };
  std::vector<row> rows;
  for (auto const& p : pids.list_elements()) {
    auto info = call(me, peer, "erlang", "process_info", term::list_of({p, items}));
    if (!info.is_proper_list()) continue; // ended meanwhile
    auto const name = item(info, "registered_name");
    rows.push_back(row{pid_text(p, peer), name.is_atom() ? std::string(name.as_atom().name()) : "",
                       term::to_string(item(info, "status")), int_of(item(info, "message_queue_len")),
                       int_of(item(info, "reductions")), int_of(item(info, "memory"))});
  }
  auto const key = [&](row const& r) {
    return o.sort == "reductions" ? r.reductions : o.sort == "memory" ? r.memory : r.mq;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](row const& a, row const& b) { return key(a) > key(b); });
  std::printf("%-14s %-24s %-9s %8s %12s %10s\n", "PID", "NAME", "STATUS", "MQ", "REDUCTIONS", "MEMORY");
  for (std::size_t i = 0; i < rows.size() && i < o.limit; ++i) {
    auto const& r = rows[i];
    std::printf("%-14s %-24s %-9s %8lld %12lld %10s\n", r.pid.c_str(), r.name.c_str(), r.status.c_str(),
                static_cast<long long>(r.mq), static_cast<long long>(r.reductions), bytes(r.memory).c_str());
  }
  std::printf("(%zu processes)\n", rows.size());
  return 0;
}

} // namespace

int info_command(std::span<char const* const> args) { return with_client(args, "info", 1, info); }
int processes_command(std::span<char const* const> args) { return with_client(args, "processes", 1, processes); }

} // namespace enode::cli
