#include <enode/runtime/exit.hpp>

#include "common/term.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace enode::runtime {

namespace {
using testing::t;
template <class E>
term::value reason_of(E e) {
  try {
    throw e;
  } catch (...) {
    return exit_reason_of(std::current_exception());
  }
}
struct custom {};
} // namespace

TEST_SUITE("runtime") {

  TEST_CASE("exit: exceptions map to Erlang exit reasons") {
    CHECK(reason_of(exit_exception(t("{shutdown, x}"))) == t("{shutdown, x}"));
    CHECK(reason_of(error_exception(t("badarg"))) == t("{badarg, []}"));
    CHECK(reason_of(throw_exception(t("ball"))) == t("{{nocatch, ball}, []}"));
    CHECK(reason_of(std::runtime_error("disk full")) ==
          t("{{cpp_exception, <<\"std::runtime_error\">>, <<\"disk full\">>}, []}"));
    CHECK(reason_of(custom{}) == t("{{cpp_exception, <<\"unknown\">>, <<>>}, []}"));
  }

  TEST_CASE("exit: what() prints the reason in Erlang syntax") {
    CHECK(std::string(exit_exception(t("{a, [1]}")).what()) == "exit: {a,[1]}");
    CHECK(std::string(error_exception(t("noproc")).what()) == "error: noproc");
    CHECK(std::string(throw_exception(t("42")).what()) == "throw: 42");
  }

  TEST_CASE("exit: error_reason builds {Reason, []}") { CHECK(error_reason(t("oops")) == t("{oops, []}")); }

} // TEST_SUITE
} // namespace enode::runtime
