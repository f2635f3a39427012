#pragma once

#include <enode/runtime/system.hpp>
#include <enode/term/atom.hpp>
#include <enode/term/value.hpp>

#include <map>
#include <mutex>
#include <vector>

namespace enode::node {

/// Who watches other nodes: `erlang:monitor_node/2` (one `{nodedown, Node}` each) and
/// `net_kernel:monitor_nodes/1` (every `nodeup` and `nodedown` of visible nodes).
/// Thread-safe; its mutex is a leaf of the node's lock order (peer_table.hpp).
class node_monitors {
public:
  void monitor_node(term::pid const& watcher, term::atom node, bool on);
  void monitor_nodes(term::pid const& watcher, bool on);
  /// `node` came up or went down: tells those who watch it.
  void event(runtime::system& sys, term::atom node, bool up, bool visible);

private:
  std::mutex mutex_;
  std::multimap<term::atom, term::pid> once_; // monitor_node: removed as they fire
  std::vector<term::pid> subscribers_;        // monitor_nodes
};

} // namespace enode::node
