// What tooling asks a node over rpc and erpc (observer, recon-style calls, erl_call,
// `:rpc.call(node, :erlang, :processes, [])`), answered as a BEAM node answers where
// enode has an honest answer, and `badarg` (as for an unknown item) where it has none.
#include "apply.hpp"
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>
#include <enode/version.hpp>

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

namespace enode::node {
namespace {

namespace atoms = term::atoms;
using runtime::awaitable;
using runtime::process;
using args_t = std::span<term::value const>;

[[noreturn]] void badarg() { throw runtime::error_exception(atoms::badarg); }

term::value tuple2(char const* tag, term::value v) { return term::tuple_of({term::atom(tag), std::move(v)}); }
term::value integer(std::uint64_t n) { return term::value(n); }

// What Erlang calls a C++ process body: a fun, run by erlang:apply/2.
term::value erlang_apply2() { return term::tuple_of({term::atom("erlang"), term::atom("apply"), term::value(2)}); }

// --- process_info --------------------------------------------------------------------------------

bool needs_relations(term::atom item) {
  auto const n = item.name();
  return n == "links" || n == "monitors" || n == "monitored_by" || n == "messages";
}

struct info_source {
  process& asker;
  node_impl& node;
  runtime::process_info info;
  std::optional<runtime::process_relations> rel; // when an item needed it
};

/// `{Item, Value}`, or nullopt for an item enode has no answer to (badarg, as BEAM for
/// an unknown one).
std::optional<term::value> info_item(info_source const& s, term::atom item) {
  auto const& i = s.info;
  auto const n = item.name();
  auto const item_v = term::value(item);
  auto pair = [&](term::value v) { return term::tuple_of({item_v, std::move(v)}); };
  auto list = [&](std::vector<term::value> const& v) { return pair(term::list_of(v)); };
  if (n == "registered_name") return pair(i.registered_name ? term::value(*i.registered_name) : term::list_of({}));
  if (n == "status") {
    if (i.pid == s.asker.pid()) return pair(term::atom("running"));
    return pair(term::atom(runtime::to_string(i.status)));
  }
  if (n == "message_queue_len") return pair(integer(i.message_queue_len));
  if (n == "trap_exit") return pair(i.trap_exit ? atoms::true_ : atoms::false_);
  if (n == "memory") return pair(integer(i.memory));
  if (n == "reductions") return pair(integer(i.reductions));
  if (n == "priority") return pair(term::atom("normal")); // enode has no priorities: all run alike
  if (n == "group_leader")                                // the node's I/O server: where output goes
    return pair(s.node.group_leader().is_pid() ? s.node.group_leader() : term::value(i.pid));
  if (n == "dictionary") {
    std::vector<term::value> d;
    for (auto const& [k, v] : i.dictionary) d.push_back(term::tuple_of({k, v}));
    return list(d);
  }
  // A process started as gen_servers and supervisors are (proc_lib's way) shows
  // proc_lib's initial call, its own in the dictionary.
  if (n == "initial_call")
    return pair(dictionary_initial_call(i)
                    ? term::tuple_of({term::atom("proc_lib"), term::atom("init_p"), term::value(5)})
                    : erlang_apply2());
  if (n == "current_function") return pair(current_function(i));
  if (s.rel) {
    if (n == "links") return list(s.rel->links);
    if (n == "monitors") return list(s.rel->monitors);
    if (n == "monitored_by") return list(s.rel->monitored_by);
    if (n == "messages") return list(s.rel->messages);
  }
  return std::nullopt;
}

// process_info/1's items, in BEAM's order, of those enode answers.
constexpr char const* default_items[] = {
    "registered_name", "current_function", "initial_call", "status",       "message_queue_len", "links",
    "dictionary",      "trap_exit",        "priority",     "group_leader", "reductions"};

/// process_info(Pid, Items): `undefined` for a process not alive, `badarg` for a pid of
/// another node or an item enode does not answer.
awaitable<term::value> process_info(process& self, node_impl& n, term::value const& pid, term::value const& what,
                                    bool all) {
  if (!pid.is_pid() || !n.system().is_local(pid.as_pid())) badarg();
  std::vector<term::atom> items;
  if (all) {
    for (auto const* name : default_items) items.emplace_back(name);
  } else if (what.is_atom()) {
    items.push_back(what.as_atom());
  } else if (what.is_proper_list()) {
    for (auto const& x : what.list_elements()) {
      if (!x.is_atom()) badarg();
      items.push_back(x.as_atom());
    }
  } else {
    badarg();
  }
  auto info = n.system().info(pid.as_pid());
  if (!info) co_return atoms::undefined;
  info_source s{self, n, std::move(*info), std::nullopt};
  bool with_messages = false, relations = false;
  for (auto const& it : items) {
    relations = relations || needs_relations(it);
    with_messages = with_messages || it.name() == "messages";
  }
  if (relations) {
    s.rel = co_await self.inspect(pid.as_pid(), with_messages);
    if (!s.rel) co_return atoms::undefined;
  }
  std::vector<term::value> out;
  for (auto const& it : items) {
    auto v = info_item(s, it);
    if (!v) badarg();
    if (all && it.name() == "registered_name" && !s.info.registered_name) continue; // left out, as BEAM does
    out.push_back(std::move(*v));
  }
  if (!all && what.is_atom()) {
    // A single item: `{Item, Value}`, but a bare `[]` for a process without a name.
    if (items.front().name() == "registered_name" && !s.info.registered_name) co_return term::list_of({});
    co_return out.front();
  }
  co_return term::list_of(out);
}

// --- memory, system_info, statistics -------------------------------------------------------------------

/// erlang:memory/0's items that enode can tell: total (resident), processes (their own
/// structures and queued message nodes), system, atom (estimated), code and ets (none).
std::vector<std::pair<std::string, std::uint64_t>> memory_items(node_impl& n) {
  std::uint64_t procs = 0;
  for (auto const& i : n.system().processes()) procs += i.memory;
  auto const total = std::max(resident_bytes(), procs);
  auto const atom_bytes = static_cast<std::uint64_t>(term::atom::count()) * 48; // an entry and its text, about
  return {{"total", total},
          {"processes", procs},
          {"processes_used", procs},
          {"system", total - procs},
          {"atom", atom_bytes},
          {"atom_used", atom_bytes},
          {"code", 0},
          {"ets", 0}};
}

term::value memory(node_impl& n, term::value const* what) {
  auto const items = memory_items(n);
  auto find = [&](term::value const& k) -> term::value {
    if (!k.is_atom()) badarg();
    for (auto const& [name, v] : items)
      if (k.as_atom().name() == name) return integer(v);
    badarg(); // binary: not counted; maximum: no instrumentation
  };
  if (!what) {
    std::vector<term::value> out;
    for (auto const& [name, v] : items) out.push_back(term::tuple_of({term::atom(name), integer(v)}));
    return term::list_of(out);
  }
  if (what->is_atom()) return find(*what);
  if (!what->is_proper_list()) badarg();
  std::vector<term::value> out;
  for (auto const& k : what->list_elements()) out.push_back(term::tuple_of({k, find(k)}));
  return term::list_of(out);
}

std::uint64_t logical_processors() {
  auto n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

std::string architecture() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return std::string(u.machine) + "-pc-" + (std::string(u.sysname) == "Linux" ? "linux-gnu" : u.sysname);
}

term::value system_info(node_impl& n, term::value const& item) {
  if (!item.is_atom()) badarg();
  auto const k = item.as_atom().name();
  auto const threads = integer(n.scheduler().threads());
  if (k == "process_count") return integer(n.system().stats().processes);
  if (k == "process_limit") return integer(std::uint64_t{1} << 28); // local pid Ids are 28 bits, never reused
  if (k == "schedulers" || k == "schedulers_online") return threads;
  if (k == "logical_processors" || k == "logical_processors_online" || k == "logical_processors_available")
    return integer(logical_processors());
  if (k == "atom_count") return integer(term::atom::count());
  if (k == "atom_limit") return integer(term::atom::limit());
  if (k == "port_count" || k == "ets_count") return integer(0); // enode has neither ports nor ETS
  if (k == "wordsize") return integer(sizeof(void*));
  if (k == "smp_support" || k == "threads" || k == "kernel_poll") return atoms::true_;
  if (k == "multi_scheduling") return term::atom("enabled");
  if (k == "system_architecture") return term::string_of(architecture());
  if (k == "os_type") return term::tuple_of({term::atom("unix"), term::atom("linux")});
  if (k == "creation") return integer(n.creation());
  if (k == "system_version")
    return term::string_of("enode " + std::string(ENODE_VERSION_STRING) +
                           " [64-bit] [smp:" + std::to_string(n.scheduler().threads()) + "]\n");
  badarg(); // otp_release, version, machine, ...: enode is not an OTP release
}

std::int64_t since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

/// `{Total, SinceLastCall}`, the last call's total kept in `last`.
term::value with_last(std::uint64_t total, std::atomic<std::uint64_t>& last) {
  auto const before = last.exchange(total);
  return term::tuple_of({integer(total), integer(total >= before ? total - before : 0)});
}

std::uint64_t cpu_ms() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1000 + static_cast<std::uint64_t>(t.tv_nsec) / 1000000;
}

struct statistics_state {
  std::atomic<std::uint64_t> wall{0}, runtime{0}, reductions{0};
};

term::value statistics(node_impl& n, statistics_state& st, term::value const& item) {
  if (!item.is_atom()) badarg();
  auto const k = item.as_atom().name();
  if (k == "run_queue" || k == "total_run_queue_lengths" || k == "total_run_queue_lengths_all") {
    std::uint64_t runnable = 0;
    for (auto const& i : n.system().processes())
      if (i.status == runtime::process_status::runnable) ++runnable;
    return integer(runnable);
  }
  if (k == "wall_clock") return with_last(static_cast<std::uint64_t>(since(n.started_at())), st.wall);
  if (k == "runtime") return with_last(cpu_ms(), st.runtime);
  if (k == "reductions" || k == "exact_reductions") return with_last(n.system().stats().turns, st.reductions);
  if (k == "io") {
    std::uint64_t in = 0, out = 0;
    for (auto const& p : n.metrics(0).peers) {
      in += p.bytes_in;
      out += p.bytes_out;
    }
    return term::tuple_of({tuple2("input", integer(in)), tuple2("output", integer(out))});
  }
  badarg();
}

// --- time ---------------------------------------------------------------------------------------------

/// The unit's parts per second (native is the nanosecond, as on Linux BEAMs).
std::int64_t per_second(term::value const& unit) {
  if (unit.is_small() && unit.as_int() > 0) return unit.as_int();
  if (!unit.is_atom()) badarg();
  auto const u = unit.as_atom().name();
  if (u == "second" || u == "seconds") return 1;
  if (u == "millisecond" || u == "milli_seconds") return 1000;
  if (u == "microsecond" || u == "micro_seconds") return 1000000;
  if (u == "nanosecond" || u == "nano_seconds" || u == "native" || u == "perf_counter") return 1000000000;
  badarg();
}

term::value in_unit(std::chrono::nanoseconds t, term::value const* unit) {
  auto const ns = t.count();
  if (!unit) return term::value(ns);
  auto const per = per_second(*unit);
  // floor(ns * per / 1e9), without overflow for the units above.
  auto const secs = ns / 1000000000, rest = ns % 1000000000;
  return term::value(secs * per + (rest * per) / 1000000000);
}

std::chrono::nanoseconds system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
}
std::chrono::nanoseconds monotonic_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

