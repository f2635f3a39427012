#include <enode/signals/signal.hpp>

#include <doctest/doctest.h>

namespace signals = enode::signals;
namespace term = enode::term;
using term::atom;
using term::value;

namespace {
struct terms {
  value P1{term::pid{atom("a@h"), 1, 0, 5}};
  value P2{term::pid{atom("b@h"), 2, 0, 6}};
  value R{term::reference{atom("a@h"), 5, 3, {1, 2, 3, 0, 0}}};
};
} // namespace

TEST_SUITE("signals") {
  TEST_CASE_FIXTURE(
      terms,
      "signal: the sender is the from of each kind, the leader of a group_leader, the new process of a spawn reply") {
    CHECK(signals::sender(signals::send{P1, P2, 1}) == P1);
    CHECK(signals::sender(signals::send{{}, P2, 1}).is_nil());
    CHECK(signals::sender(signals::exit{P2, P1, atom("normal")}) == P2);
    CHECK(signals::sender(signals::down{P1, atom("kv"), P2, R, atom("normal")}) == P1);
    CHECK(signals::sender(signals::group_leader{P2, P1}) == P2);
    // A spawn reply goes with the process it made (nothing it sends may overtake it).
    CHECK(signals::sender(signals::spawn_reply{R, P1, 2, P2}) == P2);
    CHECK(signals::sender(signals::spawn_reply{R, P1, 0, atom("notsup")}).is_nil());
    CHECK(signals::sender(signals::node_link{}).is_nil());
  }

  TEST_CASE_FIXTURE(terms, "signal: messages are send, reg_send and alias_send, nothing else") {
    CHECK(signals::is_message(signals::send{P1, P2, 1}));
    CHECK(signals::is_message(signals::reg_send{P1, atom("kv"), 1}));
    CHECK(signals::is_message(signals::alias_send{P1, R, 1}));
    CHECK_FALSE(signals::is_message(signals::link{P1, P2}));
    CHECK_FALSE(signals::is_message(signals::exit2{P1, P2, atom("kill")}));
    CHECK_FALSE(signals::is_message(signals::spawn_reply{R, P1, 0, atom("notsup")}));
  }

  TEST_CASE_FIXTURE(terms, "signal: a spawn reply reads ok with a pid and error with anything else") {
    CHECK(signals::spawn_reply_message(R, P2) == term::tuple_of({atom("spawn_reply"), R, atom("ok"), P2}));
    CHECK(signals::spawn_reply_message(R, atom("noconnection")) ==
          term::tuple_of({atom("spawn_reply"), R, atom("error"), atom("noconnection")}));
  }
}
