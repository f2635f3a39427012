// The README's examples, compiled and run as they are written there.
#include <enode/behaviours/gen_server.hpp>
#include <enode/behaviours/supervisor.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/scheduler.hpp>
#include <enode/runtime/system.hpp>

#include <doctest/doctest.h>

#include <future>

namespace {

namespace rt = enode::runtime;
namespace bh = enode::behaviours;
using enode::term::atom;
using namespace std::chrono_literals;

struct counter : bh::gen_server {
  std::int64_t n = 0;
  rt::awaitable<bh::action> handle_call(enode::term::value const& req, bh::from const&) override {
    if (req == enode::term::value(atom("next"))) co_return bh::action::reply(++n);
    co_return bh::action::reply(atom("unknown"));
  }
};

} // namespace

TEST_SUITE("behaviours") {

  TEST_CASE("README: ping, pong, and a counter under a supervisor") {
    rt::scheduler sched;
    rt::system sys(sched.context());
    sched.start();

    auto pong = *sys.spawn([](rt::process& self) -> rt::awaitable<> {
      for (;;) {
        auto msg = co_await self.receive(); // {From, ping}
        self.send(msg[0], atom("pong"));
      }
    });
    (void)sys.register_name(atom("pong"), pong); // register(pong, spawn(...)): named before anyone sends
    std::promise<enode::term::value> got;
    (void)sys.spawn([&](rt::process& self) -> rt::awaitable<> {
      self.send(atom("pong"), enode::term::tuple_of({self.self(), atom("ping")}));
      auto reply = co_await self.receive(500ms); // receive ... after 500 -> nullopt
      bh::child_spec child{.id = atom("counter"), .start = bh::start_server<counter>({.name = atom("counter")})};
      auto sup = co_await bh::supervisor::start_link(self, {.strategy = bh::strategy::one_for_one}, std::move(child));
      auto one = co_await bh::gen_server::call(self, atom("counter"), atom("next")); // 1
      auto two = co_await bh::gen_server::call(self, atom("counter"), atom("next"));
      got.set_value(enode::term::list_of({reply.value_or(atom("none")), sup.to_term()[0], one, two}));
      // Stays, linked to the supervisor, as an application's root does: shutdown's signal
      // to it takes the supervisor down at once (unlinked, it would wait for the kill after
      // the grace time).
      (void)co_await self.receive();
    });
    auto f = got.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    auto v = f.get();
    CHECK(v.list_elements()[0] == enode::term::value(atom("pong")));
    CHECK(v.list_elements()[1] == enode::term::value(atom("ok")));
    CHECK(v.list_elements()[2] == enode::term::value(1));
    CHECK(v.list_elements()[3] == enode::term::value(2));
    CHECK(sys.whereis(atom("counter")));
    sys.shutdown();
    sys.join();
  }

} // TEST_SUITE