// --- stopping ------------------------------------------------------------------------------------------

int status_of(term::value const& v) {
  if (v.is_small() && v.as_int() >= 0) return static_cast<int>(v.as_int() & 0xff);
  if (v.is_list() || v.is_atom("abort")) return 1; // a crash dump slogan, or abort
  badarg();
}

} // namespace

std::optional<term::value> dictionary_initial_call(runtime::process_info const& i) {
  for (auto const& [k, v] : i.dictionary)
    if (k.is_atom("$initial_call")) return v;
  return std::nullopt;
}

term::value current_function(runtime::process_info const& i) {
  auto own = dictionary_initial_call(i);
  return own ? *own : erlang_apply2();
}

void add_tooling(node_impl& n) {
  auto& f = n.functions();
  auto const add = [&f](char const* m, char const* fn, std::size_t arity, function_body body) {
    f.add(term::atom(m), term::atom(fn), arity, std::move(body));
  };
  add("erlang", "processes", 0, [&n](process&, args_t) -> awaitable<term::value> {
    std::vector<term::value> out;
    for (auto const& i : n.system().processes()) out.emplace_back(i.pid);
    co_return term::list_of(out);
  });
  add("erlang", "process_info", 1, [&n](process& self, args_t a) -> awaitable<term::value> {
    co_return co_await process_info(self, n, a[0], {}, true);
  });
  add("erlang", "process_info", 2, [&n](process& self, args_t a) -> awaitable<term::value> {
    co_return co_await process_info(self, n, a[0], a[1], false);
  });
  add("erlang", "memory", 0, [&n](process&, args_t) -> awaitable<term::value> { co_return memory(n, nullptr); });
  add("erlang", "memory", 1, [&n](process&, args_t a) -> awaitable<term::value> { co_return memory(n, &a[0]); });
  add("erlang", "system_info", 1,
      [&n](process&, args_t a) -> awaitable<term::value> { co_return system_info(n, a[0]); });
  auto st = std::make_shared<statistics_state>();
  add("erlang", "statistics", 1,
      [&n, st](process&, args_t a) -> awaitable<term::value> { co_return statistics(n, *st, a[0]); });
  add("erlang", "system_time", 0,
      [](process&, args_t) -> awaitable<term::value> { co_return in_unit(system_now(), nullptr); });
  add("erlang", "system_time", 1,
      [](process&, args_t a) -> awaitable<term::value> { co_return in_unit(system_now(), &a[0]); });
  add("erlang", "monotonic_time", 0,
      [](process&, args_t) -> awaitable<term::value> { co_return in_unit(monotonic_now(), nullptr); });
  add("erlang", "monotonic_time", 1,
      [](process&, args_t a) -> awaitable<term::value> { co_return in_unit(monotonic_now(), &a[0]); });
  f.add("os", "getpid", [] { return term::string_of(std::to_string(::getpid())); });
  f.add("os", "type", [] { return term::tuple_of({term::atom("unix"), term::atom("linux")}); });
  f.add("net_adm", "localhost", [&n] {
    auto h = host_name(n.opts().long_names);
    return term::string_of(h ? *h : std::string("localhost"));
  });
  f.add("net_kernel", "get_net_ticktime", [&n] { return static_cast<std::int64_t>(n.opts().ticktime.count()); });

  // erlang:apply/2,3: what erpc:call(Node, fun M:F/0) and rpc:call(Node, erlang, apply,
  // [M, F, A]) send; they reach the functions the node serves.
  auto const rethrow = [](outcome o) -> term::value {
    switch (o.what) {
      case outcome::kind::returned: return std::move(o.value);
      case outcome::kind::thrown: throw runtime::throw_exception(o.value);
      case outcome::kind::exited: throw runtime::exit_exception(o.value);
      case outcome::kind::error: break;
    }
    throw runtime::error_exception(o.value);
  };
  add("erlang", "apply", 3, [&n, rethrow](process& self, args_t a) -> awaitable<term::value> {
    co_return rethrow(co_await apply(self, n.functions(), a[0], a[1], a[2]));
  });
  add("erlang", "apply", 2, [&n, rethrow](process& self, args_t a) -> awaitable<term::value> {
    if (!a[0].is_external_fun()) throw runtime::error_exception(term::tuple_of({term::atom("badfun"), a[0]}));
    auto const& fun = a[0].as_external_fun();
    if (!a[1].is_proper_list() || a[1].list_elements().size() != fun.arity)
      throw runtime::error_exception(term::tuple_of({term::atom("badarity"), term::tuple_of({a[0], a[1]})}));
    co_return rethrow(co_await apply(self, n.functions(), term::value(fun.module), term::value(fun.function), a[1]));
  });

  // Stopping from afar, as erl_call -q (erlang:halt/0) and init:stop do. halt does not
  // return: the connections go at once, as the node would vanish. init:stop answers ok,
  // and the node stops once that answer is on its way (when the process that serves the
  // call has ended: its end carries an erpc call's answer).
  auto const halt = [&n](process& self, int status) -> awaitable<term::value> {
    n.request_stop(status, true);
    co_await self.sleep(runtime::infinity);
    co_return atoms::ok;
  };
  auto const init_stop = [&n](process& self, int status) -> awaitable<term::value> {
    auto const server = term::value(self.pid());
    self.spawn([&n, server, status](process& p) -> awaitable<> {
      auto const mref = p.monitor(server);
      (void)co_await p.receive([&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == mref; },
                               runtime::infinity);
      n.request_stop(status, false);
    });
    co_return atoms::ok;
  };
  add("erlang", "halt", 0, [halt](process& self, args_t) { return halt(self, 0); });
  add("erlang", "halt", 1, [halt](process& self, args_t a) { return halt(self, status_of(a[0])); });
  add("erlang", "halt", 2, [halt](process& self, args_t a) { return halt(self, status_of(a[0])); });
  add("init", "stop", 0, [init_stop](process& self, args_t) { return init_stop(self, 0); });
  add("init", "stop", 1, [init_stop](process& self, args_t a) { return init_stop(self, status_of(a[0])); });
}

} // namespace enode::node
