#include <enode/term/print.hpp>

#include <enode/term/integer.hpp>
#include <enode/term/parse.hpp>

#include "term/test_util.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace term = enode::term;
using term::atom;
using term::value;

using term::test::parsed;

TEST_SUITE("term") {
  TEST_CASE("print: what io_lib:format(\"~p\") prints on OTP 25") {
    // Each pair: Erlang source text, and the ~p output recorded from OTP 25.2.3.
    std::vector<std::pair<std::string, std::string>> rows = {
        {"#{a => [1,2|x]}", "#{a => [1,2|x]}"},
        {"[0.1, 1.0e10, 1.0e15, 1.0e16, 123456789012.0, 1.0e-4, 1.0e-5, 0.001, -0.0]",
         "[0.1,1.0e10,1.0e15,1.0e16,123456789012.0,0.0001,1.0e-5,0.001,-0.0]"},
        {"[5.0e-324, 1.7976931348623157e308, 100.0, 1.0e22, 1.0e21, 1.0e20]",
         "[5.0e-324,1.7976931348623157e308,100.0,1.0e22,1.0e21,1.0e20]"},
        {"[100000.0, 123456.0, 1.5e-7, 9007199254740993.0, 0.000123, 12345678901234567890.0]",
         "[1.0e5,123456.0,1.5e-7,9.007199254740992e15,1.23e-4,1.2345678901234567e19]"},
        {"[\"abc\\n\\e\", [1046], 'hello world', 'Abc', a@b, 'and']",
         "[\"abc\\n\\e\",[1046],'hello world','Abc',a@b,'and']"},
        {"'\\x{436}'", "'\\x{436}'"},
        {"<<\"ж\"/utf8>>", "<<\"Ð¶\">>"},
        {"<<233>>", "<<\"é\">>"},
        {"[<<1,2,3:5>>, <<\"abc\">>, <<>>, [], \"\", {}, #{}]", "[<<1,2,3:5>>,<<\"abc\">>,<<>>,[],[],{},#{}]"},
        {"[fun lists:map/2, [a|b], $a, <<0>>, \"a\\x{7f}\"]", "[fun lists:map/2,[a|b],97,<<0>>,[97,127]]"},
        {"#{b => 1, a => #{1 => 2}, \"s\" => <<\"x\">>}", "#{a => #{1 => 2},b => 1,\"s\" => <<\"x\">>}"},
        {"['', 'hello\\n', '\\'', \"\\\"\\\\\", <<\"\\\"\">>, 3.0e-5, [-1], 16#FFFFFFFFFFFFFFFFFFFF]",
         "['','hello\\n','\\'',\"\\\"\\\\\",<<\"\\\"\">>,3.0e-5,[-1],1208925819614629174706175]"},
        {"[<<1:1>>, <<255,1:3>>, <<\"ab\",1:2>>]", "[<<1:1>>,<<255,1:3>>,<<97,98,1:2>>]"},
        {"['\\001\\002a', '\\d', '\\200\\237\\240', 'a\"b', 'a\\\\b', 'é', 'aé', 'À', 'a×', 'a÷', 'ß']",
         "['\\001\\002a','\\d','\\200\\237\xC2\xA0','a\"b','a\\\\b',é,aé,'À','a×','a÷',ß]"},
        {"['_a', 'a-b', 'a.b', '\\x{10FFFF}', ' ']", "['_a','a-b','a.b','\\x{10FFFF}',' ']"},
        {"[<<\"abc\",0>>, <<\"ab\\ncd\\e\">>, <<127>>, <<160,255>>]",
         "[<<97,98,99,0>>,<<\"ab\\ncd\\e\">>,<<127>>,<<\"\xC2\xA0ÿ\">>]"},
        {"[[7,8,9,10,11,12,13,27,32], [31], [$a,128], \"é\", <<1:1,0:7,1:3>>, {1}, [[]], [{}|{}]]",
         "[[7,8,9,10,11,12,13,27,32],[31],[97,128],\"é\",<<128,1:3>>,{1},[[]],[{}|{}]]"},
        {"[4503599627370496.0, 9007199254740991.0, 9007199254740992.0, -9007199254740992.0, 4503599627370495.5]",
         "[4503599627370496.0,9007199254740991.0,9.007199254740992e15,-9.007199254740992e15,4503599627370495.5]"},
        {"[-5, -0.5, 1.0e300, 2.2250738585072014e-308, 0.1 , 0.30000000000000004]",
         "[-5,-0.5,1.0e300,2.2250738585072014e-308,0.1,0.30000000000000004]"},
        {"[true, 'after', 'cond', 'let', 'catch', 'andalso', 'xor', 'bnot', spec]",
         "[true,'after','cond','let','catch','andalso','xor','bnot',spec]"},
    };
    for (auto const& [src, expected] : rows) {
      CAPTURE(src);
      CHECK(term::to_string(parsed(src)) == expected);
    }
  }

  TEST_CASE("print: maybe and else are quoted (keywords since OTP 27)") {
    CHECK(term::to_string(value(atom("maybe"))) == "'maybe'");
    CHECK(term::to_string(value(atom("else"))) == "'else'");
  }

  TEST_CASE("print: pids, ports, references and funs") {
    CHECK(term::to_string(value(term::pid{atom("a@h"), 85, 0, 3})) == "<a@h:3.85.0>");
    CHECK(term::to_string(value(term::pid{atom("A@h"), 1, 2, 3})) == "<'A@h':3.1.2>");
    CHECK(term::to_string(value(term::port{atom("a@h"), 5, 1})) == "#Port<a@h:1.5>");
    CHECK(term::to_string(value(term::reference{atom("a@h"), 1, 3, {1, 2, 3, 0, 0}})) == "#Ref<a@h:1.3.2.1>");
    term::fun f;
    f.module = atom("erl_eval");
    f.old_index = 6;
    f.old_uniq = 3316493;
    f.pid = value(term::pid{atom("a@h"), 1, 0, 1});
    CHECK(term::to_string(value(f)) == "#Fun<erl_eval.6.3316493>");
  }

  TEST_CASE("print: bignums and integer extremes") {
    CHECK(term::to_string(value(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
    CHECK(term::to_string(term::make_integer(-(term::big_int(1) << 100))) == "-1267650600228229401496703205376");
  }
}
