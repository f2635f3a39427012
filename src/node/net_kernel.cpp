#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/term/atoms.hpp>

namespace enode::node {

void start_net_kernel(node_impl& n) {
  term::atom const gen_call{"$gen_call"}, is_auth{"is_auth"}, yes{"yes"};
  auto pid = n.sys->spawn([=](runtime::process& self) -> runtime::awaitable<> {
    for (;;) {
      term::value m = co_await self.receive();
      if (!term::is_record(m, gen_call, 3)) continue; // net_kernel ignores what it does not know
      auto from = behaviours::from::of(m[1]);
      if (!from) continue;
      term::value const& req = m[2];
      if (term::is_record(req, is_auth, 2)) {
        // net_kernel:handle_call({is_auth, Node}, ...): yes once the connection is up,
        // which it is, since the request came over it.
        behaviours::gen_server::reply(self, *from, yes);
      } else {
        behaviours::gen_server::reply(self, *from, term::tuple_of({term::atoms::error, term::atom("not_supported")}));
      }
    }
  });
  if (pid) (void)n.sys->register_name(term::atom("net_kernel"), *pid);
}

} // namespace enode::node
