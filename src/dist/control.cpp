#include <enode/dist/control.hpp>

#include <enode/dist/flags.hpp>
#include <enode/term/integer.hpp>

#include <cassert>

namespace enode::dist {
namespace {

bool is_pid(term::value const& v) { return v.is_pid(); }
bool is_pid_or_nil(term::value const& v) { return v.is_pid() || v.is_nil() || v.is_atom(); }
bool is_mfa(term::value const& v) {
  return v.is_tuple() && v.arity() == 3 && v[0].is_atom() && v[1].is_atom() && v[2].is_small() && v[2].as_int() >= 0 &&
         v[2].as_int() <= 255;
}

std::optional<std::uint64_t> unlink_id_of(term::value const& v) {
  if (v.is_small()) {
    if (v.as_int() <= 0) return std::nullopt;
    return static_cast<std::uint64_t>(v.as_int());
  }
  if (!v.is_integer()) return std::nullopt;
  auto b = term::to_big_int(v);
  if (b <= 0 || b > term::big_int(UINT64_MAX)) return std::nullopt;
  return static_cast<std::uint64_t>(b);
}

} // namespace

result<control> interpret(term::value const& t, term::value const* payload) {
  if (!t.is_tuple() || t.arity() == 0 || !t[0].is_small()) return error::bad_packet;
  auto const n = t.arity();
  auto const code = t[0].as_int();
  if (code < 1 || code > 255) return error::bad_packet;
  control c;
  c.code = static_cast<op>(code);
  auto need = [&](std::size_t arity, bool with_payload) { return n == arity && (payload != nullptr) == with_payload; };
  auto message = [&] { c.message = *payload; };
  switch (c.code) {
    case op::link:
      if (!need(3, false) || !is_pid(t[1]) || !is_pid(t[2])) return error::bad_packet;
      c.what = action::link, c.from = t[1], c.to = t[2];
      return c;
    case op::send:
    case op::send_tt:
      if (!need(c.code == op::send ? 3 : 4, true) || !is_pid(t[2])) return error::bad_packet;
      c.what = action::send, c.to = t[2];
      message();
      return c;
    case op::send_sender:
    case op::send_sender_tt:
      if (!need(c.code == op::send_sender ? 3 : 4, true) || !is_pid_or_nil(t[1]) || !is_pid(t[2]))
        return error::bad_packet;
      c.what = action::send, c.from = t[1], c.to = t[2];
      message();
      return c;
    case op::reg_send:
    case op::reg_send_tt:
      if (!need(c.code == op::reg_send ? 4 : 5, true) || !is_pid_or_nil(t[1]) || !t[3].is_atom())
        return error::bad_packet;
      c.what = action::reg_send, c.from = t[1], c.to = t[3];
      message();
      return c;
    case op::alias_send:
    case op::alias_send_tt:
      if (!need(c.code == op::alias_send ? 3 : 4, true) || !is_pid_or_nil(t[1]) || !t[2].is_reference())
        return error::bad_packet;
      c.what = action::alias_send, c.from = t[1], c.to = t[2];
      message();
      return c;
    case op::exit:
    case op::exit2:
      if (!need(4, false) || !is_pid(t[1]) || !is_pid(t[2])) return error::bad_packet;
      c.what = c.code == op::exit ? action::exit : action::exit2, c.from = t[1], c.to = t[2], c.reason = t[3];
      return c;
    case op::exit_tt:
    case op::exit2_tt:
      if (!need(5, false) || !is_pid(t[1]) || !is_pid(t[2])) return error::bad_packet;
      c.what = c.code == op::exit_tt ? action::exit : action::exit2, c.from = t[1], c.to = t[2], c.reason = t[4];
      return c;
    case op::payload_exit:
    case op::payload_exit2:
    case op::payload_exit_tt:
    case op::payload_exit2_tt: {
      bool const tt = c.code == op::payload_exit_tt || c.code == op::payload_exit2_tt;
      if (!need(tt ? 4 : 3, true) || !is_pid(t[1]) || !is_pid(t[2])) return error::bad_packet;
      bool const linked = c.code == op::payload_exit || c.code == op::payload_exit_tt;
      c.what = linked ? action::exit : action::exit2, c.from = t[1], c.to = t[2], c.reason = *payload;
      return c;
    }
    case op::monitor_p:
    case op::demonitor_p:
      if (!need(4, false) || !is_pid(t[1]) || !(t[2].is_pid() || t[2].is_atom()) || !t[3].is_reference())
        return error::bad_packet;
      c.what = c.code == op::monitor_p ? action::monitor : action::demonitor;
      c.from = t[1], c.to = t[2], c.ref = t[3];
      return c;
    case op::monitor_p_exit:
      if (!need(5, false) || !(t[1].is_pid() || t[1].is_atom()) || !is_pid(t[2]) || !t[3].is_reference())
        return error::bad_packet;
      c.what = action::monitor_exit, c.from = t[1], c.to = t[2], c.ref = t[3], c.reason = t[4];
      return c;
    case op::payload_monitor_p_exit:
      if (!need(4, true) || !(t[1].is_pid() || t[1].is_atom()) || !is_pid(t[2]) || !t[3].is_reference())
        return error::bad_packet;
      c.what = action::monitor_exit, c.from = t[1], c.to = t[2], c.ref = t[3], c.reason = *payload;
      return c;
    case op::unlink_id:
    case op::unlink_id_ack: {
      if (!need(4, false) || !is_pid(t[2]) || !is_pid(t[3])) return error::bad_packet;
      auto id = unlink_id_of(t[1]);
      if (!id) return error::bad_packet; // BEAM refuses id 0 (and anything but an integer)
      c.what = c.code == op::unlink_id ? action::unlink_id : action::unlink_id_ack;
      c.id = *id, c.from = t[2], c.to = t[3];
      return c;
    }
    case op::group_leader:
      if (!need(3, false) || !is_pid(t[1]) || !is_pid(t[2])) return error::bad_packet;
      c.what = action::group_leader, c.from = t[1], c.to = t[2];
      return c;
    case op::node_link:
      if (!need(1, false)) return error::bad_packet;
      c.what = action::ignored;
      return c;
    case op::spawn_request:
    case op::spawn_request_tt:
      // {29, ReqId, From, GroupLeader, {M, F, Arity}, Opts} + ArgList. BEAM drops the
      // connection for a malformed one (an argument list that is not Arity long among it).
      if (!need(c.code == op::spawn_request ? 6 : 7, true) || !t[1].is_reference() || !is_pid(t[2]) || !is_mfa(t[4]) ||
          !t[5].is_proper_list() || !payload->is_proper_list() ||
          payload->list_elements().size() != static_cast<std::size_t>(t[4][2].as_int()))
        return error::bad_packet;
      c.what = action::spawn_request, c.ref = t[1], c.from = t[2], c.group_leader = t[3], c.to = t[4], c.options = t[5],
      c.message = *payload;
      return c;
    case op::spawn_reply:
    case op::spawn_reply_tt:
      if (n < 5 || payload != nullptr || !t[3].is_small() || t[3].as_int() < 0) return error::bad_packet;
      c.what = action::spawn_reply, c.ref = t[1], c.to = t[2], c.id = static_cast<std::uint64_t>(t[3].as_int()),
      c.reason = t[4];
      return c;
    // UNLINK (4) is an invalid message from OTP 26 on; ALTACT_SIG_SEND (37) is only
    // valid when negotiated, and we do not advertise it.
    default: return error::bad_packet;
  }
}

encoded_control build(control const& c, std::uint64_t peer) {
  auto code = [](op o) { return term::value(static_cast<int>(o)); };
  term::value const empty{term::atom("")};
  bool const payload_exits = (peer & flags::exit_payload) != 0;
  switch (c.what) {
    case action::send:
      if ((peer & flags::send_sender) && c.from.is_pid())
        return {term::tuple_of({code(op::send_sender), c.from, c.to}), c.message};
      return {term::tuple_of({code(op::send), empty, c.to}), c.message};
    case action::reg_send:
      // BEAM refuses REG_SEND and ALIAS_SEND whose sender is not a pid (dist.c); the
      // node gives sends from outside any process a pid of its own.
      assert(c.from.is_pid());
      return {term::tuple_of({code(op::reg_send), c.from, empty, c.to}), c.message};
    case action::alias_send:
      assert(c.from.is_pid());
      return {term::tuple_of({code(op::alias_send), c.from, c.to}), c.message};
    case action::link: return {term::tuple_of({code(op::link), c.from, c.to}), std::nullopt};
    case action::unlink_id:
      return {term::tuple_of({code(op::unlink_id), term::value(c.id), c.from, c.to}), std::nullopt};
    case action::unlink_id_ack:
      return {term::tuple_of({code(op::unlink_id_ack), term::value(c.id), c.from, c.to}), std::nullopt};
    case action::exit:
      if (payload_exits) return {term::tuple_of({code(op::payload_exit), c.from, c.to}), c.reason};
      return {term::tuple_of({code(op::exit), c.from, c.to, c.reason}), std::nullopt};
    case action::exit2:
      if (payload_exits) return {term::tuple_of({code(op::payload_exit2), c.from, c.to}), c.reason};
      return {term::tuple_of({code(op::exit2), c.from, c.to, c.reason}), std::nullopt};
    case action::monitor: return {term::tuple_of({code(op::monitor_p), c.from, c.to, c.ref}), std::nullopt};
    case action::demonitor: return {term::tuple_of({code(op::demonitor_p), c.from, c.to, c.ref}), std::nullopt};
    case action::monitor_exit:
      if (payload_exits) return {term::tuple_of({code(op::payload_monitor_p_exit), c.from, c.to, c.ref}), c.reason};
      return {term::tuple_of({code(op::monitor_p_exit), c.from, c.to, c.ref, c.reason}), std::nullopt};
    case action::group_leader: return {term::tuple_of({code(op::group_leader), c.from, c.to}), std::nullopt};
    case action::spawn_reply:
      return {term::tuple_of({code(op::spawn_reply), c.ref, c.to, term::value(c.id), c.reason}), std::nullopt};
    case action::spawn_request:
      return {term::tuple_of({code(op::spawn_request), c.ref, c.from, c.group_leader, c.to, c.options}), c.message};
    case action::ignored: break;
  }
  return {term::tuple_of({code(op::node_link)}), std::nullopt};
}

} // namespace enode::dist
