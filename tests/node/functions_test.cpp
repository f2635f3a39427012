#include <enode/node/functions.hpp>

#include "node/apply.hpp"
#include "runtime/fixture.hpp"

#include <enode/term/integer.hpp>
#include <enode/term/number.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// The function table and `apply` over it, in a runtime without a node: what a spawn
// request or rex runs. (Against BEAM callers: integration/t006_workers.)

namespace {

using namespace enode;
using namespace enode::runtime::test;
using node::outcome;
using runtime::awaitable;
using runtime::process;

struct functions_fixture : fixture {
  node::functions fns;

  // apply(M, F, Args) in a process of its own.
  outcome call(std::string_view m, std::string_view f, std::string_view args) {
    std::optional<outcome> got;
    auto reason = run([&](process& self) -> awaitable<> {
      got = co_await node::apply(self, fns, term::value(a(m)), term::value(a(f)), t(args));
    });
    CHECK(reason == term::value(atoms::normal));
    REQUIRE(got);
    return *got;
  }
};

} // namespace

TEST_SUITE("node") {
  TEST_CASE("functions: add, find, replace, remove and list") {
    node::functions fns;
    CHECK_FALSE(fns.find(a("m"), a("f"), 1));
    fns.add("m", "f", [](int x) { return x + 1; });
    fns.add("m", "f", [](int x, int y) { return x + y; }); // another arity, another function
    fns.add("a", "z", [] {});
    CHECK(fns.find(a("m"), a("f"), 1));
    CHECK(fns.find(a("m"), a("f"), 2));
    CHECK_FALSE(fns.find(a("m"), a("f"), 3));
    auto all = fns.list();
    REQUIRE(all.size() == 3);
    CHECK(all[0] == std::tuple{a("a"), a("z"), std::size_t{0}});
    CHECK(all[2] == std::tuple{a("m"), a("f"), std::size_t{2}});
    CHECK(fns.remove(a("m"), a("f"), 1));
    CHECK_FALSE(fns.remove(a("m"), a("f"), 1));
    CHECK_FALSE(fns.find(a("m"), a("f"), 1));
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: arguments and results convert, and void is ok") {
    fns.add("m", "sum", [](std::vector<long> xs) {
      long s = 0;
      for (auto x : xs) s += x;
      return s;
    });
    fns.add("m", "greet", [](std::string who, std::optional<int> n) {
      return std::pair{"hello " + who, n.value_or(0)};
    });
    fns.add("m", "nothing", [](term::value) {});
    auto o = call("m", "sum", "[[1,2,3]]");
    CHECK(o.what == outcome::kind::returned);
    CHECK(o.value == term::value(6));
    CHECK(call("m", "greet", "[<<\"joe\">>, undefined]").value == t("{<<\"hello joe\">>, 0}"));
    CHECK(call("m", "greet", "[\"joe\", 2]").value == t("{<<\"hello joe\">>, 2}"));
    CHECK(call("m", "nothing", "[x]").value == t("ok"));
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: a coroutine with its process is awaited") {
    // It waits for a message that another process sends it.
    fns.add("m", "later", [](process& self, term::value what) -> awaitable<std::string> {
      auto me = self.self();
      self.spawn([me, what](process& c) -> awaitable<> {
        c.send(me, what);
        co_return;
      });
      auto m = co_await self.receive(std::chrono::seconds(5));
      co_return m ? term::to_string(*m) : std::string("nothing");
    });
    fns.add("m", "me", [](process& self) { return self.self(); });
    CHECK(call("m", "later", "[woken]").value == term::binary_of("woken"));
    CHECK(call("m", "me", "[]").value.is_pid());
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: a bad argument is badarg naming it") {
    fns.add("m", "f", [](int, std::string) { return 0; });
    auto o = call("m", "f", "[1, {not_a_string}]");
    CHECK(o.what == outcome::kind::error);
    CHECK(o.value == t("badarg"));
    CHECK(o.stack == t("[{m, f, [1, {not_a_string}], "
                       "[{reason, <<\"argument 2: expected a string, got {not_a_string}\">>}]}]"));
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: apply's outcomes are Erlang's classes") {
    fns.add("m", "error", [](term::value r) -> int { throw runtime::error_exception(r); });
    fns.add("m", "throw", [](term::value r) -> int { throw runtime::throw_exception(r); });
    fns.add("m", "exit", [](term::value r) -> int { throw runtime::exit_exception(r); });
    fns.add("m", "cpp", []() -> int { throw std::out_of_range("too far"); });
    auto e = call("m", "error", "[boom]");
    CHECK(e.what == outcome::kind::error);
    CHECK(e.value == t("boom"));
    CHECK(e.stack == t("[{m, error, 1, []}]"));
    CHECK(node::error_exit(e) == t("{boom, [{m, error, 1, []}]}"));
    auto th = call("m", "throw", "[ball]");
    CHECK(th.what == outcome::kind::thrown);
    CHECK(th.value == t("ball"));
    auto ex = call("m", "exit", "[{shutdown, x}]");
    CHECK(ex.what == outcome::kind::exited);
    CHECK(ex.value == t("{shutdown, x}"));
    auto cpp = call("m", "cpp", "[]");
    CHECK(cpp.what == outcome::kind::error);
    CHECK(cpp.value == t("{cpp_exception, <<\"std::out_of_range\">>, <<\"too far\">>}"));
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: numbers keep their kind, and term::number's badarith is Erlang's") {
    fns.add("m", "mul", [](term::number a, term::number b) { return a * b; });
    fns.add("m", "div", [](term::number a, term::number b) { return a / b; });
    auto i = call("m", "mul", "[6, 7]");
    CHECK(i.what == outcome::kind::returned);
    CHECK(i.value.is_integer());
    CHECK(i.value == t("42"));
    auto f = call("m", "mul", "[6.0, 7]");
    CHECK(f.value.is_float());
    CHECK(f.value == t("42.0"));
    auto z = call("m", "div", "[1, 0]");
    CHECK(z.what == outcome::kind::error);
    CHECK(z.value == t("badarith"));
    CHECK(z.stack == t("[{m, 'div', 2, []}]"));
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: an unknown function is undef, bad apply arguments badarg") {
    auto u = call("nomod", "nofun", "[1, 2]");
    CHECK(u.what == outcome::kind::error);
    CHECK(u.value == t("undef"));
    CHECK(u.stack == t("[{nomod, nofun, [1, 2], []}]"));
    std::optional<outcome> got;
    (void)run(
        [&](process& self) -> awaitable<> { got = co_await node::apply(self, fns, t("m"), t("f"), t("[1 | 2]")); });
    REQUIRE(got);
    CHECK(got->what == outcome::kind::error);
    CHECK(got->value == t("badarg"));
    CHECK(got->stack == t("[{erlang, apply, [m, f, [1 | 2]], []}]"));
  }

  TEST_CASE_FIXTURE(functions_fixture, "functions: an exit signal during the call ends the process with it") {
    // It tells `to` it runs, then waits for a message that never comes.
    fns.add("m", "wait", [](process& self, term::value to) -> awaitable<int> {
      self.send(to, term::atom("running"));
      (void)co_await self.receive();
      co_return 0;
    });
    auto reason = run([&](process& self) -> awaitable<> {
      auto me = self.pid();
      auto killer = self.spawn([me](process& k) -> awaitable<> {
        (void)co_await k.receive([](term::value const& m) { return m == term::value(term::atom("running")); },
                                 runtime::infinity);
        k.exit(me, term::atom("stop_now"));
      });
      auto args = term::list_of({killer});
      (void)co_await node::apply(self, fns, t("m"), t("wait"), args);
      FAIL("apply returned");
    });
    CHECK(reason == t("stop_now"));
  }
}
