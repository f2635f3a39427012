#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/atom.hpp>

/// Atoms the runtime and the protocol use all the time, interned once.
/// Names follow the atom; `EXIT` and `DOWN` keep Erlang's capitals.
namespace enode::term::atoms {

inline atom const undefined{"undefined"};
inline atom const ok{"ok"};
inline atom const error{"error"};
inline atom const true_{"true"};
inline atom const false_{"false"};
inline atom const normal{"normal"};
inline atom const kill{"kill"};
inline atom const killed{"killed"};
inline atom const shutdown{"shutdown"};
inline atom const noproc{"noproc"};
inline atom const noconnection{"noconnection"};
inline atom const timeout{"timeout"};
inline atom const badarg{"badarg"};
inline atom const system_limit{"system_limit"};
inline atom const nocatch{"nocatch"};
inline atom const process{"process"};
inline atom const alias{"alias"};
inline atom const EXIT{"EXIT"};
inline atom const DOWN{"DOWN"};
inline atom const ignore{"ignore"};
inline atom const infinity{"infinity"};
inline atom const nonode_nohost{"nonode@nohost"};
inline atom const cpp_exception{"cpp_exception"};

} // namespace enode::term::atoms

#pragma GCC visibility pop
