#include <enode/behaviours/gen_server.hpp>

#include "behaviours/test_server.hpp"

namespace enode::behaviours::test {

namespace {
awaitable<term::pid> start(process& self, term::value id, term::value mode = atoms::ok, start_options opts = {}) {
  auto r = co_await gen_server::start_link(self, std::make_unique<test_server>(id, self.self(), mode), opts);
  REQUIRE(r);
  co_return r.pid;
}
} // namespace

TEST_SUITE("behaviours") {

  TEST_CASE_FIXTURE(fixture,
                    "gen_server: call, cast and info reach their callbacks, init and terminate run in the server") {
    auto reason = run([&](process& self) -> awaitable<> {
      auto pid = co_await start(self, a("s1"), atoms::ok, start_options{.name = a("s1")});
      auto init = co_await heard(self, "init", a("s1"));
      REQUIRE(init);
      CHECK((*init)[2] == term::value(pid));
      auto r = co_await gen_server::call(self, term::value(pid), t("{echo, [1, 2.5, <<\"x\">>]}"));
      CHECK(r == t("[1, 2.5, <<\"x\">>]"));
      auto by_name = co_await gen_server::call(self, term::value(a("s1")), t("{echo, by_name}"));
      CHECK(by_name == t("by_name"));
      auto by_name_node = co_await gen_server::call(self, t("{s1, 'test@localhost'}"), t("{echo, 3}"));
      CHECK(by_name_node == t("3"));
      gen_server::cast(self, term::value(pid), a("hello"));
      auto cast = co_await heard(self, "cast", a("s1"));
      REQUIRE(cast);
      CHECK((*cast)[2] == t("hello"));
      self.send(term::value(pid), a("plain"));
      auto info = co_await heard(self, "info", a("s1"));
      REQUIRE(info);
      CHECK((*info)[2] == t("plain"));
      co_await gen_server::stop(self, term::value(pid));
      auto term_msg = co_await heard(self, "terminated", a("s1"));
      REQUIRE(term_msg);
      CHECK((*term_msg)[2] == t("normal"));
      CHECK(!sys.whereis(a("s1")));
    });
    CHECK(reason == t("normal"));
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: replies follow gen:reply/2: to the alias of [alias|Ref], else to the pid") {
    run([&](process& self) -> awaitable<> {
      auto pid = term::value(co_await start(self, a("s2")));
      // An OTP 24+ caller: the tag is [alias | Ref], Ref an alias of the caller.
      auto alias = self.alias(runtime::alias_mode::reply_demonitor);
      term::value const head[] = {atoms::alias};
      auto tag = term::list_of(head, alias);
      self.send(pid, term::tuple_of({a("$gen_call"), term::tuple_of({self.self(), tag}), t("{echo, via_alias}")}));
      auto tagged = [](term::value const& want) {
        return [want](term::value const& m) { return m.is_tuple() && m.arity() == 2 && m[0] == want; };
      };
      auto r1 = co_await self.receive(tagged(tag), std::chrono::seconds(5));
      REQUIRE(r1);
      CHECK(*r1 == term::tuple_of({tag, a("via_alias")}));
      // An older caller: a plain reference, answered to the pid.
      auto ref = self.make_ref();
      self.send(pid, term::tuple_of({a("$gen_call"), term::tuple_of({self.self(), ref}), t("{echo, plain}")}));
      auto r2 = co_await self.receive(tagged(ref), std::chrono::seconds(5));
      REQUIRE(r2);
      CHECK(*r2 == term::tuple_of({ref, a("plain")}));
      // A list headed by [alias | Ref] (as gen:reply/2 also accepts).
      auto alias2 = self.alias();
      auto tag2 = term::list_of({term::list_of(head, alias2), a("extra")});
      self.send(pid, term::tuple_of({a("$gen_call"), term::tuple_of({self.self(), tag2}), t("{echo, nested}")}));
      auto r3 = co_await self.receive(tagged(tag2), std::chrono::seconds(5));
      REQUIRE(r3);
      CHECK(*r3 == term::tuple_of({tag2, a("nested")}));
      // A malformed call is not a call: handle_info gets it.
      self.send(pid, t("{'$gen_call', not_a_from, x}"));
      auto info = co_await heard(self, "info", a("s2"));
      REQUIRE(info);
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "gen_server: a call that times out exits the caller with OTP's reason, the late reply is dropped") {
    run([&](process& self) -> awaitable<> {
      auto pid = term::value(co_await start(self, a("s3")));
      // A test of time: the call must time out (the server holds it without an answer).
      auto why = co_await exit_of([&]() -> awaitable<> {
        (void)co_await gen_server::call(self, pid, a("later"), std::chrono::milliseconds(20));
      });
      REQUIRE(why);
      CHECK(*why == term::tuple_of({atoms::timeout, term::tuple_of({a("gen_server"), a("call"),
                                                                    term::list_of({pid, a("later"), t("20")})})}));
      // Now the late reply goes out; the server's answer to the next call comes after it.
      gen_server::cast(self, pid, a("release"));
      auto calls = co_await gen_server::call(self, pid, a("calls"));
      CHECK(calls == t("2"));
      auto stray = co_await self.receive([](term::value const& m) { return m.is_tuple() && m.arity() == 2; },
                                         std::chrono::milliseconds(0));
      CHECK(!stray); // the reply went to a dead alias
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: calls to no process exit with noproc, a call to oneself with calling_self") {
    run([&](process& self) -> awaitable<> {
      auto me = self.self();
      auto own = co_await exit_of([&]() -> awaitable<> { (void)co_await gen_server::call(self, me, t("x")); });
      REQUIRE(own);
      CHECK((*own)[0] == t("calling_self"));
      auto why = co_await exit_of([&]() -> awaitable<> { (void)co_await gen_server::call(self, t("nobody"), t("x")); });
      REQUIRE(why);
      CHECK((*why)[0] == t("noproc"));
      auto [dead, mref] = self.spawn_monitor([](process&) -> awaitable<> { co_return; });
      (void)co_await self.receive([&](auto const& m) { return is_down(m, mref); }, std::chrono::seconds(5));
      auto why2 =
          co_await exit_of([&]() -> awaitable<> { (void)co_await gen_server::call(self, term::value(dead), t("x")); });
      REQUIRE(why2);
      CHECK((*why2)[0] == t("noproc"));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "gen_server: a crash in a callback runs terminate and reaches the caller as the exit reason") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true); // we are linked to it
      auto pid = term::value(co_await start(self, a("s4")));
      auto why = co_await exit_of([&]() -> awaitable<> { (void)co_await gen_server::call(self, pid, a("crash")); });
      REQUIRE(why);
      auto expected = t("{{cpp_exception, <<\"std::runtime_error\">>, <<\"handle_call failed\">>}, []}");
      CHECK((*why)[0] == expected);
      auto term_msg = co_await heard(self, "terminated", a("s4"));
      REQUIRE(term_msg);
      CHECK((*term_msg)[2] == expected);
      auto exit_msg =
          co_await self.receive([&](auto const& m) { return is_exit_from(m, pid.as_pid()); }, std::chrono::seconds(5));
      REQUIRE(exit_msg);
      CHECK((*exit_msg)[2] == expected);
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: noreply, then gen_server:reply/2 from another callback") {
    run([&](process& self) -> awaitable<> {
      // The server's observer releases the call once the server holds it.
      auto observer = self.spawn([](process& p) -> awaitable<> {
        auto held = co_await heard(p, "later", a("s5"));
        REQUIRE(held);
        gen_server::cast(p, (*held)[2], a("release"));
      });
      auto started =
          co_await gen_server::start_link(self, std::make_unique<test_server>(a("s5"), term::value(observer)));
      REQUIRE(started);
      auto r = co_await gen_server::call(self, term::value(started.pid), a("later"));
      CHECK(r == t("released"));
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: stop with a reply terminates, then answers, and exits with the reason") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto pid = term::value(co_await start(self, a("s6")));
      auto r = co_await gen_server::call(self, pid, t("{stop, {shutdown, done}}"));
      CHECK(r == t("stopping"));
      // terminate ran before the reply went out (as OTP's gen_server does): its message is here.
      auto term_msg = co_await heard(self, "terminated", a("s6"), std::chrono::milliseconds(0));
      REQUIRE(term_msg);
      CHECK((*term_msg)[2] == t("{shutdown, done}"));
      auto exit_msg =
          co_await self.receive([&](auto const& m) { return is_exit_from(m, pid.as_pid()); }, std::chrono::seconds(5));
      REQUIRE(exit_msg);
      CHECK((*exit_msg)[2] == t("{shutdown, done}"));
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "gen_server: a Timeout sends timeout to handle_info, {continue, C} runs handle_continue first") {
    run([&](process& self) -> awaitable<> {
      auto pid = term::value(co_await start(self, a("s7")));
      auto armed = co_await gen_server::call(self, pid, a("with_timeout"));
      CHECK(armed == t("armed"));
      auto info = co_await heard(self, "info", a("s7"));
      REQUIRE(info);
      CHECK((*info)[2] == t("timeout"));
      auto cont = co_await gen_server::call(self, pid, a("with_continue"));
      CHECK(cont == t("continuing"));
      auto c = co_await heard(self, "continue", a("s7"));
      REQUIRE(c);
      CHECK((*c)[2] == t("next"));
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: returning a reply from handle_cast is a bad return value") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto pid = term::value(co_await start(self, a("s8")));
      gen_server::cast(self, pid, a("bad_return"));
      auto term_msg = co_await heard(self, "terminated", a("s8"));
      REQUIRE(term_msg);
      CHECK((*term_msg)[2] == t("{bad_return_value, undefined}"));
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: start results: ignore, stop, a crashing init, a taken name, a slow init") {
    run([&](process& self) -> awaitable<> {
      self.trap_exit(true);
      auto ignored =
          co_await gen_server::start_link(self, std::make_unique<test_server>(a("i"), self.self(), atoms::ignore));
      CHECK(ignored.state == start_result::status::ignore);
      CHECK(ignored.to_term() == t("ignore"));

      auto stopped = co_await gen_server::start_link(
          self, std::make_unique<test_server>(a("st"), self.self(), t("{stop, no_way}")));
      CHECK(stopped.to_term() == t("{error, no_way}"));

      auto crashed =
          co_await gen_server::start_link(self, std::make_unique<test_server>(a("cr"), self.self(), a("crash")));
      CHECK(crashed.to_term() == t("{error, {{cpp_exception, <<\"std::runtime_error\">>, <<\"init failed\">>}, []}}"));

      auto first = co_await gen_server::start_link(self, std::make_unique<test_server>(a("n1"), self.self()),
                                                   start_options{.name = a("taken")});
      REQUIRE(first);
      auto second = co_await gen_server::start_link(self, std::make_unique<test_server>(a("n2"), self.self()),
                                                    start_options{.name = a("taken")});
      CHECK(second.to_term() ==
            term::tuple_of({atoms::error, term::tuple_of({a("already_started"), term::value(first.pid)})}));

      auto slow = co_await gen_server::start_link(self, std::make_unique<test_server>(a("sl"), self.self(), a("slow")),
                                                  start_options{.timeout = std::chrono::milliseconds(30)});
      CHECK(slow.to_term() == t("{error, timeout}"));
      // None of those left an 'EXIT' behind.
      auto stray = co_await self.receive([](auto const& m) { return m.is_tuple() && m[0] == term::value(atoms::EXIT); },
                                         std::chrono::milliseconds(20));
      CHECK(!stray);
    });
  }

  TEST_CASE_FIXTURE(fixture,
                    "gen_server: an 'EXIT' from the parent terminates a trapping server, kill skips terminate") {
    run([&](process& self) -> awaitable<> {
      auto observer = self.self();
      // A parent that starts a trapping server, then exits.
      auto [parent, pref] = self.spawn_monitor([observer](process& p) -> awaitable<> {
        auto r = co_await gen_server::start_link(p, std::make_unique<test_server>(a("child"), observer, a("trap")));
        p.send(observer, term::tuple_of({a("child_pid"), term::value(r.pid)}));
        p.exit(a("parent_gone"));
      });
      auto term_msg = co_await heard(self, "terminated", a("child"));
      REQUIRE(term_msg);
      CHECK((*term_msg)[2] == t("parent_gone"));

      auto pid = term::value(co_await start(self, a("killed_one")));
      self.unlink(pid.as_pid());
      self.exit(pid.as_pid(), atoms::kill);
      auto none = co_await heard(self, "terminated", a("killed_one"), std::chrono::milliseconds(50));
      CHECK(!none);
      (void)parent;
      (void)pref;
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: sys suspend, resume and unknown system messages") {
    run([&](process& self) -> awaitable<> {
      auto pid = term::value(co_await start(self, a("sy")));
      auto ref = self.make_ref();
      self.send(pid, term::tuple_of({a("system"), term::tuple_of({self.self(), ref}), a("suspend")}));
      auto ok =
          co_await self.receive([&](auto const& m) { return m.is_tuple() && m[0] == ref; }, std::chrono::seconds(5));
      REQUIRE(ok);
      CHECK(*ok == term::tuple_of({ref, atoms::ok}));
      gen_server::cast(self, pid, a("while_suspended"));
      auto nothing = co_await heard(self, "cast", a("sy"), std::chrono::milliseconds(30));
      CHECK(!nothing);
      self.send(pid, term::tuple_of({a("system"), term::tuple_of({self.self(), ref}), a("resume")}));
      (void)co_await self.receive([&](auto const& m) { return m.is_tuple() && m[0] == ref; }, std::chrono::seconds(5));
      auto later = co_await heard(self, "cast", a("sy"));
      CHECK(later);
      self.send(pid, term::tuple_of({a("system"), term::tuple_of({self.self(), ref}), a("get_status_please")}));
      auto err =
          co_await self.receive([&](auto const& m) { return m.is_tuple() && m[0] == ref; }, std::chrono::seconds(5));
      CHECK((*err)[1] == t("{error, {unknown_system_msg, get_status_please}}"));
    });
  }

  TEST_CASE_FIXTURE(fixture, "gen_server: stop of a dead server exits noproc, stop with another reason exits with it") {
    run([&](process& self) -> awaitable<> {
      auto why = co_await exit_of([&]() -> awaitable<> { co_await gen_server::stop(self, t("nobody")); });
      CHECK(why == std::optional(t("noproc")));
      self.trap_exit(true);
      auto pid = term::value(co_await start(self, a("sr")));
      co_await gen_server::stop(self, pid, t("{shutdown, asked}"));
      auto term_msg = co_await heard(self, "terminated", a("sr"));
      REQUIRE(term_msg);
      CHECK((*term_msg)[2] == t("{shutdown, asked}"));
    });
  }

} // TEST_SUITE
} // namespace enode::behaviours::test
