#include <enode/node/rpc.hpp>

#include "node/test_util.hpp"

#include <enode/node/blocking.hpp>
#include <enode/term/atoms.hpp>

#include <doctest/doctest.h>

// rpc between two enode nodes: one calls through the other's rex into its functions.
// (Into BEAM nodes: integration/t006_workers.)

namespace {

using namespace enode;
using namespace enode::node_test;
namespace atoms = term::atoms;
using testing::t;

} // namespace

TEST_SUITE("node") {
  TEST_CASE("rpc: call and cast through the other node's rex") {
    auto bo = opts("rpc_b");
    bo.shutdown_grace = 20ms; // the process of calc:hang below never ends: b's stop kills it
    node::node a(opts("rpc_a")), b(bo);
    REQUIRE(a.start());
    REQUIRE(b.start());
    serve_calc(b);
    auto const bn = b.name();
    node::blocking me(a);
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("mul"), t("[6, 7]"), 5s) == term::value(42));
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("boom"), t("[oops]"), 5s) ==
          t("{badrpc, {'EXIT', {oops, [{calc, boom, 1, []}]}}}"));
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("bye"), t("[gone]"), 5s) == t("{badrpc, {'EXIT', gone}}"));
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("ball"), t("[b]"), 5s) == t("b"));
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("nope"), t("[]"), 5s) ==
          t("{badrpc, {'EXIT', {undef, [{calc, nope, [], []}]}}}"));
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("mul"), t("[a, 1]"), 5s)[0] == t("badrpc"));
    // A test of time: the call must time out (calc:hang/0 never answers).
    CHECK(me.rpc(bn, term::atom("calc"), term::atom("hang"), t("[]"), 100ms) == t("{badrpc, timeout}"));
    auto nobody = term::atom("nobody_" + std::to_string(::getpid()) + "@localhost");
    CHECK(me.rpc(nobody, term::atom("calc"), term::atom("mul"), t("[1, 1]"), 5s) == t("{badrpc, nodedown}"));

    // A cast runs the function without a reply: it sends to a name we registered.
    auto reg = term::atom("rpc_test_inbox");
    REQUIRE(a.system().register_name(reg, me.pid()));
    auto to = term::tuple_of({reg, a.name()});
    me.run([&](process& self) -> awaitable<void> {
      node::rpc::cast(self, bn, term::atom("calc"), term::atom("tell"), term::list_of({to, term::atom("cast_came")}));
      co_return;
    });
    CHECK(me.receive(5s) == std::optional<term::value>(t("cast_came")));
  }

  TEST_CASE("rpc: rex answers the features request and sbcast") {
    node::node a(opts("rex_a")), b(opts("rex_b"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    node::blocking me(a);
    auto rex = term::tuple_of({term::atom("rex"), b.name()});
    me.send(rex, term::tuple_of({me.self(), term::atom("features_request")}));
    CHECK(me.receive(5s) ==
          std::optional<term::value>(term::tuple_of({term::atom("features_reply"), b.name(), t("[erpc]")})));
    me.send(rex, term::tuple_of({me.self(), t("{sbcast, no_such_name, hi}")}));
    CHECK(me.receive(5s) == std::optional<term::value>(
                                term::tuple_of({term::atom("rex"), b.name(), t("{nonexisting_name, no_such_name}")})));
  }
}
