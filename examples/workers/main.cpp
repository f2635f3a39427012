// C++ workers for an Elixir cluster: mathx:mul/2, mathx:stats/1 and a supervised
// gen_server `counter`, configured as an Elixir release is (RELEASE_NODE, RELEASE_COOKIE,
// RELEASE_DISTRIBUTION, ERL_EPMD_PORT), running until SIGINT or SIGTERM.
//
//   RELEASE_NODE=workers RELEASE_COOKIE=secret ./workers
//   iex> :erpc.call(:"workers@myhost", :mathx, :mul, [6, 7])     # 42
//   iex> GenServer.call({:counter, :"workers@myhost"}, {:add, 5}) # 5
//
// With ELIXIR_NODE set it calls that node's String.upcase/1 once it runs.
#include <enode/enode.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace enode;
using term::number;

// mathx:stats/1's answer: #{mean => Mean, max => Max}.
struct stats {
  double mean;
  number max;
  static auto term_fields() {
    return term::map_fields<stats, term::field<"mean", &stats::mean>, term::field<"max", &stats::max>>{};
  }
};

// counter: call get -> N; call {add, K} -> N + K (the new count); cast reset.
class counter final : public behaviours::gen_server {
  std::int64_t count_ = 0;

  runtime::awaitable<behaviours::action> handle_call(term::value const& request, behaviours::from const&) override {
    if (request == term::atom("get")) co_return behaviours::action::reply(count_);
    if (term::is_record(request, term::atom("add"), 2)) {
      count_ += term::from_term<std::int64_t>(request[1]);
      co_return behaviours::action::reply(count_);
    }
    co_return behaviours::action::reply(term::tuple_of({term::atoms::error, term::atom("bad_request")}));
  }
  runtime::awaitable<behaviours::action> handle_cast(term::value const& msg) override {
    if (msg == term::atom("reset")) count_ = 0;
    co_return behaviours::action::noreply();
  }
};

int main(int argc, char** argv) {
  node::application app;
  app.setup = [](node::node& n) {
    n.functions().add("mathx", "mul", [](number a, number b) { return a * b; });
    n.functions().add("mathx", "stats", [](std::vector<number> const& xs) {
      if (xs.empty()) throw runtime::error_exception(term::atoms::badarg);
      number sum = 0;
      for (auto const& x : xs) sum += x;
      return stats{(sum / static_cast<std::int64_t>(xs.size())).to_double(), *std::max_element(xs.begin(), xs.end())};
    });
  };
  app.children.push_back({.id = term::atom("counter"),
                          .start = behaviours::start_server<counter>({.name = term::atom("counter")})});
  app.started = [](node::node& n) {
    std::printf("workers %s ready\n", std::string(n.name().name()).c_str());
    if (char const* elixir = std::getenv("ELIXIR_NODE")) {
      node::blocking me(n);
      auto up = me.rpc(term::atom(elixir), term::atom("Elixir.String"), term::atom("upcase"),
                       term::list_of({term::binary_of("hello from C++")}), std::chrono::seconds(10));
      std::printf("%s answered %s\n", elixir, term::to_string(up).c_str());
    }
    std::fflush(stdout);
  };
  return node::run(argc, argv, std::move(app));
}
