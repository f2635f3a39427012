#include <enode/behaviours/gen_server.hpp>

#include "sys_debug.hpp"
#include "sys_server.hpp"

#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <exception>
#include <utility>

namespace enode::behaviours {

namespace atoms = term::atoms;
using runtime::awaitable;
using runtime::process;

namespace {

term::atom const gen_call{"$gen_call"};
term::atom const gen_cast{"$gen_cast"};
term::atom const gen_ack{"$gen_ack"};
term::atom const system_tag{"system"};
term::atom const terminate_tag{"terminate"};
term::atom const bad_call{"bad_call"};
term::atom const bad_cast{"bad_cast"};
term::atom const bad_continue{"bad_continue"};
term::atom const bad_return_value{"bad_return_value"};
term::atom const already_started{"already_started"};
term::atom const nodedown{"nodedown"};
term::atom const gen_server_atom{"gen_server"};
term::atom const call_atom{"call"};

/// The alias a reply goes to (gen:reply/2): for a tag `[alias | Ref]` or a list headed
/// by one; otherwise the reply goes to the caller's pid.
std::optional<term::value> alias_of(term::value const& tag) {
  if (!tag.is_list() || tag.is_nil()) return std::nullopt;
  auto head = tag.list_elements();
  if (head.size() == 1 && head[0] == term::value(atoms::alias) && tag.list_tail().is_reference())
    return tag.list_tail();
  return alias_of(head[0]);
}

term::value timeout_term(runtime::timeout t) {
  if (t == runtime::infinity) return atoms::infinity;
  return term::value(std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
}

/// The pid a server term names now: a pid as is, a local name looked up.
std::optional<term::value> resolve(process& self, term::value const& server) {
  if (server.is_atom()) {
    auto p = self.system().whereis(server.as_atom());
    if (!p) return std::nullopt;
    return term::value(*p);
  }
  return server;
}

/// The node a server term lives on (for `{nodedown, Node}`).
term::value node_of(term::value const& server, process& self) {
  if (server.is_pid()) return server.as_pid().node;
  if (server.is_tuple() && server.arity() == 2) return server[1];
  return self.pid().node;
}

} // namespace

term::value from::to_term() const { return term::tuple_of({pid, tag}); }

std::optional<from> from::of(term::value const& t) {
  if (!t.is_tuple() || t.arity() != 2 || !t[0].is_pid()) return std::nullopt;
  return from{t[0], t[1]};
}

term::value start_result::to_term() const {
  switch (state) {
    case status::ok: return term::tuple_of({atoms::ok, term::value(pid)});
    case status::ignore: return atoms::ignore;
    case status::error: break;
  }
  return term::tuple_of({atoms::error, reason});
}

// --- callbacks' defaults ------------------------------------------------------------------------

awaitable<action> gen_server::init() { co_return action::ok(); }

awaitable<action> gen_server::handle_call(term::value const& request, from const&) {
  co_return action::stop(term::tuple_of({bad_call, request}));
}

awaitable<action> gen_server::handle_cast(term::value const& msg) {
  co_return action::stop(term::tuple_of({bad_cast, msg}));
}

awaitable<action> gen_server::handle_info(term::value const&) { co_return action::noreply(); }

awaitable<action> gen_server::handle_continue(term::value const& cont) {
  co_return action::stop(term::tuple_of({bad_continue, cont}));
}

awaitable<> gen_server::terminate(term::value const&) { co_return; }

term::value gen_server::state() const {
  return term::tuple_of({term::atom("cpp_object"), term::binary_of(detail::module_of(typeid(*this)).name())});
}

void gen_server::replace_state(term::value const&) { throw runtime::error_exception(term::atom("not_replaceable")); }

// --- the server process ---------------------------------------------------------------------------

/// Runs a server in its process: the start protocol, then the loop (OTP's gen_server
/// main loop, with proc_lib's start acknowledgement).
class server_runner {
public:
  static awaitable<> serve(process& self, std::unique_ptr<gen_server> s, term::value caller, term::value ack_ref,
                           std::optional<term::atom> name, bool linked) {
    s->self_ = &self;
    s->parent_ = linked ? caller.as_pid() : self.pid(); // as OTP's: unlinked, its own parent
    // What proc_lib puts in the dictionary, for process_info and sys:get_status.
    auto const parent_name = self.system().info(caller.as_pid());
    self.put(term::atom("$ancestors"),
             term::list_of(
                 {parent_name && parent_name->registered_name ? term::value(*parent_name->registered_name) : caller}));
    self.put(term::atom("$initial_call"),
             term::tuple_of({detail::module_of(typeid(*s)), term::atom("init"), term::value(1)}));
    auto ack = [&](term::value result) { self.send(caller, term::tuple_of({gen_ack, ack_ref, std::move(result)})); };
    if (name) {
      try {
        self.register_name(*name);
      } catch (runtime::error_exception const&) {
        auto holder = self.system().whereis(*name);
        ack(term::tuple_of({atoms::error, term::tuple_of({already_started, holder ? term::value(*holder)
                                                                                  : term::value(atoms::undefined)})}));
        co_return;
      }
    }
    std::optional<action> first;
    std::exception_ptr failed;
    try {
      first = co_await s->init();
    } catch (...) {
      if (self.exiting()) throw;
      failed = std::current_exception();
    }
    if (failed) {
      auto reason = runtime::exit_reason_of(failed);
      ack(term::tuple_of({atoms::error, reason}));
      self.exit(reason);
    }
    switch (first->what()) {
      case action::kind::ok: ack(term::tuple_of({atoms::ok, self.self()})); break;
      case action::kind::ignore: ack(atoms::ignore); co_return;
      case action::kind::stop: ack(term::tuple_of({atoms::error, first->reason()})); self.exit(first->reason());
      default: {
        auto reason = term::tuple_of({bad_return_value, atoms::undefined});
        ack(term::tuple_of({atoms::error, reason}));
        self.exit(reason);
      }
    }
    co_await loop(self, *s, first->timeout(), first->continuation(), name);
  }

private:
  /// Runs terminate; an exception there becomes the exit reason instead.
  static awaitable<term::value> terminated(process& self, gen_server& s, term::value reason) {
    std::exception_ptr failed;
    try {
      co_await s.terminate(reason);
    } catch (...) {
      if (self.exiting()) throw;
      failed = std::current_exception();
    }
    if (failed) co_return runtime::exit_reason_of(failed);
    co_return reason;
  }

