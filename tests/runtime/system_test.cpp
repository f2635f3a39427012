#include <enode/runtime/system.hpp>

#include "runtime/fixture.hpp"

#include <enode/runtime/error.hpp>

#include <set>
#include <thread>
#include <unordered_set>

namespace enode::runtime::test {

TEST_SUITE("runtime") {

  TEST_CASE_FIXTURE(fixture, "system: send from outside a process, to pids and names") {
    std::promise<term::value> got;
    auto pid = sys.spawn([&](process& self) -> awaitable<> {
      self.register_name(a("inbox"));
      auto m1 = co_await self.receive();
      auto m2 = co_await self.receive();
      got.set_value(term::list_of({m1, m2}));
    });
    REQUIRE(pid);
    REQUIRE(eventually([&] { return sys.whereis(a("inbox")).has_value(); }));
    CHECK(sys.send(term::value(*pid), a("one")));
    CHECK(sys.send(term::value(a("inbox")), a("two")));
    auto f = got.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get() == t("[one, two]"));
    CHECK(sys.send(term::value(a("nobody")), a("x")).error() == error::not_registered);
    CHECK(sys.send(term::value(1.5), a("x")).error() == error::bad_destination);
    CHECK(sys.send(t("{nobody, 'test@localhost'}"), a("x")));
  }

  TEST_CASE_FIXTURE(fixture, "system: register refuses taken names, named pids, dead pids and undefined") {
    std::promise<void> stop;
    auto stop_f = stop.get_future().share();
    auto idle_body = [stop_f](process& self) -> awaitable<> {
      while (stop_f.wait_for(0s) != std::future_status::ready) (void)co_await self.receive(5ms);
    };
    auto p1 = *sys.spawn(idle_body);
    auto p2 = *sys.spawn(idle_body);
    CHECK(sys.register_name(a("first"), p1));
    CHECK(sys.register_name(a("first"), p2).error() == error::name_taken);
    CHECK(sys.register_name(a("second"), p1).error() == error::already_named);
    CHECK(sys.register_name(atoms::undefined, p2).error() == error::bad_name);
    term::pid foreign{a("other@host"), 1, 0, 1};
    CHECK(sys.register_name(a("x"), foreign).error() == error::not_local);
    term::pid never{a("test@localhost"), 999999, 0, 7};
    CHECK(sys.register_name(a("x"), never).error() == error::not_alive);
    CHECK(sys.registered() == std::vector<term::atom>{a("first")});
    CHECK(sys.unregister_name(a("first")));
    CHECK(sys.unregister_name(a("first")).error() == error::not_registered);
    CHECK(sys.register_name(a("second"), p1));
    stop.set_value();
    REQUIRE(eventually([&] { return !sys.is_process_alive(p1) && !sys.is_process_alive(p2); }));
    CHECK(!sys.whereis(a("second")));
  }

  TEST_CASE_FIXTURE(fixture, "system: references are unique across threads and carry node and creation") {
    std::vector<term::value> refs[4];
    std::vector<std::thread> threads;
    for (auto& v : refs)
      threads.emplace_back([&] {
        for (int i = 0; i < 5000; ++i) v.push_back(sys.make_ref());
      });
    for (auto& th : threads) th.join();
    std::unordered_set<term::value> all;
    for (auto& v : refs)
      for (auto& r : v) {
        CHECK(r.as_reference().node == a("test@localhost"));
        CHECK(r.as_reference().creation == 7);
        all.insert(r);
      }
    CHECK(all.size() == 20000);
  }

