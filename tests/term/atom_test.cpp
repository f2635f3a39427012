#include <enode/term/atom.hpp>

#include <enode/term/error.hpp>

#include <doctest/doctest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using enode::term::atom;
namespace term = enode::term;

TEST_SUITE("term") {
  TEST_CASE("atom: equal names intern to the same atom") {
    atom a("hello"), b(std::string("hel") + "lo");
    CHECK(a == b);
    CHECK(a.entry() == b.entry());
    CHECK(a.name() == "hello");
    CHECK(a.length() == 5);
    CHECK(atom() == atom(""));
    CHECK(atom().empty());
  }

  TEST_CASE("atom: counts characters, not bytes") {
    atom a("жж");
    CHECK(a.name().size() == 4);
    CHECK(a.length() == 2);
  }

  TEST_CASE("atom: accepts 255 characters and rejects 256") {
    CHECK(atom::make(std::string(255, 'a')));
    CHECK(atom::make(std::string(256, 'a')).error() == term::error::atom_too_long);
    std::string emoji;
    for (int i = 0; i < 255; ++i) emoji += "\xF0\x9F\x98\x80"; // U+1F600, 4 bytes
    auto a = atom::make(emoji);
    REQUIRE(a);
    CHECK(a->length() == 255);
    CHECK(a->name().size() == 1020);
    CHECK(atom::make(emoji + "a").error() == term::error::atom_too_long);
  }

  TEST_CASE("atom: rejects invalid UTF-8") {
    for (std::string bad : {"\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "a\xC3", "\xFF"}) {
      CAPTURE(bad);
      CHECK(atom::make(bad).error() == term::error::bad_utf8);
    }
    CHECK_THROWS_AS(atom("\xFF"), std::invalid_argument);
  }

  TEST_CASE("atom: latin-1 names convert to UTF-8") {
    auto a = atom::make_latin1("\xE9t\xE9");
    REQUIRE(a);
    CHECK(a->name() == "été");
    CHECK(a->length() == 3);
    CHECK(*a == atom("été"));
  }

  TEST_CASE("atom: existing never creates") {
    CHECK(!atom::existing("enode_test_atom_that_was_never_made_3141"));
    atom made("enode_test_atom_made_2718");
    CHECK(atom::existing("enode_test_atom_made_2718") == made);
  }

  TEST_CASE("atom: orders by text, code point by code point") {
    CHECK(atom("a") < atom("b"));
    CHECK(atom("a") < atom("aa"));
    CHECK(atom("Z") < atom("a"));
    CHECK(atom("z") < atom("é"));
    CHECK(atom("é") < atom("ж"));
  }

  TEST_CASE("atom: prints quoted where Erlang needs it") {
    auto show = [](atom a) {
      std::ostringstream os;
      os << a;
      return os.str();
    };
    CHECK(show(atom("ok")) == "ok");
    CHECK(show(atom("a@b")) == "a@b");
    CHECK(show(atom("Abc")) == "'Abc'");
    CHECK(show(atom("")) == "''");
    CHECK(show(atom("and")) == "'and'");
    CHECK(show(atom("hello world")) == "'hello world'");
  }

  TEST_CASE("atom: interning is thread-safe") {
    std::vector<std::thread> threads;
    std::vector<std::vector<atom>> made(4);
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([t, &made] {
        for (int i = 0; i < 2000; ++i) made[static_cast<std::size_t>(t)].emplace_back("mt_atom_" + std::to_string(i));
      });
    for (auto& th : threads) th.join();
    for (int i = 0; i < 2000; ++i) {
      auto k = static_cast<std::size_t>(i);
      CHECK(made[0][k] == made[1][k]);
      CHECK(made[2][k] == made[3][k]);
      CHECK(made[0][k] == made[3][k]);
    }
  }
}
