// The node's admin endpoints (options::http): Prometheus metrics, health, JSON views of
// its processes, connections and nodes, a stream of its counters, and the status page.
#include "node/admin.hpp"

#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/http/prometheus.hpp>
#include <enode/term/print.hpp>
#include <enode/version.hpp>

#include "node/admin_page.hpp" // generated from admin_page.html

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace enode::node {
namespace {

namespace json = boost::json;
using http::request;
using http::response;

std::string pid_text(term::pid const& p, term::atom local) {
  if (p.node == local) return "<0." + std::to_string(p.id) + "." + std::to_string(p.serial) + ">";
  return term::to_string(term::value(p));
}

std::optional<term::pid> parse_pid(std::string_view s, node_impl& n) {
  unsigned zero = 1, id = 0, serial = 0;
  char tail = 0;
  if (std::sscanf(std::string(s).c_str(), "<%u.%u.%u>%c", &zero, &id, &serial, &tail) != 3 || zero != 0)
    return std::nullopt;
  return term::pid{n.name(), id, serial, n.creation()};
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto const secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::value initial_call_of(runtime::process_info const& i) {
  auto own = dictionary_initial_call(i);
  return own ? json::value(term::to_string(*own)) : json::value(nullptr);
}

json::object process_object(runtime::process_info const& i, term::atom local) {
  json::object o;
  o["pid"] = pid_text(i.pid, local);
  o["name"] = i.registered_name ? json::value(std::string(i.registered_name->name())) : json::value(nullptr);
  o["status"] = std::string(runtime::to_string(i.status));
  o["message_queue_len"] = i.message_queue_len;
  o["reductions"] = i.reductions;
  o["memory"] = i.memory;
  o["links"] = i.links;
  o["monitors"] = i.monitors;
  o["monitored_by"] = i.monitored_by;
  o["trap_exit"] = i.trap_exit;
  o["initial_call"] = initial_call_of(i);
  return o;
}

std::size_t number_param(request const& r, char const* name, std::size_t fallback, std::size_t most) {
  auto it = r.query.find(name);
  if (it == r.query.end()) return fallback;
  std::size_t v = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9') return fallback;
    v = v * 10 + static_cast<std::size_t>(c - '0');
    if (v > most) return most;
  }
  return v;
}

response json_response(unsigned status, json::value const& v) { return response::json(status, json::serialize(v)); }

// Runs `body` in a process of the node and waits for it on the caller's strand. The
// waiting coroutine is woken with a timer's cancel posted there when the process's body
// is destroyed: after it ran, or without running if the process was killed first (a
// node that stops), so that nothing waits forever.
template <class T>
net::awaitable<std::optional<T>> in_process(node_impl& n,
                                            std::function<runtime::awaitable<T>(runtime::process&)> body) {
  struct shared {
    std::mutex mutex;
    std::optional<T> value;
    bool done = false;
  };
  auto st = std::make_shared<shared>();
  auto timer =
      std::make_shared<net::steady_timer>(co_await net::this_coro::executor, net::steady_timer::time_point::max());
  struct wake {
    std::shared_ptr<shared> st;
    std::shared_ptr<net::steady_timer> timer;
    ~wake() {
      {
        std::lock_guard g(st->mutex);
        st->done = true;
      }
      net::post(timer->get_executor(), [t = timer] { t->cancel(); });
    }
  };
  auto on_end = std::shared_ptr<wake>(new wake{st, timer}); // (not a temporary: its end wakes)
  auto spawned = n.system().spawn([st, on_end, body = std::move(body)](runtime::process& p) -> runtime::awaitable<> {
    auto v = co_await body(p);
    std::lock_guard g(st->mutex);
    st->value = std::move(v);
  });
  on_end.reset(); // the body holds the last reference
  if (!spawned) co_return std::nullopt;
  for (;;) {
    {
      std::lock_guard g(st->mutex);
      if (st->done) co_return std::move(st->value);
    }
    co_await timer->async_wait(net::as_tuple(net::use_awaitable));
  }
}

// --- the routes --------------------------------------------------------------------------------------

std::string metrics_text(node_impl& n) {
  auto const m = n.metrics(10);
  http::prometheus::writer w;
  auto gauge = [&](char const* name, char const* help, double v) {
    w.family(name, "gauge", help);
    w.sample(name, {}, v);
  };
  auto counter = [&](char const* name, char const* help, std::uint64_t v) {
    w.family(name, "counter", help);
    w.sample(name, {}, v);
  };
  gauge("enode_uptime_seconds", "Seconds since the node started.", static_cast<double>(m.uptime.count()) / 1000.0);
  gauge("enode_processes", "Processes alive.", static_cast<double>(m.runtime.processes));
  counter("enode_processes_spawned_total", "Processes spawned.", m.runtime.spawned);
  w.family("enode_processes_exited_total", "counter", "Processes ended, by reason: normal, shutdown, other.");
  w.sample("enode_processes_exited_total", {{"reason", "normal"}}, m.runtime.exited_normal);
  w.sample("enode_processes_exited_total", {{"reason", "shutdown"}}, m.runtime.exited_shutdown);
  w.sample("enode_processes_exited_total", {{"reason", "other"}}, m.runtime.exited_other);
  counter("enode_messages_delivered_total", "Messages put in local mailboxes, from any node.", m.runtime.messages_sent);
  counter("enode_messages_received_total", "Messages taken out of mailboxes by a receive.",
          m.runtime.messages_received);
  counter("enode_reductions_total", "Turns processes had on a scheduler.", m.runtime.turns);
  gauge("enode_timers", "Timers pending.", static_cast<double>(m.runtime.timers));
  gauge("enode_atoms", "Atoms in the atom table.", static_cast<double>(term::atom::count()));
  gauge("enode_schedulers", "Scheduler threads.", static_cast<double>(m.schedulers));
  w.family("enode_scheduler_busy_seconds_total", "counter", "Time the scheduler threads ran handlers, summed.");
  w.sample("enode_scheduler_busy_seconds_total", {}, static_cast<double>(m.scheduler_busy.count()) / 1e9);
  gauge("enode_dist_connections", "Distribution connections up.", static_cast<double>(m.connections));
  counter("enode_dist_connects_total", "Distribution connections made.", m.connects);
  counter("enode_dist_disconnects_total", "Distribution connections lost or closed.", m.disconnects);
  counter("enode_dist_ticks_missed_total", "Connections closed because the peer missed its ticks.", m.ticks_missed);
  counter("enode_dist_decode_errors_total", "Distribution packets that did not decode.", m.decode_errors);
  if (!m.handshakes_failed.empty()) {
    w.family("enode_dist_handshakes_failed_total", "counter", "Connection setups that failed, by reason.");
    for (auto const& [reason, count] : m.handshakes_failed)
      w.sample("enode_dist_handshakes_failed_total", {{"reason", reason}}, count);
  }
  if (!m.peers.empty()) {
    struct per_peer {
      char const* name;
      char const* help;
      std::uint64_t peer_metrics::*field;
    };
    static constexpr per_peer families[] = {
        {"enode_dist_messages_received_total", "Messages received from the peer.", &peer_metrics::messages_in},
        {"enode_dist_messages_sent_total", "Messages sent to the peer.", &peer_metrics::messages_out},
        {"enode_dist_bytes_received_total", "Bytes received from the peer.", &peer_metrics::bytes_in},
        {"enode_dist_bytes_sent_total", "Bytes sent to the peer.", &peer_metrics::bytes_out}};
    for (auto const& f : families) {
      w.family(f.name, "counter", f.help);
      for (auto const& p : m.peers) w.sample(f.name, {{"peer", std::string(p.node.name())}}, p.*f.field);
    }
    w.family("enode_dist_peer_up", "gauge", "Whether the connection to the peer is up.");
    for (auto const& p : m.peers)
      w.sample("enode_dist_peer_up", {{"peer", std::string(p.node.name())}}, p.connected ? 1.0 : 0.0);
  }
  if (!m.longest_mailboxes.empty()) {
    w.family("enode_mailbox_length", "gauge", "Messages queued, for the processes with the longest queues.");
    for (auto const& b : m.longest_mailboxes)
      w.sample("enode_mailbox_length",
               {{"pid", pid_text(b.pid, m.node)}, {"name", b.name ? std::string(b.name->name()) : std::string()}},
               static_cast<double>(b.length));
  }
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("process_resident_memory_bytes", {}, m.resident_bytes);
  return w.text();
}

json::array node_names(std::vector<term::atom> const& v) {
  json::array a;
  for (auto const& n : v) a.emplace_back(std::string(n.name()));
  return a;
}

json::object node_object(node_impl& n) {
  auto const m = n.metrics(0);
  json::object o;
  o["node"] = std::string(n.name().name());
  o["version"] = ENODE_VERSION_STRING;
  o["uptime_seconds"] = static_cast<double>(m.uptime.count()) / 1000.0;
  o["processes"] = m.runtime.processes;
  o["schedulers"] = m.schedulers;
  o["connected_nodes"] = node_names(n.nodes(true));
  return o;
}

std::string stats_event(node_impl& n) {
  auto const m = n.metrics(0);
  json::object o;
  o["time_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::uint64_t in = 0, out = 0, bin = 0, bout = 0;
  for (auto const& p : m.peers) {
    in += p.messages_in;
    out += p.messages_out;
    bin += p.bytes_in;
    bout += p.bytes_out;
  }
  o["messages_in"] = in;
  o["messages_out"] = out;
  o["messages_delivered"] = m.runtime.messages_sent;
  o["processes"] = m.runtime.processes;
  o["connections"] = m.connections;
  o["bytes_in"] = bin;
  o["bytes_out"] = bout;
  return "event: stats\ndata: " + json::serialize(o) + "\n\n";
}

json::array terms(std::vector<term::value> const& v, term::atom local) {
  json::array a;
  for (auto const& t : v) a.emplace_back(t.is_pid() ? pid_text(t.as_pid(), local) : term::to_string(t));
  return a;
}

} // namespace

http::router admin_routes(node_impl& n) {
  http::router r;
  r.get("/health", [&n](request const&) -> net::awaitable<response> {
    bool const up = n.accepting();
    json::object o;
    o["status"] = up ? "ok" : (n.stopping() ? "stopping" : "starting");
    o["node"] = std::string(n.name().name());
    o["uptime_seconds"] =
        up ? std::chrono::duration<double>(std::chrono::steady_clock::now() - n.started_at()).count() : 0.0;
    o["connected_nodes"] = up ? node_names(n.nodes(true)) : json::array{};
    co_return json_response(up ? 200 : 503, o);
  });
  r.get("/metrics", [&n](request const&) -> net::awaitable<response> {
    auto out = response::text(200, metrics_text(n));
    out.content_type = std::string(http::prometheus::content_type);
    co_return out;
  });
  r.get("/api/node",
        [&n](request const&) -> net::awaitable<response> { co_return json_response(200, node_object(n)); });
  r.get("/api/nodes", [&n](request const&) -> net::awaitable<response> {
    auto visible = n.nodes(false);
    std::vector<term::atom> hidden;
    for (auto const& x : n.nodes(true))
      if (std::find(visible.begin(), visible.end(), x) == visible.end()) hidden.push_back(x);
    json::object o;
    o["node"] = std::string(n.name().name());
    o["visible"] = node_names(visible);
    o["hidden"] = node_names(hidden);
    co_return json_response(200, o);
  });
  r.get("/api/connections", [&n](request const&) -> net::awaitable<response> {
    json::array a;
    for (auto const& p : n.metrics(0).peers) {
      json::object o;
      o["node"] = std::string(p.node.name());
      o["connected"] = p.connected;
      o["address"] = p.address;
      o["hidden"] = p.hidden;
      o["creation"] = p.creation;
      o["flags"] = p.flags;
      o["up_since"] = p.up_since ? json::value(iso_time(*p.up_since)) : json::value(nullptr);
      o["connects"] = p.connects;
      o["messages_in"] = p.messages_in;
      o["messages_out"] = p.messages_out;
      o["bytes_in"] = p.bytes_in;
      o["bytes_out"] = p.bytes_out;
      a.push_back(std::move(o));
    }
    json::object o;
    o["connections"] = std::move(a);
    co_return json_response(200, o);
  });
  r.get("/api/processes", [&n](request const& req) -> net::awaitable<response> {
    auto ps = n.system().processes();
    std::string sort = req.query.count("sort") ? req.query.at("sort") : "pid";
    bool const asc = req.query.count("order") ? req.query.at("order") == "asc" : sort == "pid";
    auto key = [&](runtime::process_info const& i) -> std::uint64_t {
      if (sort == "mq") return i.message_queue_len;
      if (sort == "reductions") return i.reductions;
      if (sort == "memory") return i.memory;
      return (static_cast<std::uint64_t>(i.pid.serial) << 32) | i.pid.id;
    };
    if (sort != "mq" && sort != "reductions" && sort != "memory" && sort != "pid")
      co_return response::text(400, "sort is one of mq, reductions, memory, pid\n");
    std::stable_sort(ps.begin(), ps.end(),
                     [&](auto const& a, auto const& b) { return asc ? key(a) < key(b) : key(a) > key(b); });
    auto const offset = number_param(req, "offset", 0, ps.size());
    auto const limit = number_param(req, "limit", 100, 1000);
    json::array a;
    for (std::size_t i = offset; i < ps.size() && i < offset + limit; ++i) a.push_back(process_object(ps[i], n.name()));
    json::object o;
    o["total"] = ps.size();
    o["offset"] = offset;
    o["limit"] = limit;
    o["sort"] = sort;
    o["processes"] = std::move(a);
    co_return json_response(200, o);
  });
  r.get("/api/processes/", [&n](request const& req) -> net::awaitable<response> {
    auto pid = parse_pid(std::string_view(req.path).substr(std::string_view("/api/processes/").size()), n);
    if (!pid) co_return response::text(400, "a pid is written <0.Id.Serial>\n");
    auto info = n.system().info(*pid);
    auto rel = co_await in_process<std::optional<runtime::process_relations>>(
        n, [p = *pid](runtime::process& self) { return self.inspect(p, false); });
    if (!info || !rel || !*rel) co_return response::text(404, "no such process\n");
    auto o = process_object(*info, n.name());
    o["links"] = terms((*rel)->links, n.name());
    o["monitors"] = terms((*rel)->monitors, n.name());
    o["monitored_by"] = terms((*rel)->monitored_by, n.name());
    json::array dict;
    for (auto const& [k, v] : info->dictionary) dict.push_back(json::array{term::to_string(k), term::to_string(v)});
    o["dictionary"] = std::move(dict);
    o["current_function"] = term::to_string(current_function(*info));
    co_return json_response(200, o);
  });
  r.get("/events", [&n](request const&) -> net::awaitable<response> {
    response out;
    out.stream = http::event_stream{std::chrono::milliseconds(1000), [&n] { return stats_event(n); }};
    co_return out;
  });
  r.get("/", [](request const&) -> net::awaitable<response> {
    auto out = response::text(200, std::string(admin_page));
    out.content_type = "text/html; charset=utf-8";
    co_return out;
  });
  return r;
}

} // namespace enode::node
