#include <enode/dist/epmd.hpp>

#include "dist/test_util.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <string>

namespace dist = enode::dist;
namespace epmd = enode::dist::epmd;
using dist::error;
using dist::test::append;
using dist::test::bytes;
using dist::test::bytes_of;
using dist::test::hex;
using dist::test::sheet_hex;

namespace {

// Sets ERL_EPMD_PORT for a scope and restores it afterwards.
struct env_port {
  std::optional<std::string> saved;
  explicit env_port(char const* v) {
    if (char const* s = std::getenv("ERL_EPMD_PORT")) saved = s;
    if (v)
      ::setenv("ERL_EPMD_PORT", v, 1);
    else
      ::unsetenv("ERL_EPMD_PORT");
  }
  ~env_port() {
    if (saved)
      ::setenv("ERL_EPMD_PORT", saved->c_str(), 1);
    else
      ::unsetenv("ERL_EPMD_PORT");
  }
};

epmd::request parse_whole(std::vector<std::byte> const& in) {
  std::size_t used = 0;
  auto r = epmd::parse_request(in, used);
  REQUIRE(r);
  CHECK(used == in.size());
  return *r;
}

} // namespace

TEST_SUITE("dist") {
  TEST_CASE("epmd: default_port is ERL_EPMD_PORT when it is a valid port, else 4369") {
    {
      env_port e(nullptr);
      CHECK(epmd::default_port() == 4369);
    }
    {
      env_port e("4370");
      CHECK(epmd::default_port() == 4370);
    }
    {
      env_port e("65535");
      CHECK(epmd::default_port() == 65535);
    }
    for (char const* bad : {"", "0", "65536", "-1", "abc", "123x", " 4370", "99999999999"}) {
      CAPTURE(bad);
      env_port e(bad);
      CHECK(epmd::default_port() == 4369);
    }
  }

  TEST_CASE("epmd: ALIVE2_REQ is byte for byte the protocol sheet's example") {
    epmd::node_entry e;
    e.name = "cpp";
    e.port = 34567;
    CHECK(sheet_hex(epmd::encode_alive2_req(e)) == "00 10 78 87 07 4D 00 00 06 00 06 00 03 63 70 70 00 00");
  }

  TEST_CASE("epmd: PORT_PLEASE2_REQ and NAMES_REQ are the protocol sheet's examples") {
    CHECK(sheet_hex(epmd::encode_port_please2_req("beam")) == "00 05 7A 62 65 61 6D");
    CHECK(sheet_hex(epmd::encode_names_req()) == "00 01 6E");
  }

  TEST_CASE("epmd: parse_alive2_resp reads ALIVE2_X_RESP") {
    std::size_t used = 0;
    auto ok = epmd::parse_alive2_resp(bytes({118, 0, 0x65, 0x53, 0xF1, 0x00}), used);
    REQUIRE(ok);
    CHECK(*ok == 0x6553F100u);
    CHECK(used == 6);

    used = 0;
    auto more = bytes({118, 0, 0, 0, 0, 9, 0xEE, 0xEE}); // bytes after it are not its own
    auto r = epmd::parse_alive2_resp(more, used);
    REQUIRE(r);
    CHECK(*r == 9);
    CHECK(used == 6);

    used = 0;
    CHECK(epmd::parse_alive2_resp(bytes({118, 1, 0, 0, 0, 99}), used).error() == error::epmd_duplicate_name);
    CHECK(used == 6);
  }

  TEST_CASE("epmd: parse_alive2_resp asks for more until the reply is whole") {
    auto const whole = bytes({118, 0, 0, 0, 0, 5});
    for (std::size_t n = 0; n < whole.size(); ++n) {
      CAPTURE(n);
      std::size_t used = 0;
      CHECK(epmd::parse_alive2_resp(std::span(whole).first(n), used).error() == error::need_more);
    }
    auto const legacy = bytes({121, 0, 0, 3});
    for (std::size_t n = 1; n < legacy.size(); ++n) {
      CAPTURE(n);
      std::size_t used = 0;
      CHECK(epmd::parse_alive2_resp(std::span(legacy).first(n), used).error() == error::need_more);
    }
  }

  TEST_CASE("epmd: parse_alive2_resp reads the legacy ALIVE2_RESP (121) with a 16-bit creation") {
    std::size_t used = 0;
    auto r = epmd::parse_alive2_resp(bytes({121, 0, 0x01, 0x02}), used);
    REQUIRE(r);
    CHECK(*r == 0x0102u);
    CHECK(used == 4);
    CHECK(epmd::parse_alive2_resp(bytes({121, 1, 0, 99}), used).error() == error::epmd_duplicate_name);
  }

  TEST_CASE("epmd: parse_alive2_resp refuses other reply codes") {
    std::size_t used = 0;
    for (int code : {0, 119, 120, int{'O'}, 255}) {
      CAPTURE(code);
      CHECK(epmd::parse_alive2_resp(bytes({code, 0, 0, 0, 0, 1}), used).error() == error::epmd_bad_reply);
    }
  }

  TEST_CASE("epmd: PORT2_RESP success round-trips every field") {
    epmd::node_entry e;
    e.name = "beam";
    e.port = 34567;
    e.node_type = 72;
    e.protocol = 0;
    e.highest_version = 6;
    e.lowest_version = 5;
    e.extra = "xy";
    auto const out = epmd::encode_port2_resp(&e);
    CHECK(hex(out) == "77"
                      "00"
                      "8707"
                      "48"
                      "00"
                      "0006"
                      "0005"
                      "0004"
                      "6265616d"
                      "0002"
                      "7879");
    auto r = epmd::parse_port2_resp(out);
    REQUIRE(r);
    CHECK(r->name == "beam");
    CHECK(r->port == 34567);
    CHECK(r->node_type == 72);
    CHECK(r->protocol == 0);
    CHECK(r->highest_version == 6);
    CHECK(r->lowest_version == 5);
    CHECK(r->extra == "xy");
  }

  TEST_CASE("epmd: PORT2_RESP failure is epmd_no_such_node") {
    CHECK(hex(epmd::encode_port2_resp(nullptr)) == "7701");
    CHECK(epmd::parse_port2_resp(bytes({119, 1})).error() == error::epmd_no_such_node);
    CHECK(epmd::parse_port2_resp(bytes({119, 2})).error() == error::epmd_no_such_node);
    // EPMD closing without a word: the node is not there (as erl_epmd's noport).
    CHECK(epmd::parse_port2_resp({}).error() == error::epmd_no_such_node);
  }

  TEST_CASE("epmd: a truncated or foreign PORT2_RESP is epmd_bad_reply") {
    epmd::node_entry e;
    e.name = "beam";
    e.port = 1;
    auto const out = epmd::encode_port2_resp(&e);
    // Cut anywhere before the end of the name.
    for (std::size_t n = 1; n < 12 + e.name.size(); ++n) {
      CAPTURE(n);
      CHECK(epmd::parse_port2_resp(std::span(out).first(n)).error() == error::epmd_bad_reply);
    }
    auto foreign = out;
    foreign[0] = std::byte{118};
    CHECK(epmd::parse_port2_resp(foreign).error() == error::epmd_bad_reply);
  }

  TEST_CASE("epmd: NAMES reply parsing takes EPMD's port and the name lines") {
    std::vector<std::byte> in = bytes({0, 0, 0x11, 0x11});
    append(in, "name foo at port 1234\nname bar_2 at port 5\n");
    auto r = epmd::parse_names_resp(in);
    REQUIRE(r);
    CHECK(r->epmd_port == 4369);
    REQUIRE(r->nodes.size() == 2);
    CHECK(r->nodes[0] == std::pair<std::string, std::uint16_t>{"foo", 1234});
    CHECK(r->nodes[1] == std::pair<std::string, std::uint16_t>{"bar_2", 5});
    CHECK(r->text == "name foo at port 1234\nname bar_2 at port 5\n");
  }

  TEST_CASE("epmd: NAMES reply parsing skips lines that are not name lines") {
    std::vector<std::byte> in = bytes({0, 0, 0x11, 0x12});
    append(in, "garbage\nname a at port 70000\nname b at port x\n\nnamex d at port 4\nname c at port 65535");
    auto r = epmd::parse_names_resp(in);
    REQUIRE(r);
    CHECK(r->epmd_port == 4370);
    REQUIRE(r->nodes.size() == 1);
    CHECK(r->nodes[0].first == "c");
    CHECK(r->nodes[0].second == 65535);

    auto empty = epmd::parse_names_resp(bytes({0, 0, 0x11, 0x11}));
    REQUIRE(empty);
    CHECK(empty->nodes.empty());
    CHECK(epmd::parse_names_resp(bytes({0, 0, 0x11})).error() == error::epmd_bad_reply);
    CHECK(epmd::parse_names_resp({}).error() == error::epmd_bad_reply);
  }

  TEST_CASE("epmd: encode_names_resp reads back with parse_names_resp") {
    std::vector<epmd::node_entry> nodes(3);
    nodes[0].name = "one", nodes[0].port = 1;
    nodes[1].name = "two", nodes[1].port = 65535;
    nodes[2].name = "x-y_z", nodes[2].port = 40000;
    auto const out = epmd::encode_names_resp(4369, nodes);
    CHECK(hex(std::span(out).first(4)) == "00001111");
    auto r = epmd::parse_names_resp(out);
    REQUIRE(r);
    CHECK(r->epmd_port == 4369);
    REQUIRE(r->nodes.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(r->nodes[i].first == nodes[i].name);
      CHECK(r->nodes[i].second == nodes[i].port);
    }
    CHECK(r->text == "name one at port 1\nname two at port 65535\nname x-y_z at port 40000\n");
  }

  TEST_CASE("epmd: ALIVE2_X_RESP is code 118, result, u32 creation") {
    CHECK(hex(epmd::encode_alive2_x_resp(true, 0x6553F100u)) == "76006553f100");
    CHECK(hex(epmd::encode_alive2_x_resp(false, 99)) == "760100000063");
    std::size_t used = 0;
    CHECK(*epmd::parse_alive2_resp(epmd::encode_alive2_x_resp(true, 77), used) == 77);
  }

  TEST_CASE("epmd: parse_request reads the sheet's ALIVE2_REQ") {
    auto const in = bytes(
        {0x00, 0x10, 0x78, 0x87, 0x07, 0x4D, 0x00, 0x00, 0x06, 0x00, 0x06, 0x00, 0x03, 0x63, 0x70, 0x70, 0x00, 0x00});
    auto r = parse_whole(in);
    auto* a = std::get_if<epmd::alive2_req>(&r);
    REQUIRE(a);
    CHECK(a->entry.name == "cpp");
    CHECK(a->entry.port == 34567);
    CHECK(a->entry.node_type == 77);
    CHECK(a->entry.protocol == 0);
    CHECK(a->entry.highest_version == 6);
    CHECK(a->entry.lowest_version == 6);
    CHECK(a->entry.extra.empty());
  }

  TEST_CASE("epmd: parse_request reads what the client encodes, extra included") {
    epmd::node_entry e;
    e.name = "node_1";
    e.port = 1;
    e.node_type = 72;
    e.highest_version = 6;
    e.lowest_version = 5;
    e.extra = std::string("\0\1x", 3);
    auto r = parse_whole(epmd::encode_alive2_req(e));
    auto* a = std::get_if<epmd::alive2_req>(&r);
    REQUIRE(a);
    CHECK(a->entry.name == e.name);
    CHECK(a->entry.port == 1);
    CHECK(a->entry.node_type == 72);
    CHECK(a->entry.lowest_version == 5);
    CHECK(a->entry.extra == e.extra);
  }

  TEST_CASE("epmd: parse_request reads every request code") {
    auto pp = parse_whole(bytes({0x00, 0x05, 0x7A, 0x62, 0x65, 0x61, 0x6D}));
    REQUIRE(std::holds_alternative<epmd::port_please2_req>(pp));
    CHECK(std::get<epmd::port_please2_req>(pp).name == "beam");
    CHECK(std::holds_alternative<epmd::names_req>(parse_whole(bytes({0, 1, 110}))));
    CHECK(std::holds_alternative<epmd::dump_req>(parse_whole(bytes({0, 1, 100}))));
    CHECK(std::holds_alternative<epmd::kill_req>(parse_whole(bytes({0, 1, 107}))));
    auto st = parse_whole(bytes({0, 5, 115, 'b', 'e', 'a', 'm'}));
    REQUIRE(std::holds_alternative<epmd::stop_req>(st));
    CHECK(std::get<epmd::stop_req>(st).name == "beam");
  }

  TEST_CASE("epmd: parse_request asks for more until a request is whole") {
    std::vector<std::vector<std::byte>> const whole = {
        epmd::encode_alive2_req(epmd::node_entry{"abc", 1, 77, 0, 6, 6, "e"}),
        epmd::encode_port_please2_req("beam"),
        epmd::encode_names_req(),
        bytes({0, 1, 107}),
    };
    for (auto const& w : whole) {
      for (std::size_t n = 0; n < w.size(); ++n) {
        CAPTURE(hex(w));
        CAPTURE(n);
        std::size_t used = 0;
        CHECK(epmd::parse_request(std::span(w).first(n), used).error() == error::need_more);
      }
    }
    // An announced length longer than any request still waits for its bytes; the server
    // bounds what it buffers.
    std::size_t used = 0;
    CHECK(epmd::parse_request(bytes({0xFF, 0xFF, 120, 0}), used).error() == error::need_more);
  }

  TEST_CASE("epmd: parse_request takes one request at a time") {
    std::vector<std::byte> in = epmd::encode_names_req();
    append(in, epmd::encode_port_please2_req("x"));
    std::size_t used = 0;
    auto a = epmd::parse_request(in, used);
    REQUIRE(a);
    CHECK(std::holds_alternative<epmd::names_req>(*a));
    CHECK(used == 3);
    auto b = epmd::parse_request(std::span(in).subspan(used), used);
    REQUIRE(b);
    CHECK(std::get<epmd::port_please2_req>(*b).name == "x");
    CHECK(used == 4);
  }

  TEST_CASE("epmd: parse_request refuses garbage and malformed bodies") {
    std::vector<std::vector<std::byte>> const bad = {
        bytes({0, 0}),                                                    // empty request
        bytes({0, 1, 0xFF}),                                              // unknown code
        bytes({0, 1, 'G'}),                                               // unknown code
        bytes({0, 1, 122}),                                               // PORT_PLEASE2 without a name
        bytes({0, 12, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 0, 0}),            // ALIVE2 shorter than 13
        bytes({0, 13, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 0, 0, 0}),         // ALIVE2 with an empty name
        bytes({0, 14, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 2, 'a', 0, 0}),    // name longer than the request
        bytes({0, 14, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 1, 'a', 0, 1}),    // extra longer than the request
        bytes({0, 15, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 1, 'a', 0, 0, 9}), // a byte after extra
        bytes({0, 15, 120, 0, 1, 77, 0, 0, 6, 0, 6, 0, 2, 'a', 0, 0, 0}), // NUL in the name
    };
    for (auto const& b : bad) {
      CAPTURE(hex(b));
      std::size_t used = 0;
      CHECK(epmd::parse_request(b, used).error() == error::bad_message);
    }
  }

  TEST_CASE("epmd: parse_request refuses names over 255 bytes") {
    std::string const ok(255, 'n'), too_long(256, 'n');
    std::size_t used = 0;
    auto a = epmd::parse_request(epmd::encode_port_please2_req(ok), used);
    REQUIRE(a);
    CHECK(std::get<epmd::port_please2_req>(*a).name == ok);
    CHECK(epmd::parse_request(epmd::encode_port_please2_req(too_long), used).error() == error::bad_message);

    epmd::node_entry e;
    e.name = ok;
    CHECK(epmd::parse_request(epmd::encode_alive2_req(e), used));
    e.name = too_long;
    CHECK(epmd::parse_request(epmd::encode_alive2_req(e), used).error() == error::bad_message);
  }

  TEST_CASE("epmd: parse_request survives seeded random input") {
    std::uint32_t const seed = 4369;
    CAPTURE(seed);
    std::mt19937 rng(seed);
    for (int i = 0; i < 5000; ++i) {
      std::vector<std::byte> in(rng() % 40);
      for (auto& b : in) b = static_cast<std::byte>(rng());
      if (in.size() >= 2 && (rng() & 1)) { // a plausible length half of the time
        in[0] = std::byte{0};
        in[1] = static_cast<std::byte>(in.size() - 2);
      }
      std::size_t used = 0;
      auto r = epmd::parse_request(in, used);
      if (r)
        CHECK(used <= in.size());
      else
        CHECK((r.error() == error::need_more || r.error() == error::bad_message));
    }
  }
}
