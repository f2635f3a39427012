#pragma once

// A gen_server for the behaviour tests: it does what its requests say, and tells an
// observer process about its init and terminate.
#include <enode/behaviours/gen_server.hpp>

#include "runtime/fixture.hpp"

#include <stdexcept>

namespace enode::behaviours::test {

using namespace runtime::test;
using runtime::awaitable;
using runtime::process;

/// The runtime tests' fixture, with a short grace time at its shutdown. A behaviour test
/// leaves its servers running when it ends (a linked server does not stop when its
/// starter returns: a normal exit signal does not end it), and they are only killed once
/// the grace time is up. Everything is asserted before; there is nothing to wait for.
/// (It hides runtime::test::fixture here; its shutdown(1s) is then a no-op.)
struct fixture : runtime::test::fixture {
  ~fixture() { sys.shutdown(std::chrono::milliseconds(20)); }
};

struct test_server : gen_server {
  term::value id;
  term::value observer;              // a pid, or [] for none
  term::value init_mode = atoms::ok; // ok | ignore | {stop, R} | crash | slow
  std::optional<from> pending;       // a caller answered later
  int calls = 0;

  test_server(term::value id_, term::value observer_, term::value init_mode_ = atoms::ok)
      : id(std::move(id_)), observer(std::move(observer_)), init_mode(std::move(init_mode_)) {}

  void tell(term::value msg) {
    if (observer.is_pid()) self().send(observer, std::move(msg));
  }

  awaitable<action> init() override {
    tell(term::tuple_of({a("init"), id, self().self()}));
    if (init_mode == term::value(atoms::ignore)) co_return action::ignore();
    if (init_mode.is_tuple() && init_mode[0] == term::value(a("stop"))) co_return action::stop(init_mode[1]);
    if (init_mode == term::value(a("crash"))) throw std::runtime_error("init failed");
    // A test of time: init must outlast start's timeout.
    if (init_mode == term::value(a("slow"))) co_await self().sleep(std::chrono::hours(1));
    if (init_mode == term::value(a("trap"))) self().trap_exit(true);
    co_return action::ok();
  }

  awaitable<action> handle_call(term::value const& req, from const& caller) override {
    ++calls;
    if (req.is_tuple() && req.arity() == 2 && req[0] == term::value(a("echo"))) co_return action::reply(req[1]);
    if (req == term::value(a("calls"))) co_return action::reply(calls);
    if (req == term::value(a("crash"))) throw std::runtime_error("handle_call failed");
    if (req.is_tuple() && req.arity() == 2 && req[0] == term::value(a("stop")))
      co_return action::stop(req[1], a("stopping"));
    if (req == term::value(a("later"))) {
      tell(term::tuple_of({a("later"), id, self().self()}));
      pending = caller;
      co_return action::noreply();
    }
    if (req == term::value(a("with_timeout"))) co_return action::reply(a("armed")).after(std::chrono::milliseconds(20));
    if (req == term::value(a("with_continue"))) co_return action::reply(a("continuing")).then_continue(a("next"));
    if (req == term::value(a("self"))) co_return action::reply(self().self());
    co_return action::reply(term::tuple_of({a("unknown"), req}));
  }

  awaitable<action> handle_cast(term::value const& msg) override {
    if (msg == term::value(a("release")) && pending) {
      gen_server::reply(self(), *pending, a("released"));
      pending.reset();
      co_return action::noreply();
    }
    if (msg.is_tuple() && msg.arity() == 2 && msg[0] == term::value(a("exit"))) self().exit(msg[1]);
    if (msg == term::value(a("bad_return"))) co_return action::reply(a("not_allowed"));
    tell(term::tuple_of({a("cast"), id, msg}));
    co_return action::noreply();
  }

  awaitable<action> handle_info(term::value const& msg) override {
    tell(term::tuple_of({a("info"), id, msg}));
    co_return action::noreply();
  }

  awaitable<action> handle_continue(term::value const& c) override {
    tell(term::tuple_of({a("continue"), id, c}));
    co_return action::noreply();
  }

  awaitable<> terminate(term::value const& reason) override {
    tell(term::tuple_of({a("terminated"), id, reason}));
    co_return;
  }
};

/// The next message from the observer's mailbox tagged `tag` for server `id`.
inline awaitable<std::optional<term::value>> heard(process& self, std::string_view tag, term::value const& id,
                                                   runtime::timeout t = std::chrono::seconds(5)) {
  term::value const want = a(tag);
  co_return co_await self.receive(
      [&](term::value const& m) { return m.is_tuple() && m.arity() == 3 && m[0] == want && m[1] == id; }, t);
}

/// Runs `body` expecting an exit_exception, and returns its reason.
template <class F>
awaitable<std::optional<term::value>> exit_of(F body) {
  try {
    co_await body();
  } catch (runtime::exit_exception const& e) {
    co_return e.reason();
  }
  co_return std::nullopt;
}

} // namespace enode::behaviours::test
