#include <enode/core/logger.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace log = enode::log;

TEST_SUITE("core") {
  TEST_CASE("logger: levels read and print as OTP names them") {
    for (auto l : {log::level::error, log::level::warning, log::level::notice, log::level::info, log::level::debug})
      CHECK(log::parse_level(log::to_string(l)) == l);
    CHECK_FALSE(log::parse_level("critical"));
    CHECK_FALSE(log::parse_level("DEBUG"));
    CHECK_FALSE(log::parse_level(""));
  }

  TEST_CASE("logger: a line has the time, the level and the node, a report's lines are indented") {
    log::record r;
    r.severity = log::level::warning;
    r.time =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(1764756902123)); // 2025-12-03T10:15:02.123Z
    r.node = "cpp@host";
    r.text = "first\nsecond";
    CHECK(log::format(r) == "2025-12-03T10:15:02.123Z warning cpp@host: first\n    second");
  }

  TEST_CASE("logger: lines below the threshold are dropped, a text sink gets the text alone") {
    std::vector<std::string> got;
    log::logger l(log::level::info, [&](std::string_view text) { got.emplace_back(text); });
    l.set_node("a@h");
    l.debug("hidden");
    l.info("shown");
    l.error("also shown");
    CHECK(got == std::vector<std::string>{"shown", "also shown"});
    CHECK(l.enabled(log::level::notice));
    CHECK_FALSE(l.enabled(log::level::debug));
  }

  TEST_CASE("logger: a record sink gets the level and the node name, copies share them") {
    std::vector<std::string> got;
    log::logger l(log::level::debug, [&](log::record const& r) { got.push_back(log::format(r).substr(25)); });
    auto copy = l;
    l.set_node("b@h");
    copy.debug("from the copy");
    CHECK(got == std::vector<std::string>{"debug b@h: from the copy"});
  }

  TEST_CASE("logger: on_exit logs what escaped a coroutine, and nothing when nothing did") {
    std::vector<std::string> got;
    log::logger l(log::level::error, [&](std::string_view text) { got.emplace_back(text); });
    auto h = l.on_exit("the accept loop");
    h(nullptr);
    CHECK(got.empty());
    h(std::make_exception_ptr(std::runtime_error("boom")));
    h(std::make_exception_ptr(42));
    REQUIRE(got.size() == 2);
    CHECK(got[0] == "the accept loop ended with an exception: boom");
    CHECK(got[1] == "the accept loop ended with an exception that is not a std::exception");
  }

  TEST_CASE("logger: ENODE_LOG_LEVEL sets the default threshold, a bad value is reported") {
    ::setenv("ENODE_LOG_LEVEL", "debug", 1);
    CHECK(log::logger().threshold() == log::level::debug);
    CHECK(log::level_from_env().value == log::level::debug);
    ::setenv("ENODE_LOG_LEVEL", "loud", 1);
    auto bad = log::level_from_env();
    CHECK_FALSE(bad.value);
    CHECK(bad.problem.find("loud") != std::string::npos);
    CHECK(log::logger().threshold() == log::level::notice);
    ::unsetenv("ENODE_LOG_LEVEL");
    CHECK(log::logger().threshold() == log::level::notice);
    CHECK(log::logger(log::level::error).threshold() == log::level::error);
  }
}
