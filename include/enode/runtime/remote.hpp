#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/signals/signal.hpp>
#include <enode/term/atom.hpp>

namespace enode::runtime {

/// Where the runtime sends signals for processes of other nodes; the node implements it.
/// `route` is called from any thread, by any process; it must not block and must keep
/// the order of the signals of each sender. What it cannot deliver it answers through
/// `system::inject` as an unreachable node does (`noconnection`).
class remote_router {
public:
  virtual ~remote_router() = default;
  /// `s` for the node `node`: its `to` is a process of that node, or a name registered
  /// there (a `reg_send`, or a `monitor` or `demonitor` by name).
  virtual void route(term::atom node, signals::signal&& s) = 0;
};

} // namespace enode::runtime

#pragma GCC visibility pop
