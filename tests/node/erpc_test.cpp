#include <enode/node/erpc.hpp>

#include "node/test_util.hpp"
#include "term/test_util.hpp"

#include <enode/node/blocking.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

#include <doctest/doctest.h>

// erpc between two enode nodes: one makes spawn requests, the other serves them. (Into
// BEAM nodes: integration/t006_workers, through enode call --erpc.)

namespace {

using namespace enode;
using namespace enode::node_test;
term::value t(std::string_view text) { return term::test::parsed(text); }
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
    CHECK(outcome_of(me, b.name(), "slow", t("[300]"), std::chrono::milliseconds(50)) == t("{error, {erpc, timeout}}"));
    CHECK(outcome_of(me, b.name(), "slow", t("[1]")) == t("{value, 1}"));
    // The abandoned call's reply and 'DOWN' would come to the process that made it; this
    // one's mailbox stays empty (the calls ran in processes of their own).
    auto left = me.run([](process& self) -> awaitable<std::size_t> {
      co_await self.sleep(std::chrono::milliseconds(400));
      co_return self.message_queue_len();
    });
    CHECK(left == 0);
  }

  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: a timed-out call's late outcome is dropped in the caller too") {
    node::blocking me(a);
    auto r = me.run([&](process& self) -> awaitable<term::value> {
      try {
        (void)co_await node::erpc::call(self, b.name(), atom_of("calc"), atom_of("slow"), t("[200]"), std::chrono::milliseconds(20));
      } catch (runtime::error_exception const&) {
      }
      co_await self.sleep(std::chrono::milliseconds(400));
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
      node::erpc::cast(self, b.name(), atom_of("calc"), atom_of("tell"), term::list_of({me.self(), atom_of("cast_came")}));
      co_return;
    });
    CHECK(me.receive(std::chrono::seconds(5)) == std::optional<term::value>(t("cast_came")));
    // Our own node is not a target: its functions are called directly.
    CHECK(outcome_of(me, a.name(), "mul", t("[1, 1]")) == t("{error, {erpc, badarg}}"));
  }

  TEST_CASE_FIXTURE(pair_of_nodes, "erpc: the called node going down is noconnection") {
    node::blocking me(a);
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      b.stop();
    });
    auto r = outcome_of(me, b.name(), "slow", t("[5000]"), std::chrono::seconds(20));
    stopper.join();
    // The process ends with the node (killed, or shut down): erpc sees the connection go
    // or the process's end, whichever comes first.
    bool const either = r == t("{error, {erpc, noconnection}}") || (r[0] == t("exit") && r[1][0] == t("signal"));
    CHECK_MESSAGE(either, r);
  }
}