  /// Ends the server with `reason`: an abnormal end is reported as OTP's gen_server
  /// reports it (an error report with the last message), then the process exits.
  [[noreturn]] static void end(process& self, gen_server const& s, std::optional<term::atom> const& name,
                               term::value const& last, term::value const& reason) {
    if (!runtime::is_normal_exit(reason)) {
      auto const who = name ? term::value(*name) : self.self();
      std::string state = "(a C++ object whose state() threw)";
      try {
        state = term::to_string(s.state());
      } catch (...) {
        if (self.exiting()) throw;
      }
      self.system().logger().error("** Generic server " + term::to_string(who) +
                                   " terminating\n** Last message in was " + term::to_string(last) +
                                   "\n** When Server state == " + state + "\n** Reason for termination ==\n** " +
                                   term::to_string(reason));
    }
    self.exit(reason);
  }

  /// What one turn of the loop got: the callback's action, the caller of a call, or a
  /// stop that does not go through an action; none of them when there is nothing to act on.
  struct turn {
    std::optional<action> next;
    std::optional<from> caller;
    std::optional<term::value> stop_reason;
  };

  /// The loop's state between turns.
  struct loop_state {
    runtime::timeout timeout;
    std::optional<term::value> cont;
    detail::sys_state sys;
    term::value last = atoms::undefined; // the last message in, for a crash report
  };

  /// Records a sys event when sys debugging is on (the state is made only then).
  template <class MakeEvent>
  static void debug_event(process& self, loop_state& st, MakeEvent&& make) {
    if (st.sys.debug.active()) st.sys.debug.event(self, detail::name_of(self), make());
  }

