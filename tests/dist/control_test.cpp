#include <enode/dist/control.hpp>

#include <enode/core/overloaded.hpp>

#include <enode/dist/flags.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/print.hpp>

#include <doctest/doctest.h>

#include <vector>

#include <cstdint>
#include <optional>
#include <string>

namespace dist = enode::dist;
namespace term = enode::term;
namespace flags = enode::dist::flags;
namespace sig = enode::signals;
using dist::error;
using dist::op;
using term::atom;
using term::value;

namespace {

// The terms the cases use (members, not namespace-scope values: term nodes come from a
// per-thread pool that should not see static destructors).
struct terms {
  value P1{term::pid{atom("a@h"), 1, 0, 5}};
  value P2{term::pid{atom("b@h"), 2, 3, 6}};
  value R{term::reference{atom("a@h"), 5, 3, {1, 2, 3, 0, 0}}};
  value Token = term::tuple_of({0, atom("label"), 1, P1, 7});
  value Msg = term::tuple_of({atom("hello"), term::binary_of("world")});
  value Reason = term::tuple_of({atom("shutdown"), 1});
  value empty_atom{atom("")};
  value name{atom("net_kernel")};
};

value code(op o) { return value(static_cast<int>(o)); }
value tup(std::initializer_list<value> xs) { return term::tuple_of(xs); }

// The cases below read and write every signal through one flat view, so that one
// assertion checks the same field whichever signal type holds it.
enum class action {
  send,
  reg_send,
  alias_send,
  link,
  unlink_id,
  unlink_id_ack,
  exit,
  exit2,
  monitor,
  demonitor,
  monitor_exit,
  group_leader,
  spawn_request,
  spawn_reply,
  ignored
};

struct flat {
  action what = action::ignored;
  op code = op::node_link;
  value from, to, ref;
  std::uint64_t id = 0;
  value reason, message, options, group_leader;
};

flat flatten(dist::control const& c) {
  flat f;
  f.code = c.code;
  std::visit(
      enode::overloaded{
          [&](sig::send const& x) { f.what = action::send, f.from = x.from, f.to = x.to, f.message = x.message; },
          [&](sig::reg_send const& x) {
            f.what = action::reg_send, f.from = x.from, f.to = value(x.to), f.message = x.message;
          },
          [&](sig::alias_send const& x) {
            f.what = action::alias_send, f.from = x.from, f.to = x.alias, f.message = x.message;
          },
          [&](sig::link const& x) { f.what = action::link, f.from = x.from, f.to = x.to; },
          [&](sig::unlink const& x) { f.what = action::unlink_id, f.from = x.from, f.to = x.to, f.id = x.id; },
          [&](sig::unlink_ack const& x) { f.what = action::unlink_id_ack, f.from = x.from, f.to = x.to, f.id = x.id; },
          [&](sig::exit const& x) { f.what = action::exit, f.from = x.from, f.to = x.to, f.reason = x.reason; },
          [&](sig::exit2 const& x) { f.what = action::exit2, f.from = x.from, f.to = x.to, f.reason = x.reason; },
          [&](sig::monitor const& x) { f.what = action::monitor, f.from = x.from, f.to = x.to, f.ref = x.ref; },
          [&](sig::demonitor const& x) { f.what = action::demonitor, f.from = x.from, f.to = x.to, f.ref = x.ref; },
          [&](sig::down const& x) {
            f.what = action::monitor_exit, f.from = x.name.empty() ? x.from : value(x.name), f.to = x.to, f.ref = x.ref,
            f.reason = x.reason;
          },
          [&](sig::group_leader const& x) { f.what = action::group_leader, f.from = x.leader, f.to = x.to; },
          [&](sig::spawn_request const& x) {
            f.what = action::spawn_request, f.ref = x.ref, f.from = x.from, f.group_leader = x.group_leader,
            f.options = x.options, f.message = x.args;
            f.to = tup({x.module, x.function, value(x.args.list_elements().size())});
          },
          [&](sig::spawn_reply const& x) {
            f.what = action::spawn_reply, f.ref = x.ref, f.to = x.to, f.id = x.flags, f.reason = x.result;
          },
          [&](sig::node_link const&) { f.what = action::ignored; },
      },
      c.signal);
  return f;
}

sig::signal unflatten(flat const& f) {
  switch (f.what) {
    case action::send: return sig::send{f.from, f.to, f.message};
    case action::reg_send: return sig::reg_send{f.from, f.to.as_atom(), f.message};
    case action::alias_send: return sig::alias_send{f.from, f.to, f.message};
    case action::link: return sig::link{f.from, f.to};
    case action::unlink_id: return sig::unlink{f.from, f.to, f.id};
    case action::unlink_id_ack: return sig::unlink_ack{f.from, f.to, f.id};
    case action::exit: return sig::exit{f.from, f.to, f.reason};
    case action::exit2: return sig::exit2{f.from, f.to, f.reason};
    case action::monitor: return sig::monitor{f.from, f.to, f.ref};
    case action::demonitor: return sig::demonitor{f.from, f.to, f.ref};
    case action::monitor_exit:
      if (f.from.is_atom()) return sig::down{{}, f.from.as_atom(), f.to, f.ref, f.reason};
      return sig::down{f.from, {}, f.to, f.ref, f.reason};
    case action::group_leader: return sig::group_leader{f.from, f.to};
    case action::spawn_request:
      return sig::spawn_request{f.ref,     f.from,   f.group_leader, f.to[0].as_atom(), f.to[1].as_atom(),
                                f.message, f.options};
    case action::spawn_reply: return sig::spawn_reply{f.ref, f.to, static_cast<std::uint8_t>(f.id), f.reason};
    case action::ignored: break;
  }
  return sig::node_link{};
}

dist::encoded_control build(flat const& f, std::uint64_t peer) { return dist::encode_control(unflatten(f), peer); }

enode::result<flat> interpret(value const& t, value const* payload) {
  auto c = dist::decode_control(t, payload);
  if (!c) return enode::unexpected(c.error());
  return flatten(*c);
}

flat ok(value const& t, value const* payload) {
  auto c = interpret(t, payload);
  REQUIRE_MESSAGE(c, "interpret failed: " << t);
  return *c;
}

bool bad(value const& t, value const* payload) {
  auto c = interpret(t, payload);
  return !c && c.error() == error::bad_packet;
}

flat make(action what, value from, value to) {
  flat c;
  c.what = what;
  c.from = std::move(from);
  c.to = std::move(to);
  return c;
}

} // namespace

