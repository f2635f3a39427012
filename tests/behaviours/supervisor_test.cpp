#include <enode/behaviours/supervisor.hpp>

#include "behaviours/test_server.hpp"

namespace enode::behaviours::test {

namespace {

/// A child spec for a test_server named `id`, reporting to `observer`. It traps exits by
/// default, so that a shutdown from the supervisor runs its terminate (as in OTP, a
/// server that does not trap is simply killed by it).
child_spec worker(term::value id, term::value observer, restart_type restart = restart_type::permanent,
                  term::value mode = term::atom("trap")) {
  child_spec s;
  s.id = id;
  s.restart = restart;
  s.start = [id, observer, mode](process& sup, term::value const&) {
    return gen_server::start_link(sup, std::make_unique<test_server>(id, observer, mode));
  };
  return s;
}

/// Waits for `init` from each of `ids`; returns the pids in that order.
awaitable<std::vector<term::value>> inits(process& self, std::vector<term::value> ids) {
  std::vector<term::value> pids;
  for (auto const& id : ids) {
    auto m = co_await heard(self, "init", id);
    REQUIRE_MESSAGE(m, "no init from " << id);
    pids.push_back((*m)[2]);
  }
  co_return pids;
}

awaitable<term::value> start_sup(process& self, sup_flags flags, std::vector<child_spec> children,
                                 start_options opts = {}) {
  auto r = co_await supervisor::start_link(self, flags, std::move(children), opts);
  REQUIRE_MESSAGE(r, r.to_term());
  co_return term::value(r.pid);
}

term::value pid_of_child(term::value const& which, term::value const& id) {
  for (auto const& c : which.list_elements())
    if (c[0] == id) return c[1];
  return atoms::undefined;
}

/// Vectors built outside the coroutines: GCC 12 miscompiles an initializer list that
/// lives across a co_await.
template <class... T>
std::vector<term::value> ids(T... names) {
  return {term::value(a(names))...};
}
template <class... T>
std::vector<child_spec> specs(T... s) {
  std::vector<child_spec> v;
  (v.push_back(std::move(s)), ...);
  return v;
}

} // namespace

TEST_SUITE("behaviours") {

  TEST_CASE_FIXTURE(fixture, "supervisor: one_for_one restarts the child that ended, and only it") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      auto sup = co_await start_sup(self, {strategy::one_for_one, 3, std::chrono::seconds(5)},
                                    specs(worker(a("w1"), me), worker(a("w2"), me)));
      auto pids = co_await inits(self, ids("w1", "w2"));
      gen_server::cast(self, pids[0], t("{exit, crash}"));
      auto again = co_await inits(self, ids("w1"));
      CHECK(again[0] != pids[0]);
      auto which = co_await supervisor::which_children(self, sup);
      CHECK(pid_of_child(which, a("w1")) == again[0]);
      CHECK(pid_of_child(which, a("w2")) == pids[1]);
      // Newest first, as OTP lists them.
      CHECK(which == term::list_of({term::tuple_of({a("w2"), pids[1], a("worker"), t("[]")}),
                                    term::tuple_of({a("w1"), again[0], a("worker"), t("[]")})}));
    });
  }

  TEST_CASE_FIXTURE(fixture, "supervisor: one_for_all restarts every child, rest_for_one those started after") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      (void)co_await start_sup(self, {strategy::one_for_all, 3, std::chrono::seconds(5)},
                               specs(worker(a("a1"), me), worker(a("a2"), me), worker(a("a3"), me)));
      auto pids = co_await inits(self, ids("a1", "a2", "a3"));
      gen_server::cast(self, pids[1], t("{exit, crash}"));
      // The others stop in reverse order, then all start again in order.
      auto t3 = co_await heard(self, "terminated", a("a3"));
      auto t1 = co_await heard(self, "terminated", a("a1"));
      REQUIRE(t3);
      REQUIRE(t1);
      CHECK((*t3)[2] == t("shutdown"));
      auto again = co_await inits(self, ids("a1", "a2", "a3"));
      for (std::size_t i = 0; i < 3; ++i) CHECK(again[i] != pids[i]);

      auto sup2 = co_await start_sup(self, {strategy::rest_for_one, 3, std::chrono::seconds(5)},
                                     specs(worker(a("r1"), me), worker(a("r2"), me), worker(a("r3"), me)));
      auto rp = co_await inits(self, ids("r1", "r2", "r3"));
      gen_server::cast(self, rp[1], t("{exit, crash}"));
      auto rt3 = co_await heard(self, "terminated", a("r3"));
      REQUIRE(rt3);
      auto ragain = co_await inits(self, ids("r2", "r3"));
      auto which = co_await supervisor::which_children(self, sup2);
      CHECK(pid_of_child(which, a("r1")) == rp[0]);
      CHECK(pid_of_child(which, a("r2")) == ragain[0]);
      CHECK(pid_of_child(which, a("r3")) == ragain[1]);
    });
  }

  TEST_CASE_FIXTURE(
      fixture, "supervisor: transient restarts only abnormal exits, temporary is never restarted and is forgotten") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      auto sup = co_await start_sup(
          self, {strategy::one_for_one, 5, std::chrono::seconds(5)},
          specs(worker(a("tr"), me, restart_type::transient), worker(a("tm"), me, restart_type::temporary)));
      auto pids = co_await inits(self, ids("tr", "tm"));
      gen_server::cast(self, pids[0], t("{exit, oops}"));
      auto tr2 = co_await inits(self, ids("tr"));
      gen_server::cast(self, tr2[0], t("{exit, normal}"));
      gen_server::cast(self, pids[1], t("{exit, oops}"));
      auto none = co_await heard(self, "init", a("tr"), std::chrono::milliseconds(50));
      CHECK(!none);
      auto none2 = co_await heard(self, "init", a("tm"), std::chrono::milliseconds(10));
      CHECK(!none2);
      auto which = co_await supervisor::which_children(self, sup);
      CHECK(which == t("[{tr, undefined, worker, []}]"));
      auto counts = co_await supervisor::count_children(self, sup);
      CHECK(counts == t("[{specs, 1}, {active, 0}, {supervisors, 0}, {workers, 1}]"));
    });
  }

  TEST_CASE_FIXTURE(fixture, "supervisor: past its restart intensity it stops its children and exits with shutdown") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto me = self.self();
      auto sup = co_await start_sup(self, {strategy::one_for_one, 2, std::chrono::seconds(10)},
                                    specs(worker(a("x1"), me), worker(a("x2"), me)));
      auto pids = co_await inits(self, ids("x1", "x2"));
      auto current = pids[0];
      for (int i = 0; i < 2; ++i) {
        gen_server::cast(self, current, t("{exit, crash}"));
        current = (co_await inits(self, ids("x1")))[0];
      }
      gen_server::cast(self, current, t("{exit, crash}")); // the third within the period
      auto x2_down = co_await heard(self, "terminated", a("x2"));
      REQUIRE(x2_down);
      CHECK((*x2_down)[2] == t("shutdown"));
      auto exit_msg =
          co_await self.receive([&](auto const& m) { return is_exit_from(m, sup.as_pid()); }, std::chrono::seconds(5));
      REQUIRE(exit_msg);
      CHECK((*exit_msg)[2] == t("shutdown"));
    });
  }

  TEST_CASE_FIXTURE(
      fixture, "supervisor: shutdown stops children in reverse order, killing one that ignores it after its timeout") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto me = self.self();
      auto stubborn = worker(a("stubborn"), me, restart_type::permanent, a("trap"));
      stubborn.shutdown = shutdown_spec::after(std::chrono::milliseconds(50));
      // A trapping test_server terminates on shutdown from its parent; make this one deaf
      // by giving it a parent that is not the supervisor.
      stubborn.start = [me](process& sup, term::value const&) -> awaitable<start_result> {
        auto pid = sup.spawn_link([me](process& p) -> awaitable<> {
          p.trap_exit(true);
          p.send(me, term::tuple_of({a("init"), a("stubborn"), p.self()}));
          for (;;) (void)co_await p.receive();
        });
        co_return start_result::ok(pid);
      };
      auto brutal = worker(a("brutal"), me);
      brutal.shutdown = shutdown_spec::brutal_kill();
      auto sup = co_await start_sup(self, {}, specs(worker(a("first"), me), stubborn, brutal, worker(a("last"), me)));
      auto pids = co_await inits(self, ids("first", "stubborn", "brutal", "last"));
      for (auto const& p : pids) (void)self.monitor(p);
      auto t0 = std::chrono::steady_clock::now();
      co_await gen_server::stop(self, sup, atoms::shutdown);
      // Each child's terminate message leaves before it exits, and the supervisor stops the
      // next child only after the last one is down: 'last' terminates before 'first'.
      auto first_done = co_await self.receive(
          [](auto const& m) { return m.is_tuple() && m.arity() == 3 && m[0] == term::value(a("terminated")); },
          std::chrono::seconds(5));
      REQUIRE(first_done);
      CHECK((*first_done)[1] == t("last"));
      CHECK((*first_done)[2] == t("shutdown"));
      auto second_done = co_await heard(self, "terminated", a("first"));
      REQUIRE(second_done);
      CHECK((*second_done)[2] == t("shutdown"));
      for (int i = 0; i < 4; ++i) {
        auto d = co_await self.receive(
            [](auto const& m) { return m.is_tuple() && m.arity() == 5 && m[0] == term::value(atoms::DOWN); },
            std::chrono::seconds(5));
        REQUIRE(d);
        if ((*d)[3] == pids[1] || (*d)[3] == pids[2])
          CHECK((*d)[4] == t("killed"));
        else
          CHECK((*d)[4] == t("shutdown"));
      }
      CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(50));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "supervisor: simple_one_for_one starts children with extra arguments and stops them by pid") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      child_spec tmpl;
      tmpl.id = a("dyn");
      tmpl.restart = restart_type::temporary;
      tmpl.start = [me](process& sup, term::value const& args) {
        return gen_server::start_link(sup, std::make_unique<test_server>(args.list_elements()[0], me, a("trap")));
      };
      auto sup = co_await start_sup(self, {strategy::simple_one_for_one, 1, std::chrono::seconds(5)}, specs(tmpl));
      auto r1 = co_await supervisor::start_child(self, sup, t("[d1]"));
      auto r2 = co_await supervisor::start_child(self, sup, t("[d2]"));
      REQUIRE(r1);
      REQUIRE(r2);
      (void)co_await inits(self, ids("d1", "d2"));
      auto counts = co_await supervisor::count_children(self, sup);
      CHECK(counts == t("[{specs, 2}, {active, 2}, {supervisors, 0}, {workers, 2}]"));
      auto r = co_await supervisor::terminate_child(self, sup, term::value(r1.pid));
      CHECK(r == t("ok"));
      auto gone = co_await heard(self, "terminated", a("d1"));
      REQUIRE(gone);
      auto which = co_await supervisor::which_children(self, sup);
      CHECK(which == term::list_of({term::tuple_of({atoms::undefined, term::value(r2.pid), a("worker"), t("[]")})}));
      auto missing = co_await supervisor::terminate_child(self, sup, term::value(r1.pid));
      CHECK(missing == t("{error, not_found}"));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "supervisor: start_child, terminate_child, restart_child and delete_child on static children") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      auto sup = co_await start_sup(self, {}, specs());
      auto r = co_await supervisor::start_child(self, sup, worker(a("c1"), me));
      REQUIRE(r);
      auto dup = co_await supervisor::start_child(self, sup, worker(a("c1"), me));
      CHECK(dup.reason == term::tuple_of({a("already_started"), term::value(r.pid)}));
      auto running = co_await supervisor::delete_child(self, sup, a("c1"));
      CHECK(running == t("{error, running}"));
      auto stopped = co_await supervisor::terminate_child(self, sup, a("c1"));
      CHECK(stopped == t("ok"));
      auto which = co_await supervisor::which_children(self, sup);
      CHECK(which == t("[{c1, undefined, worker, []}]"));
      auto present = co_await supervisor::start_child(self, sup, worker(a("c1"), me));
      CHECK(present.reason == t("already_present"));
      auto restarted = co_await supervisor::restart_child(self, sup, a("c1"));
      REQUIRE(restarted.is_tuple());
      CHECK(restarted[0] == t("ok"));
      CHECK(restarted[1].is_pid());
      (void)co_await supervisor::terminate_child(self, sup, a("c1"));
      auto deleted = co_await supervisor::delete_child(self, sup, a("c1"));
      CHECK(deleted == t("ok"));
      auto none = co_await supervisor::restart_child(self, sup, a("c1"));
      CHECK(none == t("{error, not_found}"));
      auto bad = co_await gen_server::call(self, sup, t("what_is_this"));
      CHECK(bad == t("{error, {badcall, what_is_this}}"));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "supervisor: a child that fails to start fails the supervisor's start, after stopping the others") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto me = self.self();
      auto r = co_await supervisor::start_link(self, {},
                                               specs(worker(a("ok1"), me),
                                                     worker(a("bad"), me, restart_type::permanent, t("{stop, nope}")),
                                                     worker(a("never"), me)));
      CHECK(r.to_term() == t("{error, {shutdown, {failed_to_start_child, bad, nope}}}"));
      auto stopped = co_await heard(self, "terminated", a("ok1"));
      REQUIRE(stopped);
      auto never = co_await heard(self, "init", a("never"), std::chrono::milliseconds(20));
      CHECK(!never);
    });
  }

  TEST_CASE_FIXTURE(fixture, "supervisor: supervisors nest, the top one's shutdown takes down the tree") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto me = self.self();
      child_spec inner;
      inner.id = a("inner");
      inner.type = child_type::supervisor;
      inner.start = [me](process& sup, term::value const&) {
        return supervisor::start_link(sup, {}, {worker(a("leaf"), me)});
      };
      auto top = co_await start_sup(self, {}, specs(inner, worker(a("sibling"), me)));
      auto pids = co_await inits(self, ids("leaf", "sibling"));
      auto which = co_await supervisor::which_children(self, top);
      CHECK(which.list_elements()[1][2] == t("supervisor")); // newest first: sibling, then inner
      self.exit(top.as_pid(), atoms::shutdown);
      auto sib = co_await heard(self, "terminated", a("sibling"));
      auto leaf = co_await heard(self, "terminated", a("leaf"));
      REQUIRE(sib);
      REQUIRE(leaf);
      auto exit_msg =
          co_await self.receive([&](auto const& m) { return is_exit_from(m, top.as_pid()); }, std::chrono::seconds(5));
      REQUIRE(exit_msg);
      CHECK((*exit_msg)[2] == t("shutdown"));
      (void)pids;
    });
  }

  TEST_CASE_FIXTURE(fixture, "supervisor: a simple_one_for_one child whose restart fails is retried until it starts") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      auto failures = std::make_shared<std::atomic<int>>(0); // starts of d2 to fail from now on
      child_spec tmpl;
      tmpl.id = a("dyn");
      tmpl.start = [me, failures](process& sup, term::value const& args) -> awaitable<start_result> {
        auto id = args.list_elements()[0];
        if (id == term::value(a("d2")) && failures->load() > 0) {
          failures->fetch_sub(1);
          co_return start_result::error(a("not_now"));
        }
        co_return co_await gen_server::start_link(sup, std::make_unique<test_server>(id, me));
      };
      auto sup = co_await start_sup(self, {strategy::simple_one_for_one, 10, std::chrono::seconds(5)}, specs(tmpl));
      (void)co_await supervisor::start_child(self, sup, t("[d1]"));
      auto d2 = co_await supervisor::start_child(self, sup, t("[d2]"));
      REQUIRE(d2);
      (void)co_await inits(self, ids("d1", "d2"));
      failures->store(2);
      gen_server::cast(self, term::value(d2.pid), t("{exit, crash}"));
      auto again = co_await inits(self, ids("d2")); // after two failed restarts
      CHECK(again[0] != term::value(d2.pid));
      auto counts = co_await supervisor::count_children(self, sup);
      CHECK(counts == t("[{specs, 2}, {active, 2}, {supervisors, 0}, {workers, 2}]"));
    });
  }

} // TEST_SUITE
} // namespace enode::behaviours::test
