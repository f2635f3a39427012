#include <enode/term/parse.hpp>

#include <enode/term/error.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/print.hpp>

#include "term/test_util.hpp"

#include <doctest/doctest.h>

#include <string>

namespace term = enode::term;
using term::atom;
using term::value;

namespace {
value p(std::string_view text) { return term::test::parsed(text); }
std::string fails(std::string_view text) {
  term::parse_failure f;
  auto v = term::parse(text, &f);
  if (v) return "parsed";
  return std::to_string(f.line) + ":" + std::to_string(f.column) + " " + f.message;
}
} // namespace

TEST_SUITE("term") {
  TEST_CASE("parse: atoms") {
    CHECK(p("ok") == value(atom("ok")));
    CHECK(fails("a@b.c") == "1:5 unexpected text after the term");
    CHECK(p("'hello world'") == value(atom("hello world")));
    CHECK(fails("'it''s'") == "1:5 unexpected text after the term");
    CHECK(p("'a\\nb'") == value(atom("a\nb")));
    CHECK(p("'\\x{436}'") == value(atom("ж")));
    CHECK(p("'ж'") == value(atom("ж")));
    CHECK(p("é") == value(atom("é")));
    CHECK(p("''") == value(atom("")));
    CHECK(p("true") == value(true));
    CHECK(term::parse(std::string("'") + std::string(256, 'a') + "'").error() == term::error::atom_too_long);
  }

  TEST_CASE("parse: integers in every notation") {
    CHECK(p("42") == value(42));
    CHECK(p("-42") == value(-42));
    CHECK(p("+7") == value(7));
    CHECK(p("- 3") == value(-3));
    CHECK(p("1_000_000") == value(1000000));
    CHECK(p("16#FF") == value(255));
    CHECK(p("16#ff") == value(255));
    CHECK(p("2#1010") == value(10));
    CHECK(p("36#zz") == value(36 * 36 - 1));
    CHECK(p("-16#10") == value(-16));
    CHECK(p("$a") == value(97));
    CHECK(p("$\\n") == value(10));
    CHECK(p("$ж") == value(0x436));
    CHECK(p("$\\x{1F600}") == value(0x1F600));
    CHECK(p("$\\^A") == value(1));
    CHECK(p("-$a") == value(-97));
    CHECK(p("123456789012345678901234567890") == term::make_integer(term::big_int("123456789012345678901234567890")));
    CHECK(p("-9223372036854775808") == value(INT64_MIN));
    CHECK(p("9223372036854775808").is_small() == false);
    CHECK(p("16#FFFFFFFFFFFFFFFFFFFF") == term::make_integer((term::big_int(1) << 80) - 1));
  }

  TEST_CASE("parse: floats") {
    CHECK(p("1.5") == value(1.5));
    CHECK(p("-0.0") == value(-0.0));
    CHECK(p("1.0e10") == value(1.0e10));
    CHECK(p("1.0E-5") == value(1.0e-5));
    CHECK(p("5.0e-324") == value(5.0e-324));
    CHECK(p("1_0.5") == value(10.5));
    CHECK(term::parse("1.0e400").error() == term::error::bad_float);
  }

  TEST_CASE("parse: strings and escapes") {
    CHECK(p("\"abc\"") == term::string_of("abc"));
    CHECK(p("\"\"") == value());
    CHECK(p("\"a\" \"b\"  \"c\"") == term::string_of("abc"));
    CHECK(p("\"\\b\\d\\e\\f\\n\\r\\s\\t\\v\\\\\\\"\\'\"") ==
          term::list_of({8, 127, 27, 12, 10, 13, 32, 9, 11, '\\', '"', '\''}));
    CHECK(p("\"\\101\\x41\\x{41}\\^a\"") == term::list_of({65, 65, 65, 1}));
    CHECK(p("\"жé\"") == term::list_of({0x436, 0xE9}));
  }

  TEST_CASE("parse: binaries and bit syntax") {
    CHECK(p("<<>>") == term::binary_of(""));
    CHECK(p("<<1,2,3>>") == term::binary_of(std::string_view("\1\2\3", 3)));
    CHECK(p("<<\"abc\">>") == term::binary_of("abc"));
    CHECK(p("<<\"ж\"/utf8>>") == term::binary_of("ж"));
    CHECK(p("<<\"é\">>") == term::binary_of("\xE9"));
    CHECK(p("<<256>>") == term::binary_of(std::string_view("\0", 1)));
    CHECK(p("<<-1>>") == term::binary_of("\xFF"));
    CHECK(p("<<1:16>>") == term::binary_of(std::string_view("\0\1", 2)));
    CHECK(p("<<1:16/little>>") == term::binary_of(std::string_view("\1\0", 2)));
    CHECK(p("<<1.5/float>>") == term::binary_of(std::string_view("\x3F\xF8\0\0\0\0\0\0", 8)));
    CHECK(p("<<1:32/float>>") == term::binary_of(std::string_view("\x3F\x80\0\0", 4)));
    CHECK(p("<<$a, \"bc\">>") == term::binary_of("abc"));
    CHECK(p("<<\"a\"/utf16>>") == term::binary_of(std::string_view("\0a", 2)));
    CHECK(p("<<1:4, 15:4>>") == term::binary_of("\x1F"));
    CHECK(term::to_string(p("<<1,2,3:5>>")) == "<<1,2,3:5>>");
    CHECK(term::to_string(p("<<1:1>>")) == "<<1:1>>");
    CHECK(p("<<1:2/unit:8>>") == term::binary_of(std::string_view("\0\1", 2)));
    CHECK(fails("<<(1 bsl 70):72>>").find("binary segments") != std::string::npos); // no expressions
  }

  TEST_CASE("parse: tuples, lists, maps") {
    CHECK(p("{}") == term::tuple_of({}));
    CHECK(p("{a, {b, []}}") == term::tuple_of({atom("a"), term::tuple_of({atom("b"), value()})}));
    CHECK(p("[1, 2 | x]") == term::list_of(std::vector<value>{1, 2}, atom("x")));
    CHECK(p("[1 | [2, 3]]") == term::list_of({1, 2, 3}));
    CHECK(p("#{}") == term::map_of({}));
    CHECK(p("#{a => 1, {b} => [c]}") ==
          term::map_of({{atom("a"), 1}, {term::tuple_of({atom("b")}), term::list_of({atom("c")})}}));
    CHECK(p("  % comment\n {ok}. ") == term::tuple_of({atom("ok")}));
    CHECK(p("fun lists:map/2") == value(term::external_fun{atom("lists"), atom("map"), 2}));
    CHECK(p("fun 'M':'f'/0") == value(term::external_fun{atom("M"), atom("f"), 0}));
  }

  TEST_CASE("parse: the printed forms of pids, ports and references") {
    CHECK(p("<a@h:3.85.0>") == value(term::pid{atom("a@h"), 85, 0, 3}));
    CHECK(p("<'A b@h':4294967295.1.2>") == value(term::pid{atom("A b@h"), 1, 2, 4294967295u}));
    CHECK(p("#Port<a@h:1.1099511627776>") == value(term::port{atom("a@h"), 1ull << 40, 1}));
    CHECK(p("#Ref<a@h:1.3.2.1>") == value(term::reference{atom("a@h"), 1, 3, {1, 2, 3, 0, 0}}));
    CHECK(fails("#Ref<a@h:1.1.2.3.4.5.6>").find("1 to 5 words") != std::string::npos);
    CHECK(fails("#Fun<erl_eval.6.1>").find("no readable form") != std::string::npos);
  }

  TEST_CASE("parse: errors say where and why") {
    CHECK(fails("{a,") == "1:4 unexpected end of input");
    CHECK(fails("[1,2") == "1:5 expected ',', '|' or ']'");
    CHECK(fails("\n  X") == "2:3 variables are not terms");
    CHECK(fails("\"abc") == "1:5 unterminated string");
    CHECK(fails("{a} b") == "1:5 unexpected text after the term");
    CHECK(fails("#{a}") == "1:4 expected '=>'");
    CHECK(fails("37#1") == "1:3 base must be 2..36");
    CHECK(fails("<<a>>").find("binary segments") != std::string::npos);
    CHECK(fails("\xFF") == "1:1 unexpected character");
  }

  TEST_CASE("parse: nesting is bounded") {
    std::string deep(100000, '[');
    CHECK(term::parse(deep).error() == term::error::too_deep);
    std::string ok = std::string(500, '{') + std::string(500, '}');
    CHECK(term::parse(ok));
  }
}
