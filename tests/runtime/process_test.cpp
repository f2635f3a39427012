#include <enode/runtime/process.hpp>

#include "runtime/fixture.hpp"

#include <enode/runtime/pattern.hpp>

#include <atomic>
#include <vector>

namespace enode::runtime::test {

namespace {
/// A process that waits for ever (until a signal ends it).
awaitable<> idle(process& self) {
  for (;;) (void)co_await self.receive();
}

/// A process that answers {From, Msg} with From ! Msg, for ever.
awaitable<> echo(process& self) {
  for (;;) {
    auto m = co_await self.receive();
    if (m.is_tuple() && m.arity() == 2) self.send(m[0], m[1]);
  }
}

/// Waits until `other` (an `echo`) has handled every signal `self` sent it before: its
/// answer comes after them.
awaitable<> sync_with(process& self, term::pid const& other) {
  auto ref = self.make_ref();
  self.send(term::value(other), term::tuple_of({self.self(), ref}));
  auto back = co_await self.receive([&](term::value const& m) { return m == ref; }, 5s);
  REQUIRE(back);
}
} // namespace

TEST_SUITE("runtime") {

  TEST_CASE_FIXTURE(fixture, "process: self() is a pid of the system's node and creation") {
    auto reason = run([&](process& self) -> awaitable<> {
      CHECK(self.pid().node == a("test@localhost"));
      CHECK(self.pid().creation == 7);
      CHECK(self.self() == term::value(self.pid()));
      CHECK(&self.system() == &sys);
      co_return;
    });
    CHECK(reason == term::value(atoms::normal));
  }

  TEST_CASE_FIXTURE(fixture, "process: messages from one sender arrive in the order sent") {
    constexpr int n = 10000;
    auto reason = run([&](process& self) -> awaitable<> {
      auto parent = self.self();
      self.spawn([parent](process& child) -> awaitable<> {
        for (int i = 0; i < n; ++i) child.send(parent, term::tuple_of({child.self(), i}));
        co_return;
      });
      for (int i = 0; i < n; ++i) {
        auto m = co_await self.receive();
        REQUIRE(m.is_tuple());
        CHECK(m[1] == term::value(i));
      }
    });
    CHECK(reason == term::value(atoms::normal));
  }

  TEST_CASE_FIXTURE(fixture, "process: selective receive takes the first match and leaves the rest in order") {
    run([&](process& self) -> awaitable<> {
      for (int i = 0; i < 5; ++i) self.send(self.self(), i);
      self.send(self.self(), a("wanted"));
      auto m = co_await self.receive([](term::value const& v) { return v.is_atom(); });
      REQUIRE(m);
      CHECK(*m == term::value(a("wanted")));
      auto even = co_await self.receive([](term::value const& v) { return v.is_integer() && v.as_int() % 2 == 1; });
      CHECK(*even == term::value(1));
      std::vector<int> rest;
      while (auto r = co_await self.receive(0ms)) rest.push_back(static_cast<int>(r->as_int()));
      CHECK(rest == std::vector<int>{0, 2, 3, 4});
      CHECK(self.message_queue_len() == 0);
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: receive after a timeout returns nothing, after 0 polls") {
    run([&](process& self) -> awaitable<> {
      auto t0 = std::chrono::steady_clock::now();
      auto none = co_await self.receive(30ms);
      CHECK(!none);
      CHECK(std::chrono::steady_clock::now() - t0 >= 30ms);
      auto polled = co_await self.receive(0ms);
      CHECK(!polled);
      self.send(self.self(), 1);
      auto one = co_await self.receive(0ms);
      REQUIRE(one);
      CHECK(*one == term::value(1));
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: a message that arrives during a timed receive ends the wait") {
    run([&](process& self) -> awaitable<> {
      auto parent = self.self();
      auto parent_pid = self.pid();
      self.spawn([parent, parent_pid](process& c) -> awaitable<> {
        // Sent once the parent waits in its receive.
        auto& rt = c.system();
        CHECK(co_await yield_until(c, [&] { return rt.info(parent_pid)->status == process_status::waiting; }));
        c.send(parent, a("late"));
      });
      auto m = co_await self.receive(10s);
      REQUIRE(m);
      CHECK(*m == term::value(a("late")));
      // The timer of that receive must not wake a later one early.
      auto none = co_await self.receive(20ms);
      CHECK(!none);
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: a receive from a mark skips older messages and leaves them queued") {
    run([&](process& self) -> awaitable<> {
      for (int i = 0; i < 100; ++i) self.send(self.self(), term::tuple_of({a("old"), i}));
      auto mark = self.mark();
      REQUIRE(mark);
      auto ref = self.make_ref();
      self.send(self.self(), term::tuple_of({ref, a("reply")}));
      int looked = 0;
      auto m = co_await self.receive(
          [&](term::value const& v) {
            ++looked;
            return v.is_tuple() && v[0] == ref;
          },
          1s, mark);
      REQUIRE(m);
      CHECK((*m)[1] == term::value(a("reply")));
      CHECK(looked == 1); // the 100 older messages were not looked at
      CHECK(self.message_queue_len() == 100);
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: a mark survives the removal of the message it points at") {
    run([&](process& self) -> awaitable<> {
      self.send(self.self(), 1);
      self.send(self.self(), 2);
      auto mark = self.mark(); // after 2
      auto two = co_await self.receive([](term::value const& v) { return v == term::value(2); }, 0ms);
      CHECK(two);
      self.send(self.self(), 3);
      auto m = co_await self.receive(match_fn{}, 0ms, mark);
      REQUIRE(m);
      CHECK(*m == term::value(3));
      CHECK(self.message_queue_len() == 1); // 1 is still there
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: receive by pattern") {
    run([&](process& self) -> awaitable<> {
      self.send(self.self(), t("{other, 1}"));
      self.send(self.self(), t("{reply, 42, x}"));
      pattern p{"{reply, '$1', '_'}"};
      auto m = co_await self.receive(p, 1s);
      REQUIRE(m);
      CHECK(p.match(*m)->at(0) == term::value(42));
      CHECK(self.message_queue_len() == 1);
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: a body that returns exits normal, exit/1 exits with any term") {
    CHECK(run([](process&) -> awaitable<> { co_return; }) == term::value(atoms::normal));
    CHECK(run([](process& self) -> awaitable<> {
            self.exit(t("{shutdown, #{why => <<\"bye\">>}}"));
            co_return;
          }) == t("{shutdown, #{why => <<\"bye\">>}}"));
  }

  TEST_CASE_FIXTURE(fixture, "process: an exception escaping the body becomes the exit reason") {
    CHECK(run([](process&) -> awaitable<> {
            throw std::out_of_range("index 9");
            co_return;
          }) == t("{{cpp_exception, <<\"std::out_of_range\">>, <<\"index 9\">>}, []}"));
    CHECK(run([](process&) -> awaitable<> {
            throw error_exception(atoms::badarg);
            co_return;
          }) == t("{badarg, []}"));
    CHECK(run([](process&) -> awaitable<> {
            throw throw_exception(a("ball"));
            co_return;
          }) == t("{{nocatch, ball}, []}"));
  }

  TEST_CASE_FIXTURE(fixture, "links: a linked process killed with kill propagates killed") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto victim = self.spawn(echo);
      // A non-trapping process linked to the victim dies with it, with reason killed.
      auto parent = self.pid();
      auto [bystander, mref] = self.spawn_monitor([victim, parent](process& b) -> awaitable<> {
        b.link(victim);
        co_await sync_with(b, victim); // the victim has taken the link up
        b.send(term::value(parent), a("linked"));
        co_await idle(b);
      });
      self.link(victim);
      auto linked = co_await self.receive([](auto const& m) { return m == term::value(a("linked")); }, 5s);
      REQUIRE(linked);
      self.exit(victim, atoms::kill);
      auto e = co_await self.receive([&](auto const& m) { return is_exit_from(m, victim); }, 5s);
      REQUIRE(e);
      CHECK((*e)[2] == term::value(atoms::killed));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(atoms::killed));
    });
  }

  TEST_CASE_FIXTURE(fixture, "links: a normal exit does not kill linked processes that do not trap exits") {
    run([&](process& self) -> awaitable<> {
      auto parent = self.pid();
      auto [survivor, mref] = self.spawn_monitor([parent](process& s) -> awaitable<> {
        // Linked and monitored: its exit signal comes before its 'DOWN'.
        term::value cref;
        s.spawn([](process&) -> awaitable<> { co_return; }, // ends normal at once
                spawn_options{.link = true, .monitor = true, .monitor_ref = &cref});
        auto d = co_await s.receive([&](auto const& m) { return is_down(m, cref); }, 5s);
        CHECK(d);
        s.send(term::value(parent), a("child_gone"));
        auto m = co_await s.receive(5s);
        CHECK(m == std::optional(term::value(a("still_here"))));
      });
      auto gone = co_await self.receive([](auto const& m) { return m == term::value(a("child_gone")); }, 5s);
      REQUIRE(gone);
      self.send(term::value(survivor), a("still_here"));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(atoms::normal));
    });
  }

  TEST_CASE_FIXTURE(fixture, "links: trapping processes get {'EXIT', Pid, Reason} for normal and abnormal exits") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto p1 = self.spawn_link([](process&) -> awaitable<> { co_return; });
      auto e1 = co_await self.receive([&](auto const& m) { return is_exit_from(m, p1); }, 5s);
      REQUIRE(e1);
      CHECK((*e1)[2] == term::value(atoms::normal));
      auto p2 = self.spawn_link([](process& c) -> awaitable<> {
        c.exit(a("boom"));
        co_return;
      });
      auto e2 = co_await self.receive([&](auto const& m) { return is_exit_from(m, p2); }, 5s);
      REQUIRE(e2);
      CHECK((*e2)[2] == term::value(a("boom")));
      // exit(kill) travels along a link as the ordinary reason kill.
      auto p3 = self.spawn_link([](process& c) -> awaitable<> {
        c.exit(atoms::kill);
        co_return;
      });
      auto e3 = co_await self.receive([&](auto const& m) { return is_exit_from(m, p3); }, 5s);
      REQUIRE(e3);
      CHECK((*e3)[2] == term::value(atoms::kill));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "links: an abnormal exit kills a linked process that does not trap, with the same reason") {
    run([&](process& self) -> awaitable<> {
      auto [middle, mref] = self.spawn_monitor([](process& m) -> awaitable<> {
        m.spawn_link([](process& c) -> awaitable<> {
          c.exit(a("crash"));
          co_return;
        });
        co_await idle(m);
      });
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(a("crash")));
      CHECK(!sys.is_process_alive(middle));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "links: linking to a dead process raises noproc, or sends {'EXIT', P, noproc} when trapping") {
    run([&](process& self) -> awaitable<> {
      auto [dead, mref] = self.spawn_monitor([](process&) -> awaitable<> { co_return; });
      (void)co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      bool raised = false;
      try {
        self.link(dead);
      } catch (error_exception const& e) {
        raised = e.reason() == term::value(atoms::noproc);
      }
      CHECK(raised);
      self.trap_exit(true);
      self.link(dead);
      auto e = co_await self.receive([&](auto const& m) { return is_exit_from(m, dead); }, 5s);
      REQUIRE(e);
      CHECK((*e)[2] == term::value(atoms::noproc));
    });
  }

  TEST_CASE_FIXTURE(fixture, "links: after unlink, the other's exit has no effect") {
    run([&](process& self) -> awaitable<> {
      auto other = self.spawn_link([](process& c) -> awaitable<> {
        (void)co_await c.receive();
        c.exit(a("bad"));
      });
      self.unlink(other);
      auto mref = self.monitor(term::value(other));
      self.send(term::value(other), a("go"));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(a("bad")));
      auto exit_msg = co_await self.receive(20ms);
      CHECK(!exit_msg); // and still alive, with no 'EXIT'
    });
  }

  TEST_CASE_FIXTURE(fixture, "links: a link and unlink crossing on the wire leave no link (OTP 26 protocol)") {
    run([&](process& self) -> awaitable<> {
      auto other = self.spawn(echo);
      for (int i = 0; i < 50; ++i) {
        self.link(other);
        self.unlink(other);
      }
      self.link(other);
      co_await sync_with(self, other); // it has handled them all (and we its unlink acks)
      auto info = sys.info(other);
      REQUIRE(info);
      CHECK(info->links == 1);
      self.unlink(other);
      co_await sync_with(self, other);
      CHECK(sys.info(other)->links == 0);
      CHECK(sys.info(self.pid())->links == 0);
      self.exit(other, atoms::kill);
    });
  }

  TEST_CASE_FIXTURE(fixture, "exit/2: normal is ignored, other reasons kill, kill cannot be trapped") {
    run([&](process& self) -> awaitable<> {
      auto [p, m1] = self.spawn_monitor(idle);
      self.exit(p, atoms::normal);
      auto not_down = co_await self.receive([&](auto const& m) { return is_down(m, m1); }, 20ms);
      CHECK(!not_down);
      self.exit(p, a("stop"));
      auto d1 = co_await self.receive([&](auto const& m) { return is_down(m, m1); }, 5s);
      CHECK((*d1)[4] == term::value(a("stop")));

      auto parent = self.self();
      auto [trapper, m2] = self.spawn_monitor([parent](process& c) -> awaitable<> {
        c.trap_exit(true);
        c.send(parent, a("ready"));
        for (;;) {
          auto m = co_await c.receive();
          c.send(parent, m);
        }
      });
      (void)co_await self.receive([](auto const& m) { return m == term::value(a("ready")); }, 5s);
      self.exit(trapper, a("please"));
      auto got = co_await self.receive([&](auto const& m) { return is_exit_from(m, self.pid()); }, 5s);
      REQUIRE(got);
      CHECK((*got)[2] == term::value(a("please")));
      self.exit(trapper, atoms::kill);
      auto d2 = co_await self.receive([&](auto const& m) { return is_down(m, m2); }, 5s);
      CHECK((*d2)[4] == term::value(atoms::killed));
    });
  }

  TEST_CASE_FIXTURE(fixture, "exit/2: exit(self(), normal) ends the caller, trapping turns it into a message") {
    CHECK(run([](process& self) -> awaitable<> {
            self.exit(self.pid(), atoms::normal);
            FAIL("exit(self(), normal) returned");
            co_return;
          }) == term::value(atoms::normal));
    run([](process& self) -> awaitable<> {
      self.trap_exit(true);
      self.exit(self.pid(), a("note"));
      auto m = co_await self.receive(1s);
      REQUIRE(m);
      CHECK(*m == term::tuple_of({atoms::EXIT, self.self(), a("note")}));
    });
  }

  TEST_CASE_FIXTURE(fixture, "exit/2: a process killed before it first runs never runs") {
    run([&](process& self) -> awaitable<> {
      auto parent = self.self();
      // Spawned processes start after their spawner yields: the kill gets there first.
      auto [p, mref] = self.spawn_monitor([parent](process& c) -> awaitable<> {
        c.send(parent, a("i_ran"));
        co_return;
      });
      self.exit(p, atoms::kill);
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(atoms::killed));
      auto ran = co_await self.receive([](auto const& m) { return m == term::value(a("i_ran")); }, 20ms);
      CHECK(!ran);
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: two coroutines of one process cannot receive at once") {
    run([&](process& self) -> awaitable<> {
      auto other_got = std::make_shared<std::optional<term::value>>();
      auto other_done = std::make_shared<bool>(false);
      net::co_spawn(
          self.get_executor(),
          [&self, other_got, other_done]() -> awaitable<> {
            *other_got = co_await self.receive(5s);
            *other_done = true;
          },
          net::detached);
      // Until the other coroutine waits in its receive.
      CHECK(co_await yield_until(self, [&] { return sys.info(self.pid())->status == process_status::waiting; }));
      bool refused = false;
      try {
        (void)co_await self.receive(10ms);
      } catch (std::logic_error const&) {
        refused = true;
      }
      CHECK(refused);
      self.send(self.self(), a("wake_the_other"));
      CHECK(co_await yield_until(self, [&] { return *other_done; }));
      CHECK(*other_got == std::optional(term::value(a("wake_the_other"))));
    });
  }

  TEST_CASE_FIXTURE(fixture, "exit/2: a process killed while it awaits another operation ends at once") {
    run([&](process& self) -> awaitable<> {
      auto parent = self.self();
      auto [p, mref] = self.spawn_monitor([parent](process& c) -> awaitable<> {
        // The wait is on a timer that no test waits for: an hour is "for ever".
        net::steady_timer timer(c.get_executor(), std::chrono::hours(1));
        // Runs in the process once the body is suspended in the wait below.
        net::post(c.get_executor(), [&rt = c.system(), parent] { (void)rt.send(parent, a("waiting")); });
        co_await timer.async_wait(use_awaitable);
        FAIL("the timer wait was not cancelled");
      });
      auto waiting = co_await self.receive([](auto const& m) { return m == term::value(a("waiting")); }, 5s);
      REQUIRE(waiting);
      auto t0 = std::chrono::steady_clock::now();
      self.exit(p, a("enough"));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(a("enough")));
      CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    });
  }

  TEST_CASE_FIXTURE(fixture, "exit/2: a body that swallows its exit still ends with the reason it was given") {
    run([&](process& self) -> awaitable<> {
      auto [p, mref] = self.spawn_monitor([](process& c) -> awaitable<> {
        for (int i = 0; i < 3; ++i) {
          try {
            (void)co_await c.receive();
          } catch (...) {
            // swallowed
          }
        }
      });
      self.exit(p, a("go_away"));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[4] == term::value(a("go_away")));
    });
  }

  TEST_CASE_FIXTURE(fixture, "monitors: DOWN carries the exit reason, a dead or unknown target yields noproc at once") {
    run([&](process& self) -> awaitable<> {
      auto [p, mref] = self.spawn_monitor([](process& c) -> awaitable<> {
        (void)co_await c.receive();
        c.exit(a("done"));
      });
      self.send(term::value(p), a("go"));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK(*d == term::tuple_of({atoms::DOWN, mref, atoms::process, p, a("done")}));

      auto again = self.monitor(term::value(p));
      auto d2 = co_await self.receive([&](auto const& m) { return is_down(m, again); }, 1s);
      REQUIRE(d2);
      CHECK((*d2)[4] == term::value(atoms::noproc));

      auto byname = self.monitor(term::value(a("nobody_here")));
      auto d3 = co_await self.receive([&](auto const& m) { return is_down(m, byname); }, 1s);
      REQUIRE(d3);
      CHECK((*d3)[3] == term::tuple_of({a("nobody_here"), a("test@localhost")}));
      CHECK((*d3)[4] == term::value(atoms::noproc));

      bool raised = false;
      try {
        self.monitor(term::value(42));
      } catch (error_exception const& e) {
        raised = e.reason() == term::value(atoms::badarg);
      }
      CHECK(raised);
    });
  }

  TEST_CASE_FIXTURE(fixture, "monitors: by registered name, DOWN names {Name, Node}") {
    run([&](process& self) -> awaitable<> {
      auto parent = self.self();
      auto p = self.spawn([parent](process& c) -> awaitable<> {
        c.register_name(a("named_one"));
        c.send(parent, a("registered"));
        (void)co_await c.receive([](auto const& m) { return m == term::value(a("bye")); }, infinity);
      });
      (void)co_await self.receive([](auto const& m) { return m == term::value(a("registered")); }, 5s);
      auto mref = self.monitor(term::value(a("named_one")));
      self.send(term::value(a("named_one")), a("bye"));
      auto d = co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(d);
      CHECK((*d)[3] == t("{named_one, 'test@localhost'}"));
      CHECK((*d)[4] == term::value(atoms::normal));
      CHECK(!sys.whereis(a("named_one")));
      (void)p;
    });
  }

  TEST_CASE_FIXTURE(fixture, "monitors: demonitor stops the DOWN, with flush it removes one already received") {
    run([&](process& self) -> awaitable<> {
      auto p = self.spawn(idle);
      auto m1 = self.monitor(term::value(p));
      CHECK(self.demonitor(m1));
      CHECK(!self.demonitor(m1));
      auto m2 = self.monitor(term::value(p));
      self.exit(p, a("gone"));
      // Until the 'DOWN' is in (a receive that takes nothing moves it to the mailbox).
      CHECK(co_await yield_until(self, [&] { return self.message_queue_len() == 1; }));
      (void)co_await self.receive([](auto const&) { return false; }, 0ms);
      CHECK(self.message_queue_len() == 1);
      CHECK(!self.demonitor(m2, true)); // already fired: not active, but flushed
      CHECK(self.message_queue_len() == 0);
      auto no_down = co_await self.receive([&](auto const& m) { return is_down(m, m1); }, 10ms);
      CHECK(!no_down);
    });
  }

  TEST_CASE_FIXTURE(fixture, "monitors: many watchers of one process each get their DOWN") {
    run([&](process& self) -> awaitable<> {
      auto target = self.spawn(idle);
      auto parent = self.self();
      constexpr int watchers = 50;
      for (int i = 0; i < watchers; ++i) {
        self.spawn([target, parent](process& w) -> awaitable<> {
          auto ref = w.monitor(term::value(target));
          w.send(parent, a("watching"));
          auto d = co_await w.receive([&](auto const& m) { return is_down(m, ref); }, 5s);
          w.send(parent, d ? (*d)[4] : term::value(a("no_down")));
        });
      }
      for (int i = 0; i < watchers; ++i)
        (void)co_await self.receive([](auto const& m) { return m == term::value(a("watching")); }, 5s);
      self.exit(target, a("bang"));
      for (int i = 0; i < watchers; ++i) {
        auto r = co_await self.receive([](auto const& m) { return m == term::value(a("bang")); }, 5s);
        CHECK(r);
      }
    });
  }

  TEST_CASE_FIXTURE(fixture, "aliases: messages reach the owner while active and are dropped after unalias") {
    run([&](process& self) -> awaitable<> {
      auto al = self.alias();
      auto parent = self.self();
      self.spawn([al](process& c) -> awaitable<> {
        c.send(al, a("via_alias"));
        co_return;
      });
      auto m = co_await self.receive(5s);
      REQUIRE(m);
      CHECK(*m == term::value(a("via_alias")));
      CHECK(self.unalias(al));
      CHECK(!self.unalias(al));
      self.send(al, a("dropped"));
      self.send(parent, a("marker"));
      auto next = co_await self.receive(1s);
      CHECK(*next == term::value(a("marker")));
    });
  }

  TEST_CASE_FIXTURE(fixture, "aliases: a monitor alias with reply_demonitor takes one reply, then drops the monitor") {
    run([&](process& self) -> awaitable<> {
      auto server = self.spawn([](process& s) -> awaitable<> {
        for (;;) {
          auto m = co_await s.receive();
          s.send(m[0], a("r1"));
          s.send(m[0], a("r2"));
        }
      });
      auto ref = self.monitor(term::value(server), monitor_options{.alias = alias_mode::reply_demonitor});
      self.send(term::value(server), term::tuple_of({ref}));
      auto r1 = co_await self.receive(1s);
      CHECK(*r1 == term::value(a("r1")));
      auto second_reply = co_await self.receive(20ms);
      CHECK(!second_reply);        // the second reply was dropped
      CHECK(!self.demonitor(ref)); // and the monitor is gone
      self.exit(server, atoms::kill);
    });
  }

  TEST_CASE_FIXTURE(fixture, "names: register, whereis, send by name, unregistered on death") {
    run([&](process& self) -> awaitable<> {
      self.register_name(a("runner"));
      CHECK(sys.whereis(a("runner")) == self.pid());
      bool raised = false;
      try {
        self.register_name(a("again"));
      } catch (error_exception const&) {
        raised = true;
      }
      CHECK(raised); // a process has one name
      self.send(term::value(a("runner")), a("to_me"));
      auto to_me = co_await self.receive(1s);
      CHECK(*to_me == term::value(a("to_me")));
      self.send(t("{runner, 'test@localhost'}"), a("again_to_me"));
      auto again = co_await self.receive(1s);
      CHECK(*again == term::value(a("again_to_me")));
      self.send(t("{nobody, 'test@localhost'}"), a("dropped")); // {Name, Node}: no error
      raised = false;
      try {
        self.send(term::value(a("nobody")), a("x"));
      } catch (error_exception const& e) {
        raised = e.reason() == term::value(atoms::badarg);
      }
      CHECK(raised);
      raised = false;
      try {
        self.send(term::value(3), a("x"));
      } catch (error_exception const&) {
        raised = true;
      }
      CHECK(raised);
      self.unregister_name(a("runner"));
      CHECK(!sys.whereis(a("runner")));
    });
  }

  TEST_CASE_FIXTURE(fixture, "timers: send_after delivers, start_timer wraps, cancel_timer prevents delivery") {
    run([&](process& self) -> awaitable<> {
      self.send_after(10ms, self.self(), a("tick"));
      auto tick = co_await self.receive(5s);
      CHECK(*tick == term::value(a("tick")));
      auto tref = self.start_timer(10ms, self.self(), a("tock"));
      auto tock = co_await self.receive(5s);
      CHECK(*tock == term::tuple_of({atoms::timeout, tref, a("tock")}));
      auto cancelled = self.send_after(50ms, self.self(), a("never"));
      auto left = self.cancel_timer(cancelled);
      REQUIRE(left);
      CHECK(*left <= 50ms);
      CHECK(!self.cancel_timer(cancelled));
      auto never_msg = co_await self.receive(80ms);
      CHECK(!never_msg);
    });
  }

  TEST_CASE_FIXTURE(fixture, "process: a dead process's pid is never reused, and late messages to it vanish") {
    run([&](process& self) -> awaitable<> {
      auto [p, mref] = self.spawn_monitor([](process& c) -> awaitable<> { (void)co_await c.receive(1ms); });
      (void)co_await self.receive([&](auto const& m) { return is_down(m, mref); }, 5s);
      for (int i = 0; i < 100; ++i) {
        auto q = self.spawn([](process&) -> awaitable<> { co_return; });
        CHECK(q != p);
      }
      self.send(term::value(p), a("late")); // no error, no effect
      CHECK(!sys.is_process_alive(p));
    });
  }

} // TEST_SUITE
} // namespace enode::runtime::test