  static bool is_system(term::value const& m) {
    return term::is_record(m, system_tag, 3) && from::of(m[1]).has_value();
  }

  /// Takes the next message (or continuation) and runs its callback; what a callback
  /// throws escapes to the loop.
  static awaitable<turn> take_turn(process& self, gen_server& s, loop_state& st) {
    turn t;
    if (st.cont) {
      term::value c = std::move(*st.cont);
      st.cont.reset();
      debug_event(self, st, [&] { return term::tuple_of({term::atom("continue"), c}); });
      t.next = co_await s.handle_continue(c);
      co_return t;
    }
    // (Two statements: GCC 12 destroys the result of a co_await inside ?: too early.)
    std::optional<term::value> m;
    auto const system_only = [](term::value const& x) { return is_system(x); };
    if (st.sys.suspended)
      m = co_await self.receive(system_only, runtime::infinity);
    else
      m = co_await self.receive(st.timeout);
    st.last = m ? *m : term::value(atoms::timeout);
    if (!m || !is_system(*m)) debug_event(self, st, [&] { return term::tuple_of({term::atom("in"), st.last}); });
    if (!m) {
      t.next = co_await s.handle_info(atoms::timeout);
    } else if (term::is_record(*m, gen_call, 3) && (t.caller = from::of((*m)[1]))) {
      t.next = co_await s.handle_call((*m)[2], *t.caller);
    } else if (term::is_record(*m, gen_cast, 2)) {
      t.next = co_await s.handle_cast((*m)[1]);
    } else if (is_system(*m)) {
      t.stop_reason = co_await detail::handle_system(self, s, st.sys, *from::of((*m)[1]), (*m)[2]);
    } else if (term::is_record(*m, atoms::EXIT, 3) && (*m)[1] == term::value(s.parent_) && self.trapping_exits()) {
      t.stop_reason = (*m)[2]; // the parent ends: so does the server, as OTP's does
    } else {
      t.next = co_await s.handle_info(*m);
    }
    co_return t;
  }

