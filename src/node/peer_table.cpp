#include "peer_table.hpp"

namespace enode::node {

std::shared_ptr<peer> peer_table::find(term::atom n) const {
  std::shared_lock g(mutex_);
  auto it = peers_.find(n);
  return it == peers_.end() ? nullptr : it->second;
}

std::shared_ptr<peer> peer_table::find_or_add(term::atom n) {
  if (auto p = find(n)) return p;
  std::unique_lock g(mutex_);
  auto& slot = peers_[n];
  if (!slot) slot = std::make_shared<peer>(n);
  return slot;
}

std::pair<std::shared_ptr<peer>, std::unique_lock<std::mutex>> peer_table::lock(term::atom n) {
  for (;;) {
    auto p = find_or_add(n);
    std::unique_lock g(p->mutex);
    if (!p->retired) return {std::move(p), std::move(g)};
  }
}

void peer_table::forget_if_idle(std::shared_ptr<peer> const& p) {
  std::unique_lock g(mutex_);
  std::lock_guard pg(p->mutex);
  if (!p->idle()) return;
  p->retired = true;
  if (auto it = peers_.find(p->name); it != peers_.end() && it->second == p) peers_.erase(it);
}

void peer_table::for_each(std::function<void(peer&)> const& f) const {
  std::shared_lock g(mutex_);
  for (auto const& [n, p] : peers_) {
    std::lock_guard pg(p->mutex);
    f(*p);
  }
}

} // namespace enode::node
