// sys's protocol, both sides: what a C++ gen_server answers to `{system, From, Request}`
// (sys:handle_system_msg/do_cmd for a gen_server) and the sys functions for C++ callers.
#include "sys_server.hpp"

#include <enode/behaviours/sys.hpp>
#include <enode/runtime/erpc.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>

namespace enode::behaviours {

namespace atoms = term::atoms;
using runtime::awaitable;
using runtime::process;

namespace {

term::atom const suspend_atom{"suspend"}, resume_atom{"resume"}, get_state_atom{"get_state"},
    replace_state_atom{"replace_state"}, get_status_atom{"get_status"}, debug_atom{"debug"},
    terminate_atom{"terminate"}, unknown_system_msg{"unknown_system_msg"}, callback_failed{"callback_failed"},
    gen_server_atom{"gen_server"}, system_atom{"system"}, exception_atom{"exception"}, signal_atom{"signal"};

term::value callback_failure(char const* callback, term::value class_reason) {
  return term::tuple_of(
      {atoms::error, term::tuple_of({callback_failed, term::tuple_of({gen_server_atom, term::atom(callback)}),
                                     std::move(class_reason)})});
}

// What erpc raised, as the `{Class, Reason}` of the function it ran.
term::value remote_failure(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (runtime::error_exception const& x) {
    auto const& r = x.reason();
    if (term::is_record(r, exception_atom, 3)) return term::tuple_of({atoms::error, r[1]});
  } catch (runtime::exit_exception const& x) {
    auto const& r = x.reason();
    if (term::is_record(r, exception_atom, 2) || term::is_record(r, signal_atom, 2))
      return term::tuple_of({term::atom("exit"), r[1]});
  } catch (...) {
  }
  return detail::failure_of(e);
}

term::value status_of(process& self, gen_server& s, detail::sys_state const& st) {
  auto const info = self.system().info(self.pid());
  std::vector<term::value> pdict;
  if (info)
    for (auto const& [k, v] : info->dictionary) pdict.push_back(term::tuple_of({k, v}));
  term::value const sys_state =
      st.suspended ? term::value(term::atom("suspended")) : term::value(term::atom("running"));
  term::value const parent(detail::sys_access::parent(s));
  term::value state;
  try {
    state = detail::sys_access::state(s);
  } catch (...) {
    if (self.exiting()) throw;
    state = term::string_of("the server's state() threw");
  }
  auto const data = [](char const* label, term::value v) { return term::tuple_of({term::string_of(label), v}); };
  term::atom const data_atom{"data"};
  auto const formatted =
      term::list_of({term::tuple_of({term::atom("header"), detail::status_header(detail::name_of(self))}),
                     term::tuple_of({data_atom, term::list_of({data("Status", sys_state), data("Parent", parent),
                                                               data("Logged events", st.debug.events())})}),
                     term::tuple_of({data_atom, term::list_of({data("State", state)})})});
  return term::tuple_of({term::atom("status"), self.self(), term::tuple_of({term::atom("module"), gen_server_atom}),
                         term::list_of({term::list_of(pdict), sys_state, parent, st.debug.as_term(), formatted})});
}

} // namespace

namespace detail {

awaitable<std::optional<term::value>> handle_system(process& self, gen_server& s, sys_state& st, from const& caller,
                                                    term::value const& req) {
  auto const answer = [&](term::value r) { gen_server::reply(self, caller, std::move(r)); };
  if (req == term::value(suspend_atom) || req == term::value(resume_atom)) {
    st.suspended = req == term::value(suspend_atom);
    answer(atoms::ok);
  } else if (req == term::value(get_state_atom)) {
    std::exception_ptr failed;
    term::value state;
    try {
      state = sys_access::state(s);
    } catch (...) {
      if (self.exiting()) throw;
      failed = std::current_exception();
    }
    if (failed) {
      answer(callback_failure("system_get_state", failure_of(failed)));
    } else {
      bool const wrapped = co_await answers_with_ok(self, caller.pid.as_pid());
      answer(wrapped ? term::tuple_of({atoms::ok, state}) : state);
    }
  } else if (term::is_record(req, replace_state_atom, 2)) {
    // The function is Erlang code: it runs on the caller's node, where it was made.
    term::value const& fun = req[1];
    std::exception_ptr failed;
    bool remote = false;
    try {
      if (!fun.is_fun() || caller.pid.as_pid().node == self.pid().node)
        throw runtime::error_exception(term::atom("badfun"));
      remote = true;
      // (Built before the co_await: GCC 12 miscompiles a braced list that lives across one.)
      term::value const args = term::list_of({fun, term::list_of({sys_access::state(s)})});
      auto made =
          co_await runtime::erpc::call(self, caller.pid.as_pid().node, term::atom("erlang"), term::atom("apply"), args);
      remote = false;
      sys_access::replace_state(s, made);
    } catch (...) {
      if (self.exiting()) throw;
      failed = std::current_exception();
    }
    if (failed) {
      answer(callback_failure("system_replace_state", remote ? remote_failure(failed) : failure_of(failed)));
    } else {
      bool const wrapped = co_await answers_with_ok(self, caller.pid.as_pid());
      auto now = sys_access::state(s);
      answer(wrapped ? term::tuple_of({atoms::ok, now}) : now);
    }
  } else if (req == term::value(get_status_atom)) {
    answer(status_of(self, s, st));
  } else if (term::is_record(req, debug_atom, 2)) {
    answer(st.debug.command(self, name_of(self), req[1]));
  } else if (term::is_record(req, terminate_atom, 2)) {
    answer(atoms::ok); // then the server ends with the reason, as sys:terminate expects
    co_return req[1];
  } else {
    answer(term::tuple_of({atoms::error, term::tuple_of({unknown_system_msg, req})}));
  }
  co_return std::nullopt;
}

} // namespace detail

// --- the client side --------------------------------------------------------------------------------

namespace sys {
namespace {

// sys:send_system_msg/2,3: the reply, or an exit `{Reason, {sys, Function, Args}}`.
awaitable<term::value> system_call(process& self, term::value const& server, term::value request, char const* fn,
                                   term::value extra, runtime::timeout t) {
  std::vector<term::value> args{server};
  if (!extra.is_nil()) args.push_back(extra);
  term::value const where = term::tuple_of({term::atom("sys"), term::atom(fn), term::list_of(args)});
  co_return co_await detail::gen_call_from(self, server, system_atom, std::move(request), t, where);
}

term::value debug_request(char const* what, term::value flag) {
  return term::tuple_of({debug_atom, term::tuple_of({term::atom(what), std::move(flag)})});
}

} // namespace

awaitable<term::value> get_state(process& self, term::value const& server, runtime::timeout t) {
  auto r = co_await system_call(self, server, get_state_atom, "get_state", {}, t);
  if (term::is_record(r, atoms::error, 2)) throw runtime::error_exception(r[1]);
  if (term::is_record(r, atoms::ok, 2)) co_return r[1]; // OTP 26.1 on; older servers send the state itself
  co_return r;
}

awaitable<term::value> get_status(process& self, term::value const& server, runtime::timeout t) {
  return system_call(self, server, get_status_atom, "get_status", {}, t);
}

awaitable<> suspend(process& self, term::value const& server, runtime::timeout t) {
  (void)co_await system_call(self, server, suspend_atom, "suspend", {}, t);
}

awaitable<> resume(process& self, term::value const& server, runtime::timeout t) {
  (void)co_await system_call(self, server, resume_atom, "resume", {}, t);
}

awaitable<term::value> statistics(process& self, term::value const& server, term::value flag, runtime::timeout t) {
  return system_call(self, server, debug_request("statistics", flag), "statistics", flag, t);
}

awaitable<term::value> trace(process& self, term::value const& server, bool on, runtime::timeout t) {
  term::value const flag = on ? atoms::true_ : atoms::false_;
  return system_call(self, server, debug_request("trace", flag), "trace", flag, t);
}

awaitable<term::value> log(process& self, term::value const& server, term::value flag, runtime::timeout t) {
  return system_call(self, server, debug_request("log", flag), "log", flag, t);
}

awaitable<> terminate(process& self, term::value const& server, term::value reason, runtime::timeout t) {
  term::value const request = term::tuple_of({terminate_atom, reason}); // (not in the co_await: GCC 12)
  (void)co_await system_call(self, server, request, "terminate", reason, t);
}

} // namespace sys
} // namespace enode::behaviours