  static awaitable<> loop(process& self, gen_server& s, runtime::timeout timeout, std::optional<term::value> cont,
                          std::optional<term::atom> name) {
    loop_state st{timeout, std::move(cont), {}, atoms::undefined};
    for (;;) {
      turn t;
      std::exception_ptr failed;
      try {
        t = co_await take_turn(self, s, st);
      } catch (...) {
        if (self.exiting()) throw; // killed by a signal: no terminate, as in OTP
        failed = std::current_exception();
      }
      if (!failed && !t.next && !t.stop_reason) continue; // a system message, answered
      if (failed) t.stop_reason = runtime::exit_reason_of(failed);
      if (t.stop_reason) {
        auto reason = co_await terminated(self, s, *t.stop_reason);
        end(self, s, name, st.last, reason);
      }
      auto& next = t.next;
      auto& caller = t.caller;
      switch (next->what()) {
        case action::kind::reply:
          if (!caller) break; // a reply from handle_cast/info/continue is a bad return
          gen_server::reply(self, *caller, *next->reply_value());
          debug_event(self, st, [&] {
            return term::tuple_of({term::atom("out"), *next->reply_value(), caller->to_term(), s.state()});
          });
          st.timeout = next->timeout();
          st.cont = next->continuation();
          continue;
        case action::kind::noreply:
          debug_event(self, st, [&] { return term::tuple_of({term::atom("noreply"), s.state()}); });
          st.timeout = next->timeout();
          st.cont = next->continuation();
          continue;
        case action::kind::stop: {
          // As OTP's gen_server: terminate first, then the reply (whatever terminate did).
          auto reason = co_await terminated(self, s, next->reason());
          if (next->reply_value() && caller) gen_server::reply(self, *caller, *next->reply_value());
          end(self, s, name, st.last, reason);
        }
        default: break;
      }
      auto reason = term::tuple_of({bad_return_value, atoms::undefined});
      auto final_reason = co_await terminated(self, s, reason);
      end(self, s, name, st.last, final_reason);
    }
  }
};

// --- starting -------------------------------------------------------------------------------------

namespace {

awaitable<start_result> start_server(process& caller, std::unique_ptr<gen_server> server, start_options opts,
                                     bool link) {
  auto mark = caller.mark();
  term::value const ack_ref = caller.make_ref();
  term::value mref;
  auto body = [server = std::move(server), caller_pid = caller.self(), ack_ref, name = opts.name,
               link](process& self) mutable -> awaitable<> {
    co_await server_runner::serve(self, std::move(server), caller_pid, ack_ref, name, link);
  };
  term::pid const pid =
      caller.spawn(std::move(body), runtime::spawn_options{.link = link, .monitor = true, .monitor_ref = &mref});
  term::value const pid_v(pid);

  auto answer = co_await caller.receive(
      [&](term::value const& m) {
        return (term::is_record(m, gen_ack, 3) && m[1] == ack_ref) ||
               (term::is_record(m, atoms::DOWN, 5) && m[1] == mref);
      },
      opts.timeout, mark);

  // The process is gone or going: wait for it, and take back the 'EXIT' its link sent.
  auto reap = [&]() -> awaitable<term::value> {
    auto down = co_await caller.receive(
        [&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == mref; }, runtime::infinity);
    if (link && caller.trapping_exits())
      (void)co_await caller.receive(
          [&](term::value const& m) { return term::is_record(m, atoms::EXIT, 3) && m[1] == pid_v; },
          std::chrono::milliseconds(0));
    co_return (*down)[4];
  };

  if (!answer) {
    if (link) caller.unlink(pid);
    caller.exit(pid, atoms::kill);
    (void)co_await reap();
    co_return start_result::error(atoms::timeout);
  }
  if (term::is_record(*answer, atoms::DOWN, 5)) {
    if (link && caller.trapping_exits())
      (void)co_await caller.receive(
          [&](term::value const& m) { return term::is_record(m, atoms::EXIT, 3) && m[1] == pid_v; },
          std::chrono::milliseconds(0));
    co_return start_result::error((*answer)[4]);
  }
  term::value const& result = (*answer)[2];
  if (term::is_record(result, atoms::ok, 2)) {
    caller.demonitor(mref, true);
    co_return start_result::ok(pid);
  }
  (void)co_await reap();
  if (result == term::value(atoms::ignore)) co_return start_result::ignore();
  co_return start_result::error(result[1]);
}

} // namespace

awaitable<start_result> gen_server::start_link(process& caller, std::unique_ptr<gen_server> server,
                                               start_options opts) {
  return start_server(caller, std::move(server), std::move(opts), true);
}

awaitable<start_result> gen_server::start(process& caller, std::unique_ptr<gen_server> server, start_options opts) {
  return start_server(caller, std::move(server), std::move(opts), false);
}

// --- the client side ----------------------------------------------------------------------------------

namespace {
awaitable<term::value> do_call(process& self, term::value const& server, term::value request, runtime::timeout t,
                               bool with_timeout);
} // namespace

namespace detail {

awaitable<term::value> gen_call(process& self, term::value const& server, term::atom label, term::value request,
                                runtime::timeout t) {
  auto target = resolve(self, server);
  if (!target) throw runtime::exit_exception(atoms::noproc);
  if (*target == self.self()) throw runtime::exit_exception(term::atom("calling_self")); // it could never answer

  auto mark = self.mark();
  term::value mref;
  try {
    mref = self.monitor(*target, runtime::monitor_options{.alias = runtime::alias_mode::demonitor});
  } catch (runtime::error_exception const&) {
    throw runtime::exit_exception(atoms::badarg);
  }
  term::value const alias_head[] = {atoms::alias};
  term::value const tag = term::list_of(alias_head, mref); // [alias | Mref]
  self.send(*target, term::tuple_of({label, term::tuple_of({self.self(), tag}), std::move(request)}));

  auto is_reply = [&](term::value const& m) { return m.is_tuple() && m.arity() == 2 && m[0] == tag; };
  auto answer = co_await self.receive(
      [&](term::value const& m) { return is_reply(m) || (term::is_record(m, atoms::DOWN, 5) && m[1] == mref); }, t,
      mark);
  if (!answer) {
    self.demonitor(mref, true);
    // A reply that raced the timeout is still taken, as gen:do_call does.
    auto late = co_await self.receive(is_reply, std::chrono::milliseconds(0));
    if (late) co_return (*late)[1];
    throw runtime::exit_exception(atoms::timeout);
  }
  if (is_reply(*answer)) {
    self.demonitor(mref, true);
    co_return (*answer)[1];
  }
  term::value reason = (*answer)[4];
  if (reason == term::value(atoms::noconnection)) reason = term::tuple_of({nodedown, node_of(*target, self)});
  throw runtime::exit_exception(reason);
}

awaitable<term::value> gen_call_from(process& self, term::value const& server, term::atom label, term::value request,
                                     runtime::timeout t, term::value const& where) {
  term::value const server_term = server, where_term = where;
  std::exception_ptr failed;
  try {
    co_return co_await gen_call(self, server_term, label, std::move(request), t);
  } catch (runtime::exit_exception const&) {
    if (self.exiting()) throw;
    failed = std::current_exception();
  }
  throw runtime::exit_exception(term::tuple_of({runtime::exit_reason_of(failed), where_term}));
}

} // namespace detail

awaitable<term::value> gen_server::call(process& self, term::value const& server, term::value request,
                                        runtime::timeout t) {
  return do_call(self, server, std::move(request), t, true);
}

awaitable<term::value> gen_server::call(process& self, term::value const& server, term::value request) {
  return do_call(self, server, std::move(request), std::chrono::seconds(5), false);
}

namespace {

awaitable<term::value> do_call(process& self, term::value const& server, term::value request, runtime::timeout t,
                               bool with_timeout) {
  // The arguments of the call as made: call/2 or call/3.
  term::value args =
      with_timeout ? term::list_of({server, request, timeout_term(t)}) : term::list_of({server, request});
  term::value const where = term::tuple_of({gen_server_atom, call_atom, std::move(args)});
  co_return co_await detail::gen_call_from(self, server, gen_call, std::move(request), t, where);
}

} // namespace

void gen_server::cast(process& self, term::value const& server, term::value msg) {
  try {
    self.send(server, term::tuple_of({gen_cast, std::move(msg)}));
  } catch (runtime::error_exception const&) {
    // gen_server:cast/2 never fails: an unregistered name swallows the cast.
  }
}

void gen_server::cast(runtime::system& sys, term::value const& server, term::value msg) {
  (void)sys.send(server, term::tuple_of({gen_cast, std::move(msg)}));
}

void gen_server::reply(process& self, from const& to, term::value reply) {
  term::value msg = term::tuple_of({to.tag, std::move(reply)});
  if (auto alias = alias_of(to.tag))
    self.send(*alias, std::move(msg));
  else
    self.send(to.pid, std::move(msg));
}

awaitable<> gen_server::stop(process& self, term::value const& server, term::value reason, runtime::timeout t) {
  auto target = resolve(self, server);
  if (!target) self.exit(atoms::noproc);
  auto mark = self.mark();
  term::value const mref = self.monitor(*target);
  // What sys:terminate/3 sends; the server answers by exiting.
  self.send(*target,
            term::tuple_of({system_tag, term::tuple_of({self.self(), mref}), term::tuple_of({terminate_tag, reason})}));
  auto down = co_await self.receive(
      [&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == mref; }, t, mark);
  if (!down) {
    self.demonitor(mref, true);
    self.exit(atoms::timeout);
  }
  // The server answered `ok` before it ended, as sys's terminate does: that goes too.
  (void)co_await self.receive([&](term::value const& m) { return m.is_tuple() && m.arity() == 2 && m[0] == mref; },
                              std::chrono::milliseconds(0));
  term::value const& why = (*down)[4];
  if (why != reason) self.exit(why); // noproc, or another end than the one asked for
}

} // namespace enode::behaviours
