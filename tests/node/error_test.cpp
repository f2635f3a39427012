#include <enode/node/error.hpp>

#include <doctest/doctest.h>

#include <string>

namespace node = enode::node;

TEST_SUITE("node") {
  TEST_CASE("error: node errors have their category and say what happened") {
    enode::error_code ec = node::error::pang;
    CHECK(std::string(ec.category().name()) == "enode.node");
    CHECK(ec.message().find("pang") != std::string::npos);
    for (auto e : {node::error::not_connected, node::error::pang, node::error::wrong_name_mode,
                   node::error::simultaneous_never_completed, node::error::not_running, node::error::bad_log_level,
                   node::error::no_domain, node::error::no_listen_port}) {
      enode::error_code c = e;
      CHECK(c);
      CHECK(c.message() != "unknown node error");
    }
  }
}
