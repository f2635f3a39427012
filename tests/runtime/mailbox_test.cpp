#include "runtime/mailbox.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace enode::runtime {

namespace {
std::vector<std::int64_t> contents(mailbox const& mb) {
  std::vector<std::int64_t> out;
  mailbox::cursor at;
  auto it = [&] { return mb.find(nullptr, at); };
  // find() with no predicate stops at each message; step past it by hand.
  for (signal* s = it(); s; at.prev = s, s = it()) out.push_back(s->payload.as_int());
  return out;
}
} // namespace

TEST_SUITE("runtime") {

  TEST_CASE("mailbox: find scans from a cursor and resumes where it stopped") {
    mailbox mb;
    for (int i = 0; i < 3; ++i) mb.push_back(signal::message(i));
    mailbox::cursor at;
    auto big = [](term::value const& v) { return v.as_int() >= 10; };
    match_fn m(big);
    CHECK(mb.find(&m, at) == nullptr);
    REQUIRE(at.prev != nullptr);
    CHECK(at.prev->payload == term::value(2)); // the last one looked at
    mb.push_back(signal::message(5));
    mb.push_back(signal::message(11));
    auto* s = mb.find(&m, at);
    REQUIRE(s);
    CHECK(s->payload == term::value(11));
    CHECK(mb.take(at, s) == term::value(11));
    CHECK(contents(mb) == std::vector<std::int64_t>{0, 1, 2, 5});
    CHECK(mb.size() == 4);
  }

  TEST_CASE("mailbox: take from the front, the middle and the end keeps the order") {
    mailbox mb;
    for (int i = 0; i < 5; ++i) mb.push_back(signal::message(i));
    auto take_value = [&](std::int64_t v) {
      auto eq = [v](term::value const& x) { return x.as_int() == v; };
      match_fn m(eq);
      mailbox::cursor at;
      auto* s = mb.find(&m, at);
      REQUIRE(s);
      mb.take(at, s);
    };
    take_value(0);
    take_value(2);
    take_value(4);
    CHECK(contents(mb) == std::vector<std::int64_t>{1, 3});
    mb.push_back(signal::message(6));
    CHECK(contents(mb) == std::vector<std::int64_t>{1, 3, 6});
  }

  TEST_CASE("mailbox: a mark starts after the messages present when it was made") {
    mailbox mb;
    mb.push_back(signal::message(1));
    auto slot = mb.mark();
    REQUIRE(slot != mailbox::no_mark);
    mb.push_back(signal::message(2));
    auto at = mb.from_mark(slot);
    auto* s = mb.find(nullptr, at);
    REQUIRE(s);
    CHECK(s->payload == term::value(2));
    mb.release(slot);
    CHECK(mb.marks_in_use() == 0);
    auto front = mb.from_mark(slot); // released: from the front
    CHECK(mb.find(nullptr, front)->payload == term::value(1));
  }

  TEST_CASE("mailbox: a mark moves back when its message is taken, and slots run out") {
    mailbox mb;
    mb.push_back(signal::message(1));
    mb.push_back(signal::message(2));
    auto slot = mb.mark(); // after 2
    {
      auto two = [](term::value const& v) { return v.as_int() == 2; };
      match_fn m(two);
      mailbox::cursor at;
      auto* s = mb.find(&m, at);
      mb.take(at, s);
    }
    mb.push_back(signal::message(3));
    auto at = mb.from_mark(slot);
    auto* s = mb.find(nullptr, at);
    REQUIRE(s);
    CHECK(s->payload == term::value(3));
    std::vector<std::uint8_t> slots;
    for (std::size_t i = 1; i < mailbox::max_marks; ++i) slots.push_back(mb.mark());
    CHECK(mb.mark() == mailbox::no_mark);
    for (auto x : slots) CHECK(x != mailbox::no_mark);
  }

  TEST_CASE("mailbox: remove_if drops matching messages and fixes marks") {
    mailbox mb;
    for (int i = 0; i < 6; ++i) mb.push_back(signal::message(i));
    auto slot = mb.mark(); // after 5
    auto odd = [](term::value const& v) { return v.as_int() % 2 == 1; };
    CHECK(mb.remove_if(odd) == 3);
    CHECK(contents(mb) == std::vector<std::int64_t>{0, 2, 4});
    mb.push_back(signal::message(7));
    auto at = mb.from_mark(slot);
    CHECK(mb.find(nullptr, at)->payload == term::value(7));
    mb.clear();
    CHECK(mb.empty());
    CHECK(mb.size() == 0);
  }

} // TEST_SUITE
} // namespace enode::runtime
