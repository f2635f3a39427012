#include "node_monitors.hpp"

#include <algorithm>

namespace enode::node {

namespace {
term::atom const nodeup_atom{"nodeup"};
term::atom const nodedown_atom{"nodedown"};
} // namespace

void node_monitors::monitor_node(term::pid const& watcher, term::atom n, bool on) {
  std::lock_guard g(mutex_);
  if (on) {
    once_.emplace(n, watcher);
    return;
  }
  auto [b, e] = once_.equal_range(n);
  for (auto it = b; it != e; ++it) {
    if (it->second == watcher) {
      once_.erase(it);
      break;
    }
  }
}

void node_monitors::monitor_nodes(term::pid const& watcher, bool on) {
  std::lock_guard g(mutex_);
  std::erase(subscribers_, watcher);
  if (on) subscribers_.push_back(watcher);
}

void node_monitors::event(runtime::system& sys, term::atom n, bool up, bool visible) {
  std::vector<term::pid> once, subs;
  {
    std::lock_guard g(mutex_);
    if (!up) {
      auto [b, e] = once_.equal_range(n);
      for (auto it = b; it != e; ++it) once.push_back(it->second);
      once_.erase(b, e);
    }
    if (visible) subs = subscribers_;
  }
  term::value const down = term::tuple_of({nodedown_atom, n});
  for (auto const& w : once) (void)sys.send(term::value(w), down);
  term::value const ev = up ? term::tuple_of({nodeup_atom, n}) : down;
  std::vector<term::pid> gone;
  for (auto const& w : subs) {
    if (sys.is_process_alive(w))
      (void)sys.send(term::value(w), ev);
    else
      gone.push_back(w); // ended without unsubscribing (a restarted system process)
  }
  if (gone.empty()) return;
  std::lock_guard g(mutex_);
  for (auto const& w : gone) std::erase(subscribers_, w);
}

} // namespace enode::node
