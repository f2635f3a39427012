// What the node counts: the distribution's counters, kept here as connections come and
// go, and the snapshot that gathers them with the runtime's (node::metrics).
#include "node_impl.hpp"

#include <enode/dist/error.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace enode::node {

void node_impl::count_up(term::atom peer_name) {
  std::lock_guard g(metrics_mutex_);
  ++connects_;
  ++dist_totals_[peer_name].connects;
}

void node_impl::count_down(dist::connection const& c, error_code why) {
  auto const s = c.stats();
  std::lock_guard g(metrics_mutex_);
  ++disconnects_;
  if (why == dist::error::tick_timeout) ++ticks_missed_;
  if (why == dist::error::bad_packet || why == dist::error::too_large) ++decode_errors_;
  auto& t = dist_totals_[c.peer_node()];
  t.messages_in += s.messages_in;
  t.messages_out += s.messages_out;
  t.bytes_in += s.bytes_in;
  t.bytes_out += s.bytes_out;
}

void node_impl::count_handshake_failure(error_code why) {
  // The reason as a label: a dist error's name in its enum's words, else the category's.
  std::string reason = why.category() == dist::dist_category()
                           ? std::string(dist::to_string(static_cast<dist::error>(why.value())))
                           : why.message();
  std::lock_guard g(metrics_mutex_);
  ++handshakes_failed_[reason];
}

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

metrics_snapshot node_impl::metrics(std::size_t longest_mailboxes) const {
  metrics_snapshot m;
  m.node = name_;
  if (started_) {
    m.uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_);
  }
  m.runtime = sys_ ? sys_->stats() : runtime::system_stats{};
  m.schedulers = sched_.threads();
  m.scheduler_busy = sched_.busy_time();
  m.resident_bytes = resident_bytes();

  // Per peer: what its finished connections left (dist_totals_) and what its connection
  // counts now, read under the peer's lock, which on_down holds while it moves the one
  // into the other (the metrics lock is a leaf, taken inside it).
  std::map<term::atom, peer_metrics> peers;
  auto const add_totals = [&](peer_metrics& out, term::atom n) {
    out.node = n;
    auto it = dist_totals_.find(n);
    if (it == dist_totals_.end()) return;
    out.connects = it->second.connects;
    out.messages_in += it->second.messages_in;
    out.messages_out += it->second.messages_out;
    out.bytes_in += it->second.bytes_in;
    out.bytes_out += it->second.bytes_out;
  };
  peers_.for_each([&](peer& p) {
    auto& out = peers[p.name];
    {
      std::lock_guard g(metrics_mutex_);
      add_totals(out, p.name);
    }
    if (!p.conn) return;
    auto const s = p.conn->stats(); // closing or not: on_down has not counted it yet
    out.messages_in += s.messages_in;
    out.messages_out += s.messages_out;
    out.bytes_in += s.bytes_in;
    out.bytes_out += s.bytes_out;
    if (!p.up()) return;
    out.connected = true;
    out.hidden = !visible(*p.conn);
    out.creation = p.conn->peer().creation;
    out.flags = p.conn->flags();
    out.address = p.conn->remote_address();
    out.up_since = p.up_since;
  });
  {
    std::lock_guard g(metrics_mutex_);
    m.connects = connects_;
    m.disconnects = disconnects_;
    m.ticks_missed = ticks_missed_;
    m.decode_errors = decode_errors_;
    m.handshakes_failed.assign(handshakes_failed_.begin(), handshakes_failed_.end());
    for (auto const& [n, t] : dist_totals_)
      if (!peers.count(n)) add_totals(peers[n], n); // peers the table has forgotten
  }
  for (auto& [n, p] : peers) {
    if (p.connected) ++m.connections;
    m.peers.push_back(std::move(p));
  }

  if (sys_ && longest_mailboxes > 0) {
    for (auto& i : sys_->processes())
      if (i.message_queue_len > 0) m.longest_mailboxes.push_back({i.pid, i.registered_name, i.message_queue_len});
    auto const keep = std::min(longest_mailboxes, m.longest_mailboxes.size());
    std::partial_sort(m.longest_mailboxes.begin(), m.longest_mailboxes.begin() + static_cast<std::ptrdiff_t>(keep),
                      m.longest_mailboxes.end(), [](auto const& a, auto const& b) { return a.length > b.length; });
    m.longest_mailboxes.resize(keep);
  }
  return m;
}

} // namespace enode::node
