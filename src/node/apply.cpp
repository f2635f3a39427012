#include "apply.hpp"

#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/number.hpp>

#include <exception>

namespace enode::node {
namespace {

term::atom const undef{"undef"}, erlang{"erlang"}, apply_atom{"apply"}, reason_atom{"reason"};

// One frame: {M, F, ArityOrArgs, Location}.
term::value frame(term::value const& m, term::value const& f, term::value const& arity_or_args,
                  term::value location = {}) {
  return term::list_of({term::tuple_of({m, f, arity_or_args, std::move(location)})});
}

} // namespace

runtime::awaitable<outcome> apply(runtime::process& self, functions const& fns, term::value const& m,
                                  term::value const& f, term::value const& args) {
  if (!m.is_atom() || !f.is_atom() || !args.is_proper_list())
    co_return outcome{outcome::kind::error, term::atoms::badarg,
                      frame(erlang, apply_atom, term::list_of({m, f, args}))};
  auto const a = args.list_elements();
  auto body = fns.find(m.as_atom(), f.as_atom(), a.size());
  if (!body) co_return outcome{outcome::kind::error, undef, frame(m, f, args)};
  auto const arity = term::value(a.size());
  try {
    auto r = co_await (*body)(self, a);
    co_return outcome{outcome::kind::returned, std::move(r), {}};
  } catch (bad_argument const& e) {
    // BEAM's badarg frames carry the arguments; ours also say which one and why.
    auto why = term::list_of({term::tuple_of({reason_atom, term::binary_of(e.detail())})});
    co_return outcome{outcome::kind::error, term::atoms::badarg, frame(m, f, args, why)};
  } catch (runtime::error_exception const& e) {
    co_return outcome{outcome::kind::error, e.reason(), frame(m, f, arity)};
  } catch (term::bad_arithmetic const&) {
    // term::number's division by zero or overflow of doubles: Erlang's own error.
    co_return outcome{outcome::kind::error, term::atom("badarith"), frame(m, f, arity)};
  } catch (runtime::throw_exception const& e) {
    co_return outcome{outcome::kind::thrown, e.value(), {}};
  } catch (runtime::exit_exception const& e) {
    if (self.exiting()) throw; // an exit signal ends the process: not the function's doing
    co_return outcome{outcome::kind::exited, e.reason(), {}};
  } catch (...) {
    // A C++ exception: error {cpp_exception, Type, What}, as a process body's would be.
    auto reason = runtime::exit_reason_of(std::current_exception());
    co_return outcome{outcome::kind::error, reason.is_tuple() ? reason[0] : reason, frame(m, f, arity)};
  }
}

term::value error_exit(outcome const& o) { return term::tuple_of({o.value, o.stack}); }

} // namespace enode::node
