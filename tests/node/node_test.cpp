#include <enode/node/node.hpp>

#include <enode/behaviours/gen_server.hpp>
#include <enode/dist/epmd_client.hpp>
#include <enode/dist/epmd_server.hpp>
#include <enode/dist/error.hpp>
#include <enode/node/error.hpp>
#include <enode/runtime/error.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>

#include "common/io_thread.hpp"
#include "node/test_util.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

// Nodes of enode talking to each other in one process, on a private EPMD port that the
// first node serves. (Against BEAM nodes: integration/t005_distribution.)

namespace {

using namespace std::chrono_literals;
using namespace enode;
namespace atoms = term::atoms;
using runtime::awaitable;
using runtime::process;
using namespace enode::node_test;

term::value name_at(char const* name, node::node& n) { return term::tuple_of({term::atom(name), n.name()}); }

// A registered process that answers {From, Msg} with From ! Msg.
void start_echo(node::node& n) {
  auto pid = n.system().spawn([](process& self) -> awaitable<> {
    for (;;) {
      auto m = co_await self.receive();
      if (m.is_tuple() && m.arity() == 2 && m[0].is_pid()) self.send(m[0], m[1]);
    }
  });
  REQUIRE(pid);
  REQUIRE(n.system().register_name(term::atom("echo"), *pid));
}

} // namespace

