#include <enode/behaviours/start_result.hpp>

#include <enode/behaviours/gen_server.hpp>

#include "runtime/fixture.hpp"

namespace enode::behaviours::test {

using runtime::test::a;
using runtime::test::t;
namespace atoms = term::atoms;

TEST_SUITE("behaviours") {

  TEST_CASE("start_result: to_term gives OTP's forms") {
    CHECK(start_result::ignore().to_term() == t("ignore"));
    CHECK(start_result::error(t("x")).to_term() == t("{error, x}"));
    term::pid p{a("n@h"), 1, 2, 3};
    CHECK(start_result::ok(p).to_term() == term::tuple_of({atoms::ok, term::value(p)}));
    CHECK(from{term::value(p), t("tag")}.to_term() == term::tuple_of({term::value(p), t("tag")}));
    CHECK(!from::of(t("{notapid, tag}")));
  }

} // TEST_SUITE
} // namespace enode::behaviours::test
