#include <enode/behaviours/supervisor.hpp>
#include <enode/behaviours/sys.hpp>

#include "behaviours/test_server.hpp"

namespace enode::behaviours::test {

namespace {

// A counter whose state converts both ways, as sys:get_state and sys:replace_state see it.
struct counter final : gen_server {
  std::int64_t n = 0;
  awaitable<action> handle_call(term::value const& req, from const&) override {
    if (req == term::value(a("get"))) co_return action::reply(term::value(n));
    co_return action::reply(term::tuple_of({a("unknown"), req}));
  }
  awaitable<action> handle_cast(term::value const& msg) override {
    if (msg == term::value(a("bump"))) ++n;
    co_return action::noreply();
  }
  term::value state() const override { return term::tuple_of({a("counter"), term::value(n)}); }
  void replace_state(term::value const& s) override {
    if (!term::is_record(s, a("counter"), 2) || !s[1].is_small()) throw runtime::error_exception(atoms::badarg);
    n = s[1].as_int();
  }
};

awaitable<term::pid> start_counter(process& self, term::atom name) {
  auto r = co_await gen_server::start_link(self, std::make_unique<counter>(), start_options{.name = name});
  REQUIRE(r);
  co_return r.pid;
}

// A system message sent by hand: `{system, {Self, Ref}, Request}`, and the answer.
awaitable<term::value> detail_call(process& self, term::value const& server, term::value request) {
  auto mark = self.mark();
  auto ref = self.make_ref();
  self.send(server, term::tuple_of({a("system"), term::tuple_of({self.self(), ref}), std::move(request)}));
  auto r = co_await self.receive([&](term::value const& m) { return m.is_tuple() && m.arity() == 2 && m[0] == ref; },
                                 5s, mark);
  REQUIRE(r);
  co_return (*r)[1];
}

} // namespace

TEST_SUITE("behaviours") {

  TEST_CASE_FIXTURE(fixture, "sys: get_state shows state(), a server without it shows its class") {
    run([&](process& self) -> awaitable<> {
      auto pid = co_await start_counter(self, a("c1"));
      gen_server::cast(self, term::value(pid), a("bump"));
      CHECK(co_await sys::get_state(self, term::value(a("c1"))) == t("{counter, 1}"));
      auto r = co_await gen_server::start_link(self, std::make_unique<test_server>(a("plain"), term::list_of({})));
      REQUIRE(r);
      auto plain = co_await sys::get_state(self, term::value(r.pid));
      REQUIRE(term::is_record(plain, a("cpp_object"), 2));
      CHECK(plain[1] == term::binary_of("enode::behaviours::test::test_server"));
    });
  }

  TEST_CASE_FIXTURE(fixture, "sys: get_status has OTP's shape, with proc_lib's dictionary entries") {
    run([&](process& self) -> awaitable<> {
      auto pid = co_await start_counter(self, a("c2"));
      auto st = co_await sys::get_status(self, term::value(a("c2")));
      REQUIRE(term::is_record(st, a("status"), 4));
      CHECK(st[1] == term::value(pid));
      CHECK(st[2] == t("{module, gen_server}"));
      auto const parts = st[3].list_elements();
      REQUIRE(parts.size() == 5);
      bool initial_call = false;
      for (auto const& kv : parts[0].list_elements())
        if (kv[0] == term::value(a("$initial_call")))
          initial_call = kv[1] == term::tuple_of({a("enode::behaviours::test::counter"), a("init"), term::value(1)});
      CHECK(initial_call);
      CHECK(parts[1] == term::value(a("running")));
      CHECK(parts[2] == self.self()); // linked: its parent is the starter
      CHECK(parts[3] == term::list_of({}));
      auto const formatted = parts[4].list_elements();
      REQUIRE(formatted.size() == 3);
      CHECK(formatted[0] == term::tuple_of({a("header"), term::string_of("Status for generic server c2")}));
      CHECK(formatted[1] ==
            term::tuple_of({a("data"), term::list_of({
                                           term::tuple_of({term::string_of("Status"), a("running")}),
                                           term::tuple_of({term::string_of("Parent"), self.self()}),
                                           term::tuple_of({term::string_of("Logged events"), term::list_of({})}),
                                       })}));
      CHECK(
          formatted[2] ==
          term::tuple_of({a("data"), term::list_of({term::tuple_of({term::string_of("State"), t("{counter, 0}")})})}));
    });
  }

  TEST_CASE_FIXTURE(fixture, "sys: while suspended only system messages are served, what came meanwhile waits") {
    run([&](process& self) -> awaitable<> {
      co_await start_counter(self, a("c3"));
      auto const c3 = term::value(a("c3"));
      co_await sys::suspend(self, c3);
      CHECK((co_await sys::get_status(self, c3))[3].list_elements()[1] == term::value(a("suspended")));
      gen_server::cast(self, c3, a("bump"));
      // Answered although the cast, which came first, is not handled yet.
      CHECK(co_await sys::get_state(self, c3) == t("{counter, 0}"));
      co_await sys::resume(self, c3);
      CHECK(co_await gen_server::call(self, c3, a("get")) == term::value(1));
    });
  }

  TEST_CASE_FIXTURE(fixture, "sys: statistics and log count and keep the server's events") {
    run([&](process& self) -> awaitable<> {
      co_await start_counter(self, a("c4"));
      auto const c4 = term::value(a("c4"));
      CHECK(co_await sys::statistics(self, c4, a("get")) == t("{ok, no_statistics}"));
      CHECK(co_await sys::statistics(self, c4, atoms::true_) == term::value(atoms::ok));
      CHECK(co_await sys::log(self, c4, atoms::true_) == term::value(atoms::ok));
      CHECK(co_await sys::trace(self, c4, true) == term::value(atoms::ok));
      gen_server::cast(self, c4, a("bump"));
      CHECK(co_await gen_server::call(self, c4, a("get")) == term::value(1));
      auto stats = co_await sys::statistics(self, c4, a("get"));
      REQUIRE(term::is_record(stats, atoms::ok, 2));
      auto const items = stats[1].list_elements();
      REQUIRE(items.size() == 5);
      CHECK(items[0][0] == term::value(a("start_time")));
      CHECK(items[3] == t("{messages_in, 2}"));
      CHECK(items[4] == t("{messages_out, 1}"));
      auto log = co_await sys::log(self, c4, a("get"));
      REQUIRE(term::is_record(log, atoms::ok, 2));
      auto const events = log[1].list_elements();
      REQUIRE(events.size() == 4);
      CHECK(events[0] == t("{in, {'$gen_cast', bump}}"));
      CHECK(events[1] == t("{noreply, {counter, 1}}"));
      CHECK(term::is_record(events[2], a("in"), 2));
      REQUIRE(term::is_record(events[3], a("out"), 4));
      CHECK(events[3][1] == term::value(1));
      CHECK(events[3][3] == t("{counter, 1}"));
      CHECK(co_await sys::log(self, c4, t("{true, 1}")) == term::value(atoms::ok));
      auto last = co_await sys::log(self, c4, a("get"));
      CHECK(last[1].list_elements().size() == 1);
      CHECK(co_await sys::log(self, c4, a("nonsense")) == term::value(a("unknown_debug")));
    });
  }

  TEST_CASE_FIXTURE(fixture, "sys: replace_state from this node has no Erlang function to run, and unknown requests") {
    run([&](process& self) -> awaitable<> {
      auto pid = co_await start_counter(self, a("c5"));
      term::value const fun(term::external_fun{a("erlang"), a("abs"), 1});
      auto r = co_await detail_call(self, term::value(pid), t("{replace_state, x}"));
      CHECK(r == t("{error, {callback_failed, {gen_server, system_replace_state}, {error, badfun}}}"));
      term::value const with_fun = term::tuple_of({a("replace_state"), fun}); // (not in the co_await: GCC 12)
      auto r2 = co_await detail_call(self, term::value(pid), with_fun);
      CHECK(r2 == t("{error, {callback_failed, {gen_server, system_replace_state}, {error, badfun}}}"));
      auto r3 = co_await detail_call(self, term::value(pid), a("nonsense"));
      CHECK(r3 == t("{error, {unknown_system_msg, nonsense}}"));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "sys: terminate answers ok and ends the server with the reason, and stop leaves no reply") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto pid = co_await start_counter(self, a("c6"));
      auto mref = self.monitor(term::value(pid));
      co_await sys::terminate(self, term::value(pid), a("bye"));
      auto down = co_await self.receive([&](term::value const& m) { return is_down(m, mref); }, 5s);
      REQUIRE(down);
      CHECK((*down)[4] == term::value(a("bye")));
      (void)co_await self.receive([](term::value const& m) { return term::is_record(m, atoms::EXIT, 3); }, 5s);
      auto pid2 = co_await start_counter(self, a("c7"));
      co_await gen_server::stop(self, term::value(pid2));
      (void)co_await self.receive([](term::value const& m) { return term::is_record(m, atoms::EXIT, 3); }, 5s);
      CHECK(self.message_queue_len() == 0);
      auto gone = co_await exit_of([&]() -> awaitable<> { (void)co_await sys::get_state(self, term::value(pid2)); });
      REQUIRE(gone);
      CHECK(*gone == term::tuple_of({atoms::noproc,
                                     term::tuple_of({a("sys"), a("get_state"), term::list_of({term::value(pid2)})})}));
    });
  }

  TEST_CASE_FIXTURE(fixture, "supervisor: get_childspec and sys:get_state show OTP's shapes") {
    run([&](process& self) -> awaitable<> {
      child_spec spec{.id = a("w"), .start = start_server<counter>(start_options{}), .modules = {a("counter_mod")}};
      auto sup = co_await supervisor::start_link(self, sup_flags{}, std::move(spec));
      REQUIRE(sup);
      auto cs = co_await supervisor::get_childspec(self, term::value(sup.pid), a("w"));
      CHECK(cs == t("{ok, #{id => w, start => {counter_mod, start_link, []}, restart => permanent, significant => "
                    "false, shutdown => 5000, type => worker, modules => [counter_mod]}}"));
      CHECK(co_await supervisor::get_childspec(self, term::value(sup.pid), a("nope")) == t("{error, not_found}"));
      auto st = co_await sys::get_state(self, term::value(sup.pid));
      REQUIRE(term::is_record(st, a("state"), 12));
      CHECK(st[2] == term::value(a("one_for_one")));
      CHECK(st[10] == term::value(a("enode::behaviours::supervisor")));
    });
  }
}

} // namespace enode::behaviours::test