TEST_SUITE("node") {

  TEST_CASE("node: the first node serves EPMD, the second registers with it, and they connect on demand") {
    node::node a(opts("a")), b(opts("b"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    CHECK(a.serves_epmd());
    CHECK_FALSE(b.serves_epmd());
    CHECK(a.creation() != 0);
    start_echo(b);
    auto got = run_in<term::value>(a, [&](process& self) -> awaitable<term::value> {
      self.send(name_at("echo", b), term::tuple_of({self.self(), term::atom("hello")}));
      co_return co_await self.receive();
    });
    CHECK(got == term::value(term::atom("hello")));
    CHECK(a.nodes() == std::vector<term::atom>{b.name()});
    CHECK(b.nodes() == std::vector<term::atom>{a.name()});
    CHECK(a.ping(b.name()));
    CHECK(b.ping(a.name()));

    // A send from outside any process to {Name, Node} goes with a sender pid (BEAM drops
    // a REG_SEND without one), arrives, and the connection stays up.
    auto received = std::make_shared<std::promise<term::value>>();
    auto inbox =
        b.system().spawn([received](process& self) -> awaitable<> { received->set_value(co_await self.receive()); });
    REQUIRE(inbox);
    REQUIRE(b.system().register_name(term::atom("inbox"), *inbox));
    REQUIRE(a.system().send(name_at("inbox", b), term::atom("from_nowhere")));
    auto f = received->get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get() == term::value(term::atom("from_nowhere")));
    CHECK(a.nodes() == std::vector<term::atom>{b.name()});
  }

  TEST_CASE("node: a hidden node is in nodes(hidden) only") {
    node::node a(opts("ha")), b(opts("hb", true));
    REQUIRE(a.start());
    REQUIRE(b.start());
    REQUIRE(b.connect(a.name()));
    CHECK(eventually([&] { return a.nodes(true) == std::vector<term::atom>{b.name()}; }));
    CHECK(a.nodes().empty());
    CHECK(b.nodes().empty());
    CHECK(b.nodes(true) == std::vector<term::atom>{a.name()});
  }

  TEST_CASE("node: links and monitors across nodes see exits, and noconnection when the connection goes") {
    node::node a(opts("la")), b(opts("lb"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    // A process on b that waits, then exits with the reason it is sent.
    auto target = b.system().spawn([](process& self) -> awaitable<> {
      auto m = co_await self.receive();
      self.exit(m);
    });
    REQUIRE(target);
    term::value const tv(*target);
    auto seen = run_in<term::value>(a, [&](process& self) -> awaitable<term::value> {
      self.trap_exit(true);
      self.link(*target);
      term::value ref = self.monitor(tv);
      self.send(tv, term::atom("boom"));
      auto exit = co_await self.receive([&](term::value const& m) { return term::is_record(m, atoms::EXIT, 3); },
                                        runtime::infinity);
      auto down = co_await self.receive(
          [&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == ref; }, runtime::infinity);
      co_return term::tuple_of({(*exit)[2], (*down)[4]});
    });
    CHECK(seen == term::tuple_of({term::atom("boom"), term::atom("boom")}));

    // Now a link and a monitor held over a connection that is cut.
    auto idle = b.system().spawn([](process& self) -> awaitable<> { co_await self.receive(); });
    REQUIRE(idle);
    auto lost = run_in<term::value>(a, [&](process& self) -> awaitable<term::value> {
      self.trap_exit(true);
      self.link(*idle);
      term::value ref = self.monitor(term::value(*idle));
      term::value mref = self.monitor(name_at("nobody", b)); // a name that is not there: noproc
      auto none = co_await self.receive(
          [&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == mref; }, runtime::infinity);
      (void)b.disconnect(a.name());
      auto exit = co_await self.receive([&](term::value const& m) { return term::is_record(m, atoms::EXIT, 3); },
                                        runtime::infinity);
      auto down = co_await self.receive(
          [&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == ref; }, runtime::infinity);
      co_return term::tuple_of({(*none)[3], (*none)[4], (*exit)[2], (*down)[4]});
    });
    CHECK(lost == term::tuple_of({name_at("nobody", b), atoms::noproc, atoms::noconnection, atoms::noconnection}));
  }

  TEST_CASE("node: monitor_node gets nodedown when the peer stops, and at once for a node that is not there") {
    node::node a(opts("ma"));
    REQUIRE(a.start());
    auto b = std::make_unique<node::node>(opts("mb"));
    REQUIRE(b->start());
    auto const bname = b->name();
    auto seen = run_in<term::value>(a, [&](process& self) -> awaitable<term::value> {
      a.monitor_node(self.pid(), term::atom("nobody_" + std::to_string(::getpid()) + "@localhost"), true);
      auto first = co_await self.receive();
      // b goes once the connection that monitor_node makes is up: nodeup says so.
      a.monitor_nodes(self.pid(), true);
      a.monitor_node(self.pid(), bname, true);
      auto up = co_await self.receive(
          [&](term::value const& m) {
            return m == term::tuple_of({term::atom("nodeup"), bname});
          },
          std::chrono::seconds(10));
      CHECK(up);
      a.monitor_nodes(self.pid(), false);
      b->stop();
      auto second = co_await self.receive();
      co_return term::tuple_of({first, second});
    });
    CHECK(seen[0][0] == term::value(term::atom("nodedown")));
    CHECK(seen[1] == term::tuple_of({term::atom("nodedown"), bname}));
  }

  TEST_CASE("node: simultaneous connects from both sides end in one connection") {
    node::node a(opts("sa")), b(opts("sb"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    start_echo(a);
    start_echo(b);
    // Both dial at once, many times over: each time exactly one connection survives and
    // messages flow both ways.
    for (int round = 0; round < 10; ++round) {
      CAPTURE(round);
      std::atomic<int> ok{0};
      std::thread ta([&] { ok += a.connect(b.name()).has_value(); });
      std::thread tb([&] { ok += b.connect(a.name()).has_value(); });
      ta.join();
      tb.join();
      CHECK(ok == 2);
      CHECK(eventually([&] { return a.nodes().size() == 1 && b.nodes().size() == 1; }));
      CHECK(a.ping(b.name()));
      CHECK(b.ping(a.name()));
      (void)a.disconnect(b.name());
      CHECK(eventually([&] { return a.nodes().empty() && b.nodes().empty(); }));
    }
    // The loser of each simultaneous connect waited for the winner's connection, with the
    // setup timeout as a deadline in case it never came. That wait ends when the
    // connection is up: nothing of it is left to hold stop back (which waits for the
    // node's pending work) until the deadline. A test of time: stop takes milliseconds,
    // the deadline is seconds away.
    auto const t0 = std::chrono::steady_clock::now();
    a.stop();
    b.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < node::options{}.setup_timeout);
  }

  TEST_CASE("node: a node of the other name mode is unreachable at once, and nothing hangs") {
    node::node a(opts("mode_a")), b(opts("mode_b"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    auto const dotted = term::atom("x_" + std::to_string(::getpid()) + "@host.example.com");
    auto seen = run_in<term::value>(a, [&](process& self) -> awaitable<term::value> {
      // A short-names node does not dial a dotted host (as BEAM refuses to): the send is
      // lost, the monitor says noconnection, monitor_node says nodedown.
      self.send(term::tuple_of({term::atom("any"), dotted}), term::atom("hello"));
      term::value ref = self.monitor(term::tuple_of({term::atom("any"), dotted}));
      auto down =
          co_await self.receive([&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == ref; },
                                std::chrono::seconds(10));
      a.monitor_node(self.pid(), dotted, true);
      auto nd = co_await self.receive(std::chrono::seconds(10));
      co_return term::tuple_of({down ? (*down)[4] : term::value(atoms::timeout), nd.value_or(atoms::timeout)});
    });
    CHECK(seen == term::tuple_of({atoms::noconnection, term::tuple_of({term::atom("nodedown"), dotted})}));
    CHECK(a.ping(b.name())); // the node still serves
  }

  TEST_CASE("node: a wrong cookie is refused, and the node keeps serving") {
    node::node a(opts("ca"));
    auto o = opts("cb");
    o.cookie = "other";
    node::node b(o);
    REQUIRE(a.start());
    REQUIRE(b.start());
    CHECK_FALSE(a.connect(b.name()));
    CHECK_FALSE(a.ping(b.name()));
    node::node c(opts("cc"));
    REQUIRE(c.start());
    CHECK(a.ping(c.name()));
  }

  TEST_CASE("node: keep_connected connects once the other node is up, and again after it restarts") {
    auto bo = opts("kb");
    auto ao = opts("ka");
    ao.keep_connected = {bo.name, ao.name}; // its own name is skipped
    ao.reconnect_interval = 50ms;
    auto lines = std::make_shared<std::pair<std::mutex, std::vector<std::string>>>();
    ao.log = [lines](std::string_view l) {
      std::lock_guard g(lines->first);
      lines->second.emplace_back(l);
    };
    auto failures_reported = [&] {
      std::lock_guard g(lines->first);
      return std::count_if(lines->second.begin(), lines->second.end(),
                           [&](std::string const& l) { return l.starts_with("cannot connect to " + bo.name); });
    };
    node::node a(ao);
    REQUIRE(a.start());
    CHECK(a.nodes().empty()); // b is not there yet: a keeps trying, and says so once
    CHECK(eventually([&] { return failures_reported() == 1; }));
    // Ten more attempts fail (each ends in the nodedown of a monitor_node, which joins the
    // attempt under way or makes one), and none of them says so again.
    auto const bname = term::atom(bo.name);
    auto failed = run_in<int>(a, [&](process& self) -> awaitable<int> {
      int n = 0;
      for (int i = 0; i < 10; ++i) {
        a.monitor_node(self.pid(), bname, true);
        auto down = co_await self.receive(
            [&](term::value const& m) {
              return m == term::tuple_of({term::atom("nodedown"), bname});
            },
            std::chrono::seconds(10));
        n += down ? 1 : 0;
      }
      co_return n;
    });
    CHECK(failed == 10);
    CHECK(failures_reported() == 1);
    {
      node::node b(bo);
      REQUIRE(b.start());
      CHECK(eventually([&] { return a.nodes() == std::vector<term::atom>{b.name()}; }));
      b.stop();
      CHECK(eventually([&] { return a.nodes().empty(); }));
    }
    node::node b(bo);
    REQUIRE(b.start());
    CHECK(eventually([&] { return b.nodes() == std::vector<term::atom>{a.name()}; }));

    auto bad = opts("kc");
    bad.keep_connected = {"no host@"};
    node::node c(bad);
    CHECK(c.start().error() == dist::error::bad_node_name);
  }

  TEST_CASE("node: a malformed name is refused before anything starts") {
    for (char const* bad : {"no host@", "@host", "a@b@c", "a b@host", ""}) {
      CAPTURE(bad);
      node::options o = opts("x");
      o.name = bad;
      node::node n(o);
      auto r = n.start();
      CHECK_FALSE(r);
    }
    node::options o = opts("x");
    o.name = "short@dotted.host"; // a short name with a dotted host
    node::node n(o);
    CHECK(n.start().error() == dist::error::bad_node_name);
  }

  TEST_CASE("node: a name already registered with EPMD is refused") {
    node::node a(opts("dup"));
    REQUIRE(a.start());
    node::node b(opts("dup"));
    CHECK(b.start().error() == dist::error::epmd_duplicate_name);
  }

  TEST_CASE("node: long names with an IP address as host") {
    auto la = opts("long_a"), lb = opts("long_b");
    la.name = "long_a_" + std::to_string(::getpid()) + "@127.0.0.1";
    lb.name = "long_b_" + std::to_string(::getpid()) + "@127.0.0.1";
    la.long_names = lb.long_names = true;
    node::node a(la), b(lb);
    REQUIRE(a.start());
    REQUIRE(b.start());
    CHECK(a.ping(b.name()));
    // A long-names node does not dial a short name (as BEAM refuses to).
    CHECK_FALSE(a.connect(term::atom("short_" + std::to_string(::getpid()) + "@localhost")));
  }

  TEST_CASE("node: registers again when EPMD goes away and another comes, keeping its creation") {
    testing::io_thread io;
    auto& ioc = io.ioc;
    auto port = static_cast<std::uint16_t>(epmd_port() + 1);
    auto first = dist::epmd::server::listen(ioc.get_executor(), port);
    REQUIRE(first);
    (*first)->start();
    io.start();
    auto o = opts("again");
    o.epmd_port = port;
    o.embedded_epmd = false;
    o.epmd_retry_interval = 10ms; // (1 s by default) each attempt before `second` listens fails
    node::node n(o);
    REQUIRE(n.start());
    auto const creation = n.creation();
    auto alive = std::string(n.name().name()).substr(0, std::string(n.name().name()).find('@'));
    auto listed = [&](std::shared_ptr<dist::epmd::server> const& s) {
      for (auto const& e : s->nodes())
        if (e.name == alive) return true;
      return false;
    };
    CHECK(eventually([&] { return listed(*first); }));
    (*first)->stop();
    std::shared_ptr<dist::epmd::server> second;
    CHECK(eventually([&] {
      auto s = dist::epmd::server::listen(ioc.get_executor(), port);
      if (!s) return false;
      second = *s;
      second->start();
      return true;
    }));
    REQUIRE(second);
    CHECK(eventually([&] { return listed(second); }));
    CHECK(n.creation() == creation);
    n.stop();
    second->stop();
    ioc.stop(); // before the servers go
    io.thread.join();
  }

  TEST_CASE("node: connect, ping and disconnect say why they fail") {
    node::node a(opts("why_a")), b(opts("why_b"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    auto const absent = term::atom("nobody_" + std::to_string(::getpid()) + "@localhost");
    auto c = a.connect(absent);
    REQUIRE_FALSE(c);
    CHECK(c.error() == dist::error::epmd_no_such_node);
    auto p = a.ping(absent);
    REQUIRE_FALSE(p);
    CHECK(p.error() == dist::error::epmd_no_such_node);
    auto d = a.disconnect(absent);
    REQUIRE_FALSE(d);
    CHECK(d.error() == node::error::not_connected);
    auto dotted = a.connect(term::atom("x_" + std::to_string(::getpid()) + "@host.example.com"));
    REQUIRE_FALSE(dotted);
    CHECK(dotted.error() == node::error::wrong_name_mode);
    // From the node's own threads they would wait for themselves: refused at once.
    auto inside = run_in<term::value>(a, [&](process&) -> awaitable<term::value> {
      auto ce = a.connect(b.name()).error(), pe = a.ping(b.name()).error();
      co_return term::tuple_of({ce == runtime::error::would_deadlock, pe == runtime::error::would_deadlock});
    });
    CHECK(inside == term::tuple_of({true, true}));
    CHECK(a.ping(b.name()));
    CHECK(a.disconnect(b.name()));
  }

  TEST_CASE("node: log lines reach a record sink with their level and the node's name, from the level up") {
    struct seen {
      std::mutex m;
      std::vector<std::string> lines;
    };
    auto got = std::make_shared<seen>();
    auto ao = opts("log_a");
    ao.log_level = log::level::debug;
    ao.log = [got](log::record const& r) {
      std::lock_guard g(got->m);
      got->lines.push_back(std::string(log::to_string(r.severity)) + " " + std::string(r.node) + ": " +
                           std::string(r.text));
    };
    auto bo = opts("log_b");
    bo.log_level = log::level::error;
    std::atomic<int> b_lines{0};
    bo.log = [&b_lines](std::string_view) { ++b_lines; };
    node::node a(ao), b(bo);
    REQUIRE(a.start());
    REQUIRE(b.start());
    REQUIRE(a.connect(b.name()));
    auto has = [&](std::string const& line) {
      std::lock_guard g(got->m);
      return std::find(got->lines.begin(), got->lines.end(), line) != got->lines.end();
    };
    std::string const me(a.name().name()), other(b.name().name());
    CHECK(has("debug " + me + ": connecting to " + other + ": handshake"));
    CHECK(has("notice " + me + ": connected to " + other));
    CHECK(b_lines == 0); // b logs errors only, and had none
  }

} // TEST_SUITE
