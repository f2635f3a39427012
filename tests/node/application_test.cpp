#include <enode/node/application.hpp>

#include "node/test_util.hpp"

#include <enode/behaviours/gen_server.hpp>
#include <enode/node/blocking.hpp>
#include <enode/node/error.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <future>
#include <map>
#include <optional>
#include <pthread.h>
#include <thread>

// apply_environment (the variables of an Elixir release and enode's own), run (a node
// with a root supervisor until a stop signal), and a listen port range. The EPMD
// hand-over from a program of one's own: integration/t008_examples.

namespace {

using namespace enode;
using namespace enode::node_test;

using variables = std::map<std::string, std::optional<std::string>>;

// Sets (or, with nullopt, unsets) variables for the scope, and restores them after.
class environment {
public:
  explicit environment(variables const& vars) {
    for (auto const& name : names) {
      char const* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::unsetenv(name);
    }
    for (auto const& [k, v] : vars) set(k, v);
  }
  ~environment() {
    for (auto const& [k, v] : saved_) set(k, v);
  }
  environment(environment const&) = delete;
  environment& operator=(environment const&) = delete;

private:
  static void set(std::string const& k, std::optional<std::string> const& v) {
    if (v)
      ::setenv(k.c_str(), v->c_str(), 1);
    else
      ::unsetenv(k.c_str());
  }
  static constexpr char const* names[] = {"RELEASE_NODE",         "RELEASE_DISTRIBUTION", "RELEASE_COOKIE",
                                          "ERL_EPMD_PORT",        "ENODE_LOG_LEVEL",      "ENODE_DIST_LISTEN_MIN",
                                          "ENODE_DIST_LISTEN_MAX"};
  std::map<std::string, std::optional<std::string>> saved_;
};

class echo final : public behaviours::gen_server {
  runtime::awaitable<behaviours::action> handle_call(term::value const& r, behaviours::from const&) override {
    co_return behaviours::action::reply(r);
  }
};

class crasher final : public behaviours::gen_server {
  runtime::awaitable<behaviours::action> init() override {
    self().send(self().self(), term::atom("crash")); // and crash on it, each time it starts
    co_return behaviours::action::ok();
  }
  runtime::awaitable<behaviours::action> handle_info(term::value const&) override {
    throw runtime::error_exception(term::atom("boom"));
  }
};

// `run` on a thread of its own (which it makes take the stop signals), stopped by a
// SIGTERM sent to that thread.
struct running {
  std::promise<bool> started;
  std::future<int> status;
  pthread_t thread{};

  explicit running(node::application app) {
    std::promise<pthread_t> who;
    auto tid = who.get_future();
    app.started = [this, then = std::move(app.started)](node::node& n) {
      if (then) then(n);
      started.set_value(true);
    };
    status = std::async(std::launch::async, [app = std::move(app), w = std::move(who)]() mutable {
      w.set_value(pthread_self());
      char const* const argv[] = {"application_test"};
      return node::run(1, argv, std::move(app));
    });
    thread = tid.get();
  }
  void stop() const { pthread_kill(thread, SIGTERM); }
};

} // namespace

