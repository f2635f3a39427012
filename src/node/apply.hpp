#pragma once

#include <enode/node/functions.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/value.hpp>

namespace enode::node {

/// How `apply(M, F, A)` ended, in the words of Erlang's `try ... catch Class:Reason:Stack`.
struct outcome {
  enum class kind : std::uint8_t { returned, thrown, exited, error };
  kind what = kind::returned;
  term::value value; ///< the result, the thrown term, the exit reason or the error reason
  term::value stack; ///< for an error: a stack trace as BEAM prints them
};

/// `apply(M, F, A)` on the functions the node serves, in `self`: an unknown function is
/// `error:undef`, arguments that are not a proper list `error:badarg`, as on BEAM. When
/// an exit signal ends `self` meanwhile, that propagates (the process ends with it).
runtime::awaitable<outcome> apply(runtime::process& self, functions const& fns, term::value const& m,
                                  term::value const& f, term::value const& args);

/// `{Reason, Stack}`, the exit reason of a process that an error ended.
term::value error_exit(outcome const& o);

} // namespace enode::node
