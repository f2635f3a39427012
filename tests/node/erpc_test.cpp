#include <enode/node/erpc.hpp>

#include "node/test_util.hpp"

#include <enode/node/blocking.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

#include <doctest/doctest.h>

// erpc between two enode nodes: one makes spawn requests, the other serves them. (Into
// BEAM nodes: integration/t006_workers, through enode call --erpc.)

namespace {

using namespace enode;
using namespace enode::node_test;
using testing::t;
term::atom atom_of(std::string_view s) { return term::atom(s); }

// What erpc::call returned or raised, as {value, V} or {Class, Reason}.
term::value outcome_of(node::blocking& me, term::atom node, std::string_view f, term::value args,
                       runtime::timeout tmo = std::chrono::seconds(5)) {
  return me.run([&](process& self) -> awaitable<term::value> {
    try {
      auto v = co_await node::erpc::call(self, node, atom_of("calc"), atom_of(f), args, tmo);
      co_return term::tuple_of({atom_of("value"), v});
    } catch (runtime::error_exception const& e) {
      co_return term::tuple_of({atom_of("error"), e.reason()});
    } catch (runtime::exit_exception const& e) {
      co_return term::tuple_of({atom_of("exit"), e.reason()});
    } catch (runtime::throw_exception const& e) {
      co_return term::tuple_of({atom_of("throw"), e.value()});
    }
  });
}

// Tells the process of an abandoned call (calc:wait/1's pid) to finish, and waits until
// it has ended and whatever its end sends from `node` would have come: a call to `node`
// made afterwards has its answer.
awaitable<> end_of(process& self, term::value const& call_pid, term::atom node) {
  auto mref = self.monitor(call_pid);
  self.send(call_pid, atom_of("finish"));
  auto down =
      co_await self.receive([&](term::value const& m) { return testing::is_down(m, mref); }, std::chrono::seconds(5));
  CHECK(down);
  auto six =
      co_await node::erpc::call(self, node, atom_of("calc"), atom_of("mul"), t("[2, 3]"), std::chrono::seconds(5));
  CHECK(six == term::value(6));
}

struct pair_of_nodes {
  node::node a{opts("erpc_a")}, b{opts("erpc_b")};
  pair_of_nodes() {
    REQUIRE(a.start());
    REQUIRE(b.start());
    serve_calc(b);
  }
};

} // namespace

TEST_SUITE("node") {
  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: a value, and each exception as erpc raises it") {
    node::blocking me(a);
    auto const bn = b.name();
    CHECK(outcome_of(me, bn, "mul", t("[6, 7]")) == t("{value, 42}"));
    CHECK(outcome_of(me, bn, "boom", t("[oops]")) == t("{error, {exception, oops, [{calc, boom, 1, []}]}}"));
    CHECK(outcome_of(me, bn, "bye", t("[gone]")) == t("{exit, {exception, gone}}"));
    CHECK(outcome_of(me, bn, "ball", t("[b]")) == t("{throw, b}"));
    CHECK(outcome_of(me, bn, "nope", t("[1]")) == t("{error, {exception, undef, [{calc, nope, [1], []}]}}"));
    auto bad = outcome_of(me, bn, "mul", t("[x, 1]"));
    CHECK(bad[1][1] == t("badarg"));
  }

  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: a timeout, and nothing of the call arrives later") {
    node::blocking me(a);
    // A test of time: the call must time out (calc:wait/1 answers only when told to).
    CHECK(outcome_of(me, b.name(), "wait", term::list_of({me.self()}), std::chrono::milliseconds(50)) ==
          t("{error, {erpc, timeout}}"));
    CHECK(outcome_of(me, b.name(), "mul", t("[1, 1]")) == t("{value, 1}"));
    // The abandoned call's reply and 'DOWN' would come to the process that made it; this
    // one's mailbox stays empty (the calls ran in processes of their own), also once the
    // abandoned call has ended.
    auto waiting = me.receive(std::chrono::seconds(5));
    REQUIRE(waiting);
    REQUIRE(term::is_record(*waiting, term::atom("waiting"), 2));
    auto left = me.run([&](process& self) -> awaitable<std::size_t> {
      co_await end_of(self, (*waiting)[1], b.name());
      co_return self.message_queue_len();
    });
    CHECK(left == 0);
    CHECK_FALSE(me.receive(std::chrono::milliseconds(0)));
  }

  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: a timed-out call's late outcome is dropped in the caller too") {
    node::blocking me(a);
    auto r = me.run([&](process& self) -> awaitable<term::value> {
      auto const args = term::list_of({self.self()});
      try {
        // A test of time: the call must time out (calc:wait/1 answers only when told to).
        (void)co_await node::erpc::call(self, b.name(), atom_of("calc"), atom_of("wait"), args,
                                        std::chrono::milliseconds(20));
      } catch (runtime::error_exception const&) {
      }
      auto waiting = co_await self.receive(
          [](term::value const& m) { return term::is_record(m, term::atom("waiting"), 2); }, std::chrono::seconds(5));
      if (!waiting) co_return term::value(atom_of("no_waiting"));
      co_await end_of(self, (*waiting)[1], b.name());
      auto m = co_await self.receive(runtime::timeout::zero());
      co_return m ? *m : term::value(atom_of("empty"));
    });
    CHECK(r == t("empty"));
  }

  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: noconnection for a node that cannot be reached, and a cast") {
    node::blocking me(a);
    auto nobody = atom_of("nobody_" + std::to_string(::getpid()) + "@localhost");
    CHECK(outcome_of(me, nobody, "mul", t("[1, 1]")) == t("{error, {erpc, noconnection}}"));
    me.run([&](process& self) -> awaitable<void> {
      node::erpc::cast(self, b.name(), atom_of("calc"), atom_of("tell"),
                       term::list_of({me.self(), atom_of("cast_came")}));
      co_return;
    });
    CHECK(me.receive(std::chrono::seconds(5)) == std::optional<term::value>(t("cast_came")));
    // Our own node is not a target: its functions are called directly.
    CHECK(outcome_of(me, a.name(), "mul", t("[1, 1]")) == t("{error, {erpc, badarg}}"));
  }

  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: the called node going down is noconnection") {
    node::blocking me(a), watcher(a);
    // b stops once the call runs there (calc:wait/1 says so, then waits for ever).
    std::optional<term::value> waiting;
    std::thread stopper([&] {
      waiting = watcher.receive(std::chrono::seconds(10));
      b.stop();
    });
    auto r = outcome_of(me, b.name(), "wait", term::list_of({watcher.self()}), std::chrono::seconds(20));
    stopper.join();
    REQUIRE(waiting);
    CHECK(term::is_record(*waiting, term::atom("waiting"), 2));
    // The process ends with the node (killed, or shut down): erpc sees the connection go
    // or the process's end, whichever comes first.
    bool const either = r == t("{error, {erpc, noconnection}}") || (r[0] == t("exit") && r[1][0] == t("signal"));
    CHECK_MESSAGE(either, r);
  }
}
