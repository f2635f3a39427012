// The few `erlang` functions a node answers to rpc and erpc besides the C++ functions
// it serves, so that cluster tools work on it: rpc:multicall(erlang, node, []) and the
// like.
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/term/atoms.hpp>

namespace enode::node {

void add_builtins(node_impl& n) {
  auto& f = n.functions();
  f.add("erlang", "node", [&n] { return n.name(); });
  f.add("erlang", "nodes", [&n] { return n.nodes(false); });
  f.add("erlang", "nodes", [&n](term::value which) {
    // nodes(visible | hidden | connected | this | known) and lists of them.
    std::vector<term::value> kinds;
    if (which.is_atom())
      kinds.push_back(which);
    else if (which.is_proper_list())
      kinds.assign(which.list_elements().begin(), which.list_elements().end());
    else
      throw bad_argument(1, "expected an atom or a list of atoms");
    bool visible = false, hidden = false, self = false;
    for (auto const& k : kinds) {
      if (k.is_atom("visible"))
        visible = true;
      else if (k.is_atom("hidden"))
        hidden = true;
      else if (k.is_atom("connected") || k.is_atom("known"))
        visible = hidden = true;
      else if (k.is_atom("this"))
        self = true;
      else
        throw bad_argument(1, "expected visible, hidden, connected, this or known");
    }
    std::vector<term::atom> out;
    if (self) out.push_back(n.name());
    auto all = n.nodes(true);
    auto shown = n.nodes(false);
    for (auto const& a : all) {
      bool const is_visible = std::find(shown.begin(), shown.end(), a) != shown.end();
      if ((is_visible && visible) || (!is_visible && hidden)) out.push_back(a);
    }
    return out;
  });
  f.add("erlang", "is_alive", [] { return true; });
  f.add("erlang", "registered", [&n] { return n.system().registered(); });
  f.add("erlang", "whereis", [&n](term::atom name) -> term::value {
    auto p = n.system().whereis(name);
    return p ? term::value(*p) : term::value(term::atoms::undefined);
  });
  f.add("erlang", "is_process_alive", [&n](term::pid p) { return n.system().is_process_alive(p); });
  f.add("erlang", "send", [](runtime::process& self, term::value dest, term::value msg) {
    self.send(dest, msg);
    return msg;
  });
}

} // namespace enode::node
