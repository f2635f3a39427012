#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/value.hpp>

#include <iosfwd>
#include <string>

namespace enode::term {

/// Erlang syntax, as `io_lib:format("~p", [T])` writes it on one line (a line width so
/// large that nothing wraps), encoded as UTF-8.
///
/// Printable lists show as strings and printable binaries as `<<"...">>` under the
/// default printable range (Latin-1), atoms are quoted where Erlang needs it, floats use
/// the shortest form that reads back exactly, maps list keys in term order.
/// Every term without pids, ports, references or local funs reads back with
/// `erl_scan`/`erl_parse` (and `term::parse`) as an exactly equal term. Those four have
/// no Erlang syntax; they print as
///   pid `<Node:Creation.Id.Serial>`, port `#Port<Node:Creation.Id>`,
///   reference `#Ref<Node:Creation.W.W.W>` (words in the order BEAM prints them),
///   fun `#Fun<Module.OldIndex.OldUniq>` (as BEAM),
/// and `term::parse` reads the first three back.
std::string to_string(value const& v);

/// Appends the printed form of `v` to `out`.
void print(value const& v, std::string& out);

/// Appends the atom as Erlang writes it: quoted when it has to be.
void print_atom(atom a, std::string& out);

} // namespace enode::term

#pragma GCC visibility pop