TEST_SUITE("dist") {
  TEST_CASE_FIXTURE(terms, "control: LINK and GROUP_LEADER take two pids and no payload") {
    auto c = ok(tup({code(op::link), P1, P2}), nullptr);
    CHECK(c.what == action::link);
    CHECK(c.code == op::link);
    CHECK(c.from == P1);
    CHECK(c.to == P2);
    CHECK(bad(tup({code(op::link), P1, P2}), &Msg));
    CHECK(bad(tup({code(op::link), P1}), nullptr));
    CHECK(bad(tup({code(op::link), P1, P2, P2}), nullptr));
    CHECK(bad(tup({code(op::link), name, P2}), nullptr));
    CHECK(bad(tup({code(op::link), P1, R}), nullptr));

    auto g = ok(tup({code(op::group_leader), P1, P2}), nullptr);
    CHECK(g.what == action::group_leader);
    CHECK(g.from == P1);
    CHECK(g.to == P2);
    CHECK(bad(tup({code(op::group_leader), P1, P2}), &Msg));
    CHECK(bad(tup({code(op::group_leader), P1, 3}), nullptr));
  }

  TEST_CASE_FIXTURE(terms, "control: SEND and SEND_TT carry the message in the payload") {
    auto c = ok(tup({code(op::send), empty_atom, P2}), &Msg);
    CHECK(c.what == action::send);
    CHECK(c.code == op::send);
    CHECK(c.to == P2);
    CHECK(c.message == Msg);
    CHECK(c.from.is_nil()); // the unused element says nothing about the sender
    auto t = ok(tup({code(op::send_tt), empty_atom, P2, Token}), &Msg);
    CHECK(t.what == action::send);
    CHECK(t.code == op::send_tt);
    CHECK(t.message == Msg);
    CHECK(bad(tup({code(op::send), empty_atom, P2}), nullptr));
    CHECK(bad(tup({code(op::send), empty_atom, name}), &Msg));
    CHECK(bad(tup({code(op::send), empty_atom, P2, Token}), &Msg));
    CHECK(bad(tup({code(op::send_tt), empty_atom, P2}), &Msg));
    CHECK(bad(tup({code(op::send_tt), empty_atom, P2, Token}), nullptr));
  }

  TEST_CASE_FIXTURE(terms, "control: SEND_SENDER and SEND_SENDER_TT name the sender") {
    auto c = ok(tup({code(op::send_sender), P1, P2}), &Msg);
    CHECK(c.what == action::send);
    CHECK(c.code == op::send_sender);
    CHECK(c.from == P1);
    CHECK(c.to == P2);
    CHECK(c.message == Msg);
    auto t = ok(tup({code(op::send_sender_tt), P1, P2, Token}), &Msg);
    CHECK(t.what == action::send);
    CHECK(t.from == P1);
    CHECK(t.message == Msg);
    CHECK(bad(tup({code(op::send_sender), P1, P2}), nullptr));
    CHECK(bad(tup({code(op::send_sender), P1, name}), &Msg));
    CHECK(bad(tup({code(op::send_sender), R, P2}), &Msg));
    CHECK(bad(tup({code(op::send_sender_tt), P1, P2}), &Msg));
  }

  TEST_CASE_FIXTURE(terms, "control: REG_SEND and REG_SEND_TT address a registered name") {
    auto c = ok(tup({code(op::reg_send), P1, empty_atom, name}), &Msg);
    CHECK(c.what == action::reg_send);
    CHECK(c.from == P1);
    CHECK(c.to == name);
    CHECK(c.message == Msg);
    auto t = ok(tup({code(op::reg_send_tt), P1, empty_atom, name, Token}), &Msg);
    CHECK(t.what == action::reg_send);
    CHECK(t.code == op::reg_send_tt);
    CHECK(t.to == name);
    CHECK(bad(tup({code(op::reg_send), P1, empty_atom, P2}), &Msg));
    CHECK(bad(tup({code(op::reg_send), P1, empty_atom, name}), nullptr));
    CHECK(bad(tup({code(op::reg_send), P1, name}), &Msg));
    CHECK(bad(tup({code(op::reg_send_tt), P1, empty_atom, name}), &Msg));
  }

  TEST_CASE_FIXTURE(terms, "control: ALIAS_SEND and ALIAS_SEND_TT address a reference") {
    auto c = ok(tup({code(op::alias_send), P1, R}), &Msg);
    CHECK(c.what == action::alias_send);
    CHECK(c.from == P1);
    CHECK(c.to == R);
    CHECK(c.message == Msg);
    auto t = ok(tup({code(op::alias_send_tt), P1, R, Token}), &Msg);
    CHECK(t.what == action::alias_send);
    CHECK(t.to == R);
    CHECK(bad(tup({code(op::alias_send), P1, P2}), &Msg));
    CHECK(bad(tup({code(op::alias_send), P1, R}), nullptr));
    CHECK(bad(tup({code(op::alias_send_tt), P1, R}), &Msg));
  }

  TEST_CASE_FIXTURE(terms, "control: EXIT, EXIT2 and their traced forms carry the reason in the tuple") {
    auto e = ok(tup({code(op::exit), P1, P2, Reason}), nullptr);
    CHECK(e.what == action::exit);
    CHECK(e.from == P1);
    CHECK(e.to == P2);
    CHECK(e.reason == Reason);
    auto e2 = ok(tup({code(op::exit2), P1, P2, Reason}), nullptr);
    CHECK(e2.what == action::exit2);
    CHECK(e2.reason == Reason);
    auto et = ok(tup({code(op::exit_tt), P1, P2, Token, Reason}), nullptr);
    CHECK(et.what == action::exit);
    CHECK(et.reason == Reason);
    auto e2t = ok(tup({code(op::exit2_tt), P1, P2, Token, Reason}), nullptr);
    CHECK(e2t.what == action::exit2);
    CHECK(e2t.reason == Reason);
    CHECK(bad(tup({code(op::exit), P1, P2, Reason}), &Msg));
    CHECK(bad(tup({code(op::exit), P1, P2}), nullptr));
    CHECK(bad(tup({code(op::exit), name, P2, Reason}), nullptr));
    CHECK(bad(tup({code(op::exit_tt), P1, P2, Reason}), nullptr));
    CHECK(bad(tup({code(op::exit2_tt), P1, P2, Token, Reason}), &Msg));
  }

  TEST_CASE_FIXTURE(terms, "control: the PAYLOAD_EXIT forms carry the reason in the payload") {
    struct row {
      op code;
      bool traced;
      action what;
    } const rows[] = {{op::payload_exit, false, action::exit},
                      {op::payload_exit_tt, true, action::exit},
                      {op::payload_exit2, false, action::exit2},
                      {op::payload_exit2_tt, true, action::exit2}};
    for (auto const& r : rows) {
      CAPTURE(static_cast<int>(r.code));
      auto t = r.traced ? tup({code(r.code), P1, P2, Token}) : tup({code(r.code), P1, P2});
      auto c = ok(t, &Reason);
      CHECK(c.what == r.what);
      CHECK(c.code == r.code);
      CHECK(c.from == P1);
      CHECK(c.to == P2);
      CHECK(c.reason == Reason);
      CHECK(bad(t, nullptr));
      auto wrong = r.traced ? tup({code(r.code), P1, P2}) : tup({code(r.code), P1, P2, Token});
      CHECK(bad(wrong, &Reason));
    }
  }

  TEST_CASE_FIXTURE(terms, "control: MONITOR_P and DEMONITOR_P watch a pid or a name under a reference") {
    for (auto const& target : {P2, name}) {
      CAPTURE(target);
      auto m = ok(tup({code(op::monitor_p), P1, target, R}), nullptr);
      CHECK(m.what == action::monitor);
      CHECK(m.from == P1);
      CHECK(m.to == target);
      CHECK(m.ref == R);
      auto d = ok(tup({code(op::demonitor_p), P1, target, R}), nullptr);
      CHECK(d.what == action::demonitor);
      CHECK(d.ref == R);
    }
    CHECK(bad(tup({code(op::monitor_p), P1, P2, P1}), nullptr));
    CHECK(bad(tup({code(op::monitor_p), P1, R, R}), nullptr));
    CHECK(bad(tup({code(op::monitor_p), name, P2, R}), nullptr));
    CHECK(bad(tup({code(op::monitor_p), P1, P2, R}), &Msg));
    CHECK(bad(tup({code(op::demonitor_p), P1, P2}), nullptr));
  }

  TEST_CASE_FIXTURE(terms, "control: MONITOR_P_EXIT and PAYLOAD_MONITOR_P_EXIT report a monitored end") {
    for (auto const& source : {P2, name}) {
      CAPTURE(source);
      auto m = ok(tup({code(op::monitor_p_exit), source, P1, R, Reason}), nullptr);
      CHECK(m.what == action::monitor_exit);
      CHECK(m.from == source);
      CHECK(m.to == P1);
      CHECK(m.ref == R);
      CHECK(m.reason == Reason);
      auto p = ok(tup({code(op::payload_monitor_p_exit), source, P1, R}), &Reason);
      CHECK(p.what == action::monitor_exit);
      CHECK(p.code == op::payload_monitor_p_exit);
      CHECK(p.reason == Reason);
    }
    CHECK(bad(tup({code(op::monitor_p_exit), P2, P1, R}), nullptr));
    CHECK(bad(tup({code(op::monitor_p_exit), P2, P1, R, Reason}), &Reason));
    CHECK(bad(tup({code(op::payload_monitor_p_exit), P2, P1, R}), nullptr));
    CHECK(bad(tup({code(op::payload_monitor_p_exit), P2, name, R}), &Reason));
  }

  TEST_CASE_FIXTURE(terms, "control: UNLINK_ID and UNLINK_ID_ACK carry an id in 1..2^64-1") {
    auto u = ok(tup({code(op::unlink_id), 42, P1, P2}), nullptr);
    CHECK(u.what == action::unlink_id);
    CHECK(u.id == 42);
    CHECK(u.from == P1);
    CHECK(u.to == P2);
    auto a = ok(tup({code(op::unlink_id_ack), 7, P2, P1}), nullptr);
    CHECK(a.what == action::unlink_id_ack);
    CHECK(a.id == 7);
    CHECK(a.from == P2);
    CHECK(a.to == P1);
    auto big = ok(tup({code(op::unlink_id), value(UINT64_MAX), P1, P2}), nullptr);
    CHECK(big.id == UINT64_MAX);
    auto mid = ok(tup({code(op::unlink_id), value(std::uint64_t{1} << 63), P1, P2}), nullptr);
    CHECK(mid.id == (std::uint64_t{1} << 63));

    CHECK(bad(tup({code(op::unlink_id), 0, P1, P2}), nullptr)); // BEAM refuses id 0
    CHECK(bad(tup({code(op::unlink_id_ack), 0, P1, P2}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), -1, P1, P2}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), term::make_integer(term::big_int(1) << 64), P1, P2}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), term::make_integer(-(term::big_int(1) << 64)), P1, P2}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), atom("x"), P1, P2}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), 1.0, P1, P2}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), 1, P1, P2}), &Msg));
    CHECK(bad(tup({code(op::unlink_id), 1, P1}), nullptr));
    CHECK(bad(tup({code(op::unlink_id), 1, P1, name}), nullptr));
  }

  TEST_CASE_FIXTURE(terms, "control: NODE_LINK is ignored, SPAWN_REQUEST and SPAWN_REPLY are recognised") {
    auto n = ok(tup({code(op::node_link)}), nullptr);
    CHECK(n.what == action::ignored);
    CHECK(bad(tup({code(op::node_link), 1}), nullptr));
    CHECK(bad(tup({code(op::node_link)}), &Msg));

    auto mfa = tup({atom("erpc"), atom("execute_call"), 4});
    auto opts = term::list_of({atom("monitor")});
    auto args = term::list_of({R, atom("m"), atom("f"), value()});
    auto s = ok(tup({code(op::spawn_request), R, P1, P2, mfa, opts}), &args);
    CHECK(s.what == action::spawn_request);
    CHECK(s.ref == R);
    CHECK(s.from == P1);
    CHECK(s.to == mfa);
    CHECK(s.message == args);
    CHECK(s.options == opts);
    CHECK(s.group_leader == P2);
    auto again = build(s, dist::flags::ours); // what we send for a spawn request of ours
    CHECK(again.control == tup({code(op::spawn_request), R, P1, P2, mfa, opts}));
    CHECK(again.payload == std::optional<value>(args));
    CHECK(ok(tup({code(op::spawn_request_tt), R, P1, P2, mfa, opts, Token}), &args).what == action::spawn_request);
    // BEAM drops the connection for these: an argument list of another length than the
    // arity, an improper one, an MFA that is not one, options that are not a list.
    auto three = term::list_of({R, atom("m"), atom("f")});
    CHECK(bad(tup({code(op::spawn_request), R, P1, P2, mfa, opts}), &three));
    std::vector<value> const four{R, atom("m"), atom("f"), value()};
    auto improper = term::list_of(four, value(1));
    CHECK(bad(tup({code(op::spawn_request), R, P1, P2, mfa, opts}), &improper));
    CHECK(bad(tup({code(op::spawn_request), R, P1, P2, tup({atom("erpc"), 1, 4}), opts}), &args));
    CHECK(bad(tup({code(op::spawn_request), R, P1, P2, mfa, atom("monitor")}), &args));
    CHECK(bad(tup({code(op::spawn_request), P1, P1, P2, mfa, opts}), &args));
    CHECK(bad(tup({code(op::spawn_request), R, P1, P2, mfa, opts}), nullptr));
    CHECK(bad(tup({code(op::spawn_request), R, P1, P2, mfa}), &args));

    auto r = ok(tup({code(op::spawn_reply), R, P1, 2, P2}), nullptr);
    CHECK(r.what == action::spawn_reply);
    CHECK(r.ref == R);
    CHECK(r.to == P1);
    CHECK(r.reason == P2);
    CHECK(ok(tup({code(op::spawn_reply_tt), R, P1, 0, atom("notsup"), Token}), nullptr).what == action::spawn_reply);
    CHECK(bad(tup({code(op::spawn_reply), R, P1, 2, P2}), &Msg));
    CHECK(bad(tup({code(op::spawn_reply), R, P1, 2}), nullptr));

    flat reply;
    reply.what = action::spawn_reply, reply.ref = R, reply.to = P1, reply.id = 3, reply.reason = P2;
    auto built = build(reply, dist::flags::ours);
    CHECK(built.control == tup({code(op::spawn_reply), R, P1, 3, P2}));
    CHECK_FALSE(built.payload);
  }

  TEST_CASE_FIXTURE(terms, "control: UNLINK (4) and ALTACT_SIG_SEND (37) are refused") {
    CHECK(bad(tup({code(op::unlink), P1, P2}), nullptr));
    CHECK(bad(tup({value(37), 0, P1, P2}), &Msg));
    CHECK(bad(tup({value(37), 2, P1, P2, Token}), &Msg));
    CHECK(bad(tup({value(37), 4, P1, R}), &Msg));
  }

  TEST_CASE_FIXTURE(terms, "control: unknown codes and malformed tuples are refused") {
    for (int c : {0, 9, 10, 11, 14, 15, 17, 38, 100, 255, 256, -1, 1000}) {
      CAPTURE(c);
      CHECK(bad(tup({value(c), P1, P2}), nullptr));
      CHECK(bad(tup({value(c), P1, P2}), &Msg));
    }
    CHECK(bad(tup({}), nullptr));
    CHECK(bad(tup({atom("link"), P1, P2}), nullptr));
    CHECK(bad(term::list_of({1, P1, P2}), nullptr));
    CHECK(bad(value(1), nullptr));
    CHECK(bad(atom("send"), &Msg));
    CHECK(bad(tup({term::make_integer(term::big_int(1) << 70), P1, P2}), nullptr));
    CHECK(bad(tup({1.0, P1, P2}), nullptr));
  }

  TEST_CASE_FIXTURE(terms, "control: build sends SEND_SENDER when the peer takes it and the sender is a pid") {
    auto c = make(action::send, P1, P2);
    c.message = Msg;
    auto with = build(c, flags::mandatory | flags::send_sender);
    CHECK(with.control == tup({code(op::send_sender), P1, P2}));
    REQUIRE(with.payload);
    CHECK(*with.payload == Msg);

    auto without = build(c, flags::mandatory);
    CHECK(without.control == tup({code(op::send), empty_atom, P2}));
    REQUIRE(without.payload);
    CHECK(*without.payload == Msg);

    auto anonymous = make(action::send, value(), P2);
    anonymous.message = Msg;
    CHECK(build(anonymous, flags::ours).control == tup({code(op::send), empty_atom, P2}));
  }

  TEST_CASE_FIXTURE(terms, "control: build uses the PAYLOAD_* exits when the peer takes EXIT_PAYLOAD") {
    auto e = make(action::exit, P1, P2);
    e.reason = Reason;
    auto p = build(e, flags::mandatory | flags::exit_payload);
    CHECK(p.control == tup({code(op::payload_exit), P1, P2}));
    REQUIRE(p.payload);
    CHECK(*p.payload == Reason);
    auto plain = build(e, flags::mandatory);
    CHECK(plain.control == tup({code(op::exit), P1, P2, Reason}));
    CHECK(!plain.payload);

    auto e2 = make(action::exit2, P1, P2);
    e2.reason = Reason;
    CHECK(build(e2, flags::exit_payload).control == tup({code(op::payload_exit2), P1, P2}));
    CHECK(build(e2, 0).control == tup({code(op::exit2), P1, P2, Reason}));

    auto m = make(action::monitor_exit, name, P1);
    m.ref = R;
    m.reason = Reason;
    auto pm = build(m, flags::exit_payload);
    CHECK(pm.control == tup({code(op::payload_monitor_p_exit), name, P1, R}));
    REQUIRE(pm.payload);
    CHECK(*pm.payload == Reason);
    CHECK(build(m, 0).control == tup({code(op::monitor_p_exit), name, P1, R, Reason}));
    CHECK(!build(m, 0).payload);
  }

  TEST_CASE_FIXTURE(terms, "control: build writes the other operations in their one form") {
    auto rs = make(action::reg_send, P1, name);
    rs.message = Msg;
    CHECK(build(rs, flags::ours).control == tup({code(op::reg_send), P1, empty_atom, name}));
    auto as = make(action::alias_send, P1, R);
    as.message = Msg;
    CHECK(build(as, flags::ours).control == tup({code(op::alias_send), P1, R}));
    CHECK(*build(as, flags::ours).payload == Msg);
    CHECK(build(make(action::link, P1, P2), 0).control == tup({code(op::link), P1, P2}));
    CHECK(build(make(action::group_leader, P1, P2), 0).control == tup({code(op::group_leader), P1, P2}));
    auto u = make(action::unlink_id, P1, P2);
    u.id = 9;
    CHECK(build(u, 0).control == tup({code(op::unlink_id), 9, P1, P2}));
    u.what = action::unlink_id_ack;
    CHECK(build(u, 0).control == tup({code(op::unlink_id_ack), 9, P1, P2}));
    auto mon = make(action::monitor, P1, name);
    mon.ref = R;
    CHECK(build(mon, 0).control == tup({code(op::monitor_p), P1, name, R}));
    mon.what = action::demonitor;
    CHECK(build(mon, 0).control == tup({code(op::demonitor_p), P1, name, R}));
    CHECK(!build(mon, 0).payload);
    flat ignored;
    CHECK(build(ignored, 0).control == tup({code(op::node_link)}));
  }

  TEST_CASE_FIXTURE(terms, "control: build writes REG_SEND and ALIAS_SEND with the sender pid it is given") {
    // dist.c, erts_net_message: a REG_SEND whose sender is not a pid is an invalid
    // message (BEAM drops the connection). build() requires a pid there; the node gives
    // sends from outside any process its own <Node.0.0> (see node_test).
    auto reg = make(action::reg_send, P1, name);
    reg.message = Msg;
    auto e = build(reg, flags::ours);
    REQUIRE(e.control.arity() == 4);
    CHECK(e.control[1] == P1);
    auto alias = make(action::alias_send, P1, R);
    alias.message = Msg;
    auto a = build(alias, flags::ours);
    REQUIRE(a.control.arity() == 3);
    CHECK(a.control[1] == P1);
  }

  TEST_CASE_FIXTURE(terms, "control: build then interpret gives back the message, for every action") {
    std::uint64_t const peers[] = {flags::mandatory, flags::ours, flags::ours | flags::published};
    for (auto peer : peers) {
      CAPTURE(peer);
      std::vector<flat> cs;
      auto add = [&](action what, value from, value to) -> flat& {
        cs.push_back(make(what, std::move(from), std::move(to)));
        return cs.back();
      };
      add(action::send, P1, P2).message = Msg;
      add(action::reg_send, P1, name).message = Msg;
      add(action::alias_send, P1, R).message = Msg;
      add(action::link, P1, P2);
      add(action::unlink_id, P1, P2).id = 1;
      add(action::unlink_id, P1, P2).id = UINT64_MAX;
      add(action::unlink_id_ack, P2, P1).id = 12345;
      add(action::exit, P1, P2).reason = Reason;
      add(action::exit2, P1, P2).reason = atom("kill");
      add(action::monitor, P1, P2).ref = R;
      add(action::monitor, P1, name).ref = R;
      add(action::demonitor, P1, name).ref = R;
      auto& me = add(action::monitor_exit, name, P1);
      me.ref = R;
      me.reason = atom("noproc");
      auto& me2 = add(action::monitor_exit, P2, P1);
      me2.ref = R;
      me2.reason = Reason;
      add(action::group_leader, P1, P2);
      for (auto const& c : cs) {
        CAPTURE(static_cast<int>(c.what));
        auto e = build(c, peer);
        auto back = interpret(e.control, e.payload ? &*e.payload : nullptr);
        REQUIRE_MESSAGE(back, "interpret refused " << e.control);
        CHECK(back->what == c.what);
        CHECK(back->to == c.to);
        bool const sender_lost = c.what == action::send && !(peer & flags::send_sender);
        if (!sender_lost) CHECK(back->from == c.from);
        CHECK(back->ref == c.ref);
        CHECK(back->id == c.id);
        CHECK(back->reason == c.reason);
        CHECK(back->message == c.message);
      }
    }
  }

  TEST_CASE_FIXTURE(terms, "control: build then interpret keeps SPAWN_REPLY's fields") {
    flat c;
    c.what = action::spawn_reply;
    c.ref = R;
    c.to = P1;
    c.id = 2; // Flags: monitor set up (build writes `id` as SPAWN_REPLY's Flags element)
    c.reason = P2;
    auto e = build(c, flags::ours);
    CHECK(e.control == tup({code(op::spawn_reply), R, P1, 2, P2}));
    auto back = interpret(e.control, nullptr);
    REQUIRE(back);
    CHECK(back->what == action::spawn_reply);
    CHECK(back->ref == R);
    CHECK(back->to == P1);
    CHECK(back->reason == P2);
    CHECK(back->id == 2);
  }
}
