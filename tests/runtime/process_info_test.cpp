#include <enode/runtime/process_info.hpp>

#include "runtime/fixture.hpp"

namespace enode::runtime::test {

TEST_SUITE("runtime") {

  TEST_CASE_FIXTURE(fixture, "process_info: the process dictionary, seen by put/get/erase and by info()") {
    run([&](process& self) -> awaitable<> {
      CHECK(self.put(a("k"), a("v1")) == term::value(atoms::undefined));
      CHECK(self.put(a("k"), a("v2")) == term::value(a("v1")));
      CHECK(self.put(t("{other, 1}"), t("[1, 2]")) == term::value(atoms::undefined));
      CHECK(self.get(a("k")) == term::value(a("v2")));
      CHECK(self.get(a("missing")) == term::value(atoms::undefined));
      auto i = sys.info(self.pid());
      REQUIRE(i);
      CHECK(i->dictionary.size() == 2);
      CHECK(i->memory > 0);
      CHECK(i->reductions > 0);
      CHECK(self.erase(a("k")) == term::value(a("v2")));
      CHECK(self.erase(a("k")) == term::value(atoms::undefined));
      CHECK(sys.info(self.pid())->dictionary.size() == 1);
      co_return;
    });
  }

  TEST_CASE_FIXTURE(fixture, "process_info: inspect tells another process's links, monitors and queued messages") {
    run([&](process& self) -> awaitable<> {
      auto const me = self.self();
      auto watched = self.spawn([me](process& p) -> awaitable<> {
        p.register_name(a("watched_name"));
        p.send(me, a("named"));
        (void)co_await p.receive();
      });
      (void)co_await self.receive([](term::value const& m) { return m == term::value(a("named")); }, 5s);
      auto target = self.spawn([me, watched](process& p) -> awaitable<> {
        p.link(me.as_pid());
        (void)p.monitor(term::value(watched));
        (void)p.monitor(term::value(a("watched_name")));
        p.send(me, a("set"));
        (void)co_await p.receive([](term::value const& m) { return m == term::value(a("stop")); }, infinity);
      });
      (void)co_await self.receive([](term::value const& m) { return m == term::value(a("set")); }, 5s);
      auto mref = self.monitor(term::value(target));
      self.send(term::value(target), a("queued"));
      auto r = co_await self.inspect(target, true);
      REQUIRE(r);
      CHECK(r->links == std::vector<term::value>{me});
      REQUIRE(r->monitors.size() == 2);
      CHECK(std::count(r->monitors.begin(), r->monitors.end(),
                       term::tuple_of({atoms::process, term::value(watched)})) == 1);
      CHECK(std::count(r->monitors.begin(), r->monitors.end(),
                       term::tuple_of({atoms::process, t("{watched_name, 'test@localhost'}")})) == 1);
      CHECK(r->monitored_by == std::vector<term::value>{me}); // ours, not the look's own
      CHECK(r->messages == std::vector<term::value>{term::value(a("queued"))});
      self.send(term::value(target), a("stop"));
      (void)co_await self.receive([&](term::value const& m) { return is_down(m, mref); }, 5s);
      CHECK(!co_await self.inspect(target));
      auto mine = co_await self.inspect(self.pid());
      REQUIRE(mine);
      CHECK(mine->links == std::vector<term::value>{});
      self.send(term::value(watched), a("done"));
    });
  }
}

} // namespace enode::runtime::test
