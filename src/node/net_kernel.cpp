// net_kernel, as far as other nodes talk to it: `{is_auth, Node}` (net_adm:ping/1).
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/term/atoms.hpp>

namespace enode::node {
namespace {

using behaviours::action;

class net_kernel final : public behaviours::gen_server {
protected:
  runtime::awaitable<action> handle_call(term::value const& req, behaviours::from const&) override {
    // net_kernel:handle_call({is_auth, Node}, ...): yes once the connection is up, which
    // it is, since the request came over it.
    if (term::is_record(req, is_auth_, 2)) co_return action::reply(yes_);
    co_return action::reply(term::tuple_of({term::atoms::error, term::atom("not_supported")}));
  }
  // net_kernel ignores what it does not know.
  runtime::awaitable<action> handle_cast(term::value const&) override { co_return action::noreply(); }

private:
  term::atom const is_auth_{"is_auth"}, yes_{"yes"};
};

} // namespace

behaviours::child_spec net_kernel_spec(node_impl&) {
  behaviours::child_spec c;
  c.id = term::atom("net_kernel");
  c.start = behaviours::start_server<net_kernel>(behaviours::start_options{.name = term::atom("net_kernel")});
  c.modules = {term::atom("net_kernel")};
  return c;
}

} // namespace enode::node