TEST_SUITE("node") {
  TEST_CASE("apply_environment: a release's variables fill what the options leave unset") {
    environment env(variables{{"RELEASE_NODE", "app@host.example"},
                              {"RELEASE_DISTRIBUTION", "name"},
                              {"RELEASE_COOKIE", "c00kie"},
                              {"ERL_EPMD_PORT", "4555"},
                              {"ENODE_LOG_LEVEL", "debug"},
                              {"ENODE_DIST_LISTEN_MIN", "9100"},
                              {"ENODE_DIST_LISTEN_MAX", "9105"}});
    node::options o;
    CHECK(node::apply_environment(o) == "");
    CHECK(o.name == "app@host.example");
    CHECK(o.long_names);
    CHECK(o.cookie == "c00kie");
    CHECK(o.epmd_port == 4555);
    CHECK(o.log_level == log::level::debug);
    CHECK(o.listen_port == 9100);
    CHECK(o.listen_port_max == 9105);

    node::options set;
    set.name = "mine";
    set.cookie = "own";
    set.epmd_port = 4369;
    set.listen_port = 7000;
    CHECK(node::apply_environment(set) == "");
    CHECK(set.name == "mine");
    CHECK_FALSE(set.long_names); // the mode goes with RELEASE_NODE's name only
    CHECK(set.cookie == "own");
    CHECK(set.epmd_port == 4369);
    CHECK(set.listen_port == 7000);
    CHECK(set.listen_port_max == 0);
  }

  TEST_CASE("apply_environment: short names by default, a max port alone is that port") {
    environment env(variables{{"RELEASE_NODE", "app"}, {"ENODE_DIST_LISTEN_MAX", "9200"}});
    node::options o;
    CHECK(node::apply_environment(o) == "");
    CHECK(o.name == "app");
    CHECK_FALSE(o.long_names);
    CHECK_FALSE(o.cookie);
    CHECK(o.listen_port == 9200);
    CHECK(o.listen_port_max == 9200);
  }

  TEST_CASE("apply_environment: what is wrong is said, naming the variable") {
    auto problem = [](variables const& vars) {
      environment env(vars);
      node::options o;
      return node::apply_environment(o);
    };
    CHECK(problem({{"RELEASE_DISTRIBUTION", "none"}, {"RELEASE_NODE", "a"}}) ==
          "RELEASE_DISTRIBUTION is none: a node needs distribution (sname or name)");
    CHECK(problem({{"RELEASE_DISTRIBUTION", "longnames"}}) ==
          "RELEASE_DISTRIBUTION must be sname or name, not 'longnames'");
    CHECK(problem({{"ERL_EPMD_PORT", "70000"}}) == "ERL_EPMD_PORT must be a port number (1..65535), not '70000'");
    CHECK(problem({{"ENODE_DIST_LISTEN_MIN", "x"}}) ==
          "ENODE_DIST_LISTEN_MIN must be a port number (1..65535), not 'x'");
    CHECK(problem({{"ENODE_DIST_LISTEN_MIN", "9000"}, {"ENODE_DIST_LISTEN_MAX", "8000"}}) ==
          "ENODE_DIST_LISTEN_MAX (8000) is below ENODE_DIST_LISTEN_MIN (9000)");
    CHECK(problem({{"ENODE_LOG_LEVEL", "loud"}}).find("ENODE_LOG_LEVEL") != std::string::npos);
  }

  TEST_CASE("node: a listen port range takes its first free port, and says when none is") {
    boost::asio::io_context ioc;
    using tcp = boost::asio::ip::tcp;
    // Two neighbouring ports taken: the range of both has no free port.
    std::optional<tcp::acceptor> taken, next;
    std::uint16_t first = 0;
    for (int i = 0; i < 100 && !next; ++i) {
      taken.emplace(ioc, tcp::endpoint(tcp::v4(), 0));
      first = taken->local_endpoint().port();
      if (first == 65535) continue;
      boost::system::error_code ec;
      next.emplace(ioc);
      next->open(tcp::v4(), ec);
      if (!ec) next->bind(tcp::endpoint(tcp::v4(), static_cast<std::uint16_t>(first + 1)), ec);
      if (!ec) next->listen(8, ec);
      if (ec) next.reset();
    }
    REQUIRE(next);
    auto o = opts("range");
    o.listen_port = first;
    o.listen_port_max = first;
    node::node one(o); // a single port, taken: the socket's own error
    CHECK(one.start().error() == boost::asio::error::address_in_use);
    o.listen_port_max = static_cast<std::uint16_t>(first + 1);
    node::node full(o);
    CHECK(full.start().error() == node::error::no_listen_port);

    o.listen_port_max = static_cast<std::uint16_t>(first + 40);
    node::node n(o);
    REQUIRE(n.start());
    CHECK(n.listen_port() > first + 1);
    CHECK(n.listen_port() <= first + 40);
    n.stop();
  }

  TEST_CASE("run: the node and its root supervisor's children run until SIGTERM, then stop") {
    node::application app;
    app.node = opts("app_run");
    app.setup = [](node::node& n) { n.functions().add("m", "f", [] { return 1; }); };
    app.children.push_back(
        {.id = term::atom("echo"), .start = behaviours::start_server<echo>({.name = term::atom("app_echo")})});
    app.supervisor_name = term::atom("app_root_sup");
    std::promise<term::value> answer;
    app.started = [&answer](node::node& n) {
      node::blocking me(n);
      answer.set_value(me.call(term::atom("app_echo"), term::atom("hello"), 5s));
    };
    running r(std::move(app));
    auto started = r.started.get_future();
    REQUIRE(started.wait_for(30s) == std::future_status::ready);
    CHECK(answer.get_future().get() == term::atom("hello"));
    r.stop();
    REQUIRE(r.status.wait_for(30s) == std::future_status::ready);
    CHECK(r.status.get() == 0);
  }

  TEST_CASE("run: a root supervisor that gives up stops the node with status 1") {
    node::application app;
    app.node = opts("app_gives_up");
    app.flags.intensity = 1;
    app.children.push_back({.id = term::atom("crasher"), .start = behaviours::start_server<crasher>({})});
    running r(std::move(app));
    REQUIRE(r.status.wait_for(30s) == std::future_status::ready);
    CHECK(r.status.get() == 1);
  }

  TEST_CASE("run: a wrong environment is status 2, before anything starts") {
    environment env(variables{{"RELEASE_DISTRIBUTION", "none"}});
    node::application app;
    app.node.name = "x";
    char const* const argv[] = {"application_test"};
    CHECK(node::run(1, argv, std::move(app)) == 2);
  }

  TEST_CASE("epmd_successor: nothing to do without the reserved argument") {
    char const* const plain[] = {"prog", "--flag", "x"};
    CHECK_FALSE(node::epmd_successor(3, plain));
    char const* const bad[] = {"prog", "--enode-epmd-successor", "not-a-descriptor"};
    CHECK(node::epmd_successor(3, bad) == 2);
    char const* const bad_registration[] = {"prog", "--enode-epmd-successor", "1000", "7:1:2:3"};
    CHECK(node::epmd_successor(4, bad_registration) == 2);
  }
}
