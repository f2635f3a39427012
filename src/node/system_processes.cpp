#include "system_processes.hpp"

#include "node_impl.hpp"

#include <enode/term/atoms.hpp>

#include <atomic>
#include <future>

namespace enode::node {

bool start_system_processes(node_impl& n) {
  start_io_server(n);
  std::vector<behaviours::child_spec> children{net_kernel_spec(n), rex_spec(n), global_spec(n)};
  // The supervisor's parent: a root process that lives until the node stops (the
  // runtime's shutdown signal ends it, and the tree with it, in reverse start order).
  // Answered exactly once: true once kernel_sup runs, false if the root ends before.
  struct answer {
    std::shared_ptr<std::promise<bool>> p = std::make_shared<std::promise<bool>>();
    std::shared_ptr<std::atomic<bool>> given = std::make_shared<std::atomic<bool>>(false);
    void operator()(bool v) const {
      if (!given->exchange(true)) p->set_value(v);
    }
  } started;
  auto result = started.p->get_future();
  auto root = n.system().spawn(
      [started, children = std::move(children)](runtime::process& self) mutable -> runtime::awaitable<> {
        struct on_end {
          answer a;
          ~on_end() { a(false); }
        } guard{started};
        self.trap_exit(true);
        auto sup = co_await behaviours::supervisor::start_link(
            self, behaviours::sup_flags{.strategy = behaviours::strategy::one_for_one, .intensity = 10},
            std::move(children), behaviours::start_options{.name = term::atom("kernel_sup")});
        started(static_cast<bool>(sup));
        for (;;) {
          auto m = co_await self.receive();
          if (term::is_record(m, term::atoms::EXIT, 3)) self.exit(m[2]);
        }
      });
  if (!root) return false;
  return result.get();
}

} // namespace enode::node