  TEST_CASE_FIXTURE(fixture, "system: timers from outside a process, read and cancelled") {
    std::promise<term::value> got;
    auto pid = *sys.spawn([&](process& self) -> awaitable<> { got.set_value(co_await self.receive()); });
    auto tref = sys.start_timer(20ms, term::value(pid), a("ring"));
    auto left = sys.read_timer(tref);
    REQUIRE(left);
    CHECK(*left <= 20ms);
    auto never = sys.send_after(std::chrono::hours(1), term::value(pid), a("never"));
    CHECK(sys.stats().timers == 2);
    CHECK(sys.cancel_timer(never));
    CHECK(!sys.read_timer(never));
    auto f = got.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get() == term::tuple_of({atoms::timeout, tref, a("ring")}));
    CHECK(!sys.cancel_timer(tref)); // fired
    CHECK(sys.stats().timers == 0);
  }

  TEST_CASE_FIXTURE(fixture, "system: processes() and info() describe each process") {
    std::promise<void> ready;
    auto pid = *sys.spawn([&](process& self) -> awaitable<> {
      self.register_name(a("described"));
      self.trap_exit(true);
      self.send(self.self(), a("one"));
      self.send(self.self(), a("two"));
      ready.set_value();
      (void)co_await self.receive([](term::value const& m) { return m == term::value(a("stop")); }, infinity);
    });
    ready.get_future().wait();
    REQUIRE(eventually([&] { return sys.info(pid)->status == process_status::waiting; }));
    auto i = sys.info(pid);
    REQUIRE(i);
    CHECK(i->registered_name == a("described"));
    CHECK(i->message_queue_len == 2);
    CHECK(i->trap_exit);
    bool listed = false;
    for (auto const& p : sys.processes()) listed = listed || p.pid == pid;
    CHECK(listed);
    CHECK(to_string(process_status::waiting) == "waiting");
    CHECK(sys.send(term::value(pid), a("stop")));
    REQUIRE(eventually([&] { return !sys.info(pid); }));
  }

  TEST_CASE_FIXTURE(fixture, "system: counters of spawns, exits and messages") {
    auto before = sys.stats();
    run([](process& self) -> awaitable<> {
      for (int i = 0; i < 10; ++i) {
        auto parent = self.self();
        self.spawn([parent](process& c) -> awaitable<> {
          c.send(parent, 1);
          co_return;
        });
      }
      for (int i = 0; i < 10; ++i) (void)co_await self.receive();
    });
    REQUIRE(eventually([&] { return sys.stats().exited - before.exited >= 12; }));
    auto after = sys.stats();
    CHECK(after.spawned - before.spawned == 12); // the body, its watcher, ten children
    CHECK(after.messages_sent - before.messages_sent >= 10);
    CHECK(after.messages_received - before.messages_received >= 10);
    CHECK(after.exited_normal - before.exited_normal >= 12);
    CHECK(after.turns > before.turns);
  }

  TEST_CASE_FIXTURE(fixture, "system: exits are counted by reason: normal, shutdown and the others") {
    auto before = sys.stats();
    run([](process& self) -> awaitable<> {
      self.trap_exit(true);
      for (auto const* why : {"shutdown", "{shutdown, done}", "boom"}) {
        auto reason = t(why);
        auto child = self.spawn_link([reason](process& c) -> awaitable<> {
          c.exit(reason);
          co_return;
        });
        (void)co_await self.receive([&](term::value const& m) { return is_exit_from(m, child); }, infinity);
      }
    });
    REQUIRE(eventually([&] { return sys.stats().exited - before.exited >= 5; }));
    auto after = sys.stats();
    CHECK(after.exited_shutdown - before.exited_shutdown == 2);
    CHECK(after.exited_other - before.exited_other == 1);
  }

  TEST_CASE("system: shutdown tells the roots, kills what remains after the grace time, and join returns") {
    scheduler sched(test_threads());
    sched.start();
    runtime::system sys(sched.context());
    std::promise<term::value> told;
    std::promise<void> first_ready, second_ready;
    // A trapping root sees {'EXIT', <0.0.0>, shutdown}, then ends.
    auto root = *sys.spawn([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      // ...after linking a child that does not trap: it dies with the root's reason.
      self.spawn_link([](process& c) -> awaitable<> {
        for (;;) (void)co_await c.receive();
      });
      first_ready.set_value();
      auto m = co_await self.receive();
      told.set_value(m);
    });
    // A stubborn root that traps and ignores the shutdown: killed after the grace time.
    *sys.spawn([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      second_ready.set_value();
      for (;;) (void)co_await self.receive();
    });
    // Both trap before the shutdown (a process that has not run yet would simply die of it).
    first_ready.get_future().wait();
    second_ready.get_future().wait();
    CHECK(sys.stats().processes >= 2);
    auto t0 = std::chrono::steady_clock::now();
    sys.shutdown(100ms);
    CHECK(sys.spawn([](process&) -> awaitable<> { co_return; }).error() == error::shutting_down);
    sys.join();
    CHECK(std::chrono::steady_clock::now() - t0 >= 100ms);
    auto f = told.get_future();
    REQUIRE(f.wait_for(0s) == std::future_status::ready);
    auto m = f.get();
    CHECK(m[0] == term::value(atoms::EXIT));
    CHECK(m[1].as_pid().id == 0);
    CHECK(m[2] == term::value(atoms::shutdown));
    CHECK(sys.stopped());
    CHECK(sys.stats().processes == 0);
    (void)root;
  }

  TEST_CASE("system: hosted on an application's own io_context and threads") {
    net::io_context ioc;
    auto work = net::make_work_guard(ioc);
    std::thread app_thread([&] { ioc.run(); });
    {
      runtime::system sys(ioc, system_options{.node = a("app@host"), .creation = 3});
      std::promise<term::value> got;
      auto echo = *sys.spawn([](process& self) -> awaitable<> {
        auto m = co_await self.receive();
        self.send(m[0], m[1]);
      });
      (void)*sys.spawn([&](process& self) -> awaitable<> {
        self.send(term::value(echo), term::tuple_of({self.self(), a("hi")}));
        got.set_value(*co_await self.receive(5s));
      });
      auto f = got.get_future();
      REQUIRE(f.wait_for(10s) == std::future_status::ready);
      CHECK(f.get() == term::value(a("hi")));
      CHECK(echo.node == a("app@host"));
      CHECK(echo.creation == 3);
      sys.shutdown();
      sys.join();
    }
    work.reset();
    app_thread.join();
  }

  TEST_CASE("system: join from a thread of its own io_context is refused") {
    scheduler sched(1);
    sched.start();
    runtime::system sys(sched.context());
    std::promise<bool> refused;
    net::post(sched.context(), [&] {
      try {
        sys.join();
        refused.set_value(false);
      } catch (std::logic_error const&) {
        refused.set_value(true);
      }
    });
    CHECK(refused.get_future().get());
  }

  TEST_CASE("system: 100 000 idle processes fit, and all end on shutdown") {
    scheduler sched(test_threads());
    sched.start();
    runtime::system sys(sched.context());
    constexpr std::size_t n = 100000;
    std::atomic<std::size_t> waiting{0};
    auto first = *sys.spawn([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      for (std::size_t i = 0; i < n - 1; ++i) {
        self.spawn_link([&](process& c) -> awaitable<> {
          waiting.fetch_add(1, std::memory_order_relaxed);
          (void)co_await c.receive();
        });
      }
      for (;;) (void)co_await self.receive();
    });
    REQUIRE(eventually([&] { return waiting.load() == n - 1; }));
    CHECK(sys.stats().processes == n);
    CHECK(sys.processes().size() == n);
    // The root traps and stays: killed once the grace time is up, and its links take the rest.
    sys.shutdown(std::chrono::milliseconds(50));
    sys.join();
    CHECK(sys.stats().processes == 0);
    CHECK(sys.stats().exited == n);
    (void)first;
  }

} // TEST_SUITE
} // namespace enode::runtime::test
