#include <enode/node/blocking.hpp>

#include "runtime/fixture.hpp"

#include <enode/behaviours/gen_server.hpp>

#include <doctest/doctest.h>

#include <boost/system/system_error.hpp>
#include <future>
#include <thread>
#include <utility>

// A process driven by the test's own thread, on a runtime without a node.

namespace {

using namespace enode;
using namespace enode::runtime::test;
using behaviours::action;
using runtime::awaitable;
using runtime::process;

class counter final : public behaviours::gen_server {
  int n_ = 0;
  awaitable<action> handle_call(term::value const& req, behaviours::from const&) override {
    if (req.is_atom("crash")) throw runtime::error_exception(term::atom("crashed"));
    co_return action::reply(++n_);
  }
  awaitable<action> handle_cast(term::value const& msg) override {
    n_ += static_cast<int>(msg.as_int());
    co_return action::noreply();
  }
};

} // namespace

TEST_SUITE("node") {
  TEST_CASE_FIXTURE(fixture, "blocking: send and receive from a plain thread") {
    node::blocking me(sys);
    // An echo process answers {From, T} with From ! T.
    auto echo = sys.spawn([](process& self) -> awaitable<> {
      for (;;) {
        auto m = co_await self.receive();
        if (m.is_tuple() && m.arity() == 2 && m[0].is_pid()) self.send(m[0], m[1]);
      }
    });
    REQUIRE(echo);
    for (int i = 0; i < 100; ++i) me.send(term::value(*echo), term::tuple_of({me.self(), term::value(i)}));
    for (int i = 0; i < 100; ++i) CHECK(me.receive(5s) == std::optional<term::value>(term::value(i))); // in order
    CHECK_FALSE(me.receive(10ms));
    CHECK_THROWS_AS(me.send(term::value(a("nobody_has_this_name")), term::value(1)), runtime::error_exception);
  }

  TEST_CASE_FIXTURE(fixture, "blocking: a selective receive leaves the others in order") {
    node::blocking me(sys);
    for (int i : {1, 2, 3, 4}) me.send(me.self(), term::value(i));
    auto three = me.receive([](term::value const& m) { return m == term::value(3); }, 5s);
    CHECK(three == std::optional<term::value>(term::value(3)));
    CHECK_FALSE(me.receive([](term::value const& m) { return m == term::value(9); }, 20ms));
    CHECK(me.receive(1s) == std::optional<term::value>(term::value(1)));
    CHECK(me.receive(1s) == std::optional<term::value>(term::value(2)));
    CHECK(me.receive(1s) == std::optional<term::value>(term::value(4)));
    // One that comes while the receive waits: it is sent once the receive has looked at
    // a marker (which it leaves), so it arrives during the wait that follows.
    std::promise<void> looked;
    std::thread later([&, f = looked.get_future()] {
      f.wait();
      (void)sys.send(me.self(), term::value(a("late")));
    });
    me.send(me.self(), term::value(a("marker")));
    bool told = false;
    auto late = me.receive(
        [&](term::value const& m) {
          if (m != term::value(a("marker"))) return true;
          if (!std::exchange(told, true)) looked.set_value();
          return false;
        },
        5s);
    if (!told) looked.set_value(); // (the marker never came: let the thread go)
    later.join();
    CHECK(late == std::optional<term::value>(term::value(a("late"))));
    CHECK(me.receive(1s) == std::optional<term::value>(term::value(a("marker"))));
  }

  TEST_CASE_FIXTURE(fixture, "blocking: call and cast a gen_server, and a failed call exits as in OTP") {
    node::blocking me(sys);
    auto started = me.run([](process& self) -> awaitable<behaviours::start_result> {
      co_return co_await behaviours::gen_server::start(self, std::make_unique<counter>(),
                                                       behaviours::start_options{.name = term::atom("counter")});
    });
    REQUIRE(started);
    term::value const server = term::value(a("counter"));
    CHECK(me.call(server, a("next"), 5s) == term::value(1));
    me.cast(server, term::value(10));
    CHECK(me.call(server, a("next"), 5s) == term::value(12));
    try {
      (void)me.call(term::value(a("nobody")), a("next"), 1s);
      FAIL("no exit");
    } catch (runtime::exit_exception const& e) {
      CHECK(e.reason()[0] == term::value(atoms::noproc));
    }
    try {
      (void)me.call(server, a("crash"), 5s);
      FAIL("no exit");
    } catch (runtime::exit_exception const& e) {
      CHECK(e.reason()[0].is_tuple());
    }
  }

  TEST_CASE_FIXTURE(fixture, "blocking: run returns the body's value or rethrows its exception") {
    node::blocking me(sys);
    CHECK(me.run([](process& self) -> awaitable<term::value> { co_return self.self(); }).is_pid());
    me.run([](process&) -> awaitable<void> { co_return; });
    CHECK_THROWS_AS(me.run([](process&) -> awaitable<int> { throw runtime::error_exception(term::atom("no")); }),
                    runtime::error_exception);
  }

  TEST_CASE_FIXTURE(fixture, "blocking: from the node's own threads it fails at once with would_deadlock") {
    node::blocking me(sys);
    auto reason = run([&](process&) -> awaitable<> {
      try {
        (void)me.receive(1s);
        FAIL("receive blocked");
      } catch (boost::system::system_error const& e) {
        CHECK(e.code() == runtime::error::would_deadlock);
      }
      try {
        (void)me.call(term::value(a("anyone")), a("x"), 1s);
        FAIL("call blocked");
      } catch (boost::system::system_error const& e) {
        CHECK(e.code() == runtime::error::would_deadlock);
      }
      co_return;
    });
    CHECK(reason == term::value(atoms::normal));
  }

  TEST_CASE_FIXTURE(fixture, "blocking: its process ends normal with the object") {
    node::blocking watcher(sys);
    term::pid pid;
    {
      node::blocking me(sys);
      pid = me.pid();
      auto w = watcher.self();
      auto spy = sys.spawn([pid, w](process& self) -> awaitable<> {
        auto ref = self.monitor(term::value(pid));
        self.send(w, term::atom("monitoring"));
        auto d = co_await self.receive([&](term::value const& m) { return is_down(m, ref); }, runtime::infinity);
        self.send(w, (*d)[4]);
      });
      REQUIRE(spy);
      CHECK(watcher.receive(5s) == std::optional<term::value>(term::value(a("monitoring"))));
    }
    CHECK(watcher.receive(5s) == std::optional<term::value>(term::value(atoms::normal)));
    CHECK_FALSE(sys.is_process_alive(pid));
  }
}
