#include <enode/dist/control.hpp>

#include <enode/core/overloaded.hpp>
#include <enode/dist/flags.hpp>
#include <enode/term/integer.hpp>

#include <cassert>

namespace enode::dist {
namespace {

namespace sig = signals;

bool is_pid(term::value const& v) { return v.is_pid(); }
// A sender where BEAM may write '' (or nothing useful) instead of a pid.
bool is_pid_or_nil(term::value const& v) { return v.is_pid() || v.is_nil() || v.is_atom(); }
term::value sender_of(term::value const& v) { return v.is_pid() ? v : term::value{}; }
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

// One operation's tuple, checked against its shape.
class reader {
public:
  reader(term::value const& t, term::value const* payload) : t_(t), payload_(payload) {}
  /// The tuple has `arity` elements, and a payload exactly when `with_payload`.
  bool shape(std::size_t arity, bool with_payload) const {
    return t_.arity() == arity && (payload_ != nullptr) == with_payload;
  }
  bool at_least(std::size_t arity, bool with_payload) const {
    return t_.arity() >= arity && (payload_ != nullptr) == with_payload;
  }
  term::value const& operator[](std::size_t i) const { return t_[i]; }
  term::value const& payload() const { return *payload_; }

private:
  term::value const& t_;
  term::value const* payload_;
};

// The signal `t` carries, or nothing when it is malformed: messages, links and exits
// here, the other operations in decode_rest.
std::optional<sig::signal> decode_rest(op code, reader const& t);

std::optional<sig::signal> decode(op code, reader const& t) {
  switch (code) {
    case op::link:
      if (!t.shape(3, false) || !is_pid(t[1]) || !is_pid(t[2])) return std::nullopt;
      return sig::link{t[1], t[2]};
    case op::send:
    case op::send_tt:
      // The element before To is unused: it says nothing about the sender.
      if (!t.shape(code == op::send ? 3 : 4, true) || !is_pid(t[2])) return std::nullopt;
      return sig::send{{}, t[2], t.payload()};
    case op::send_sender:
    case op::send_sender_tt:
      if (!t.shape(code == op::send_sender ? 3 : 4, true) || !is_pid_or_nil(t[1]) || !is_pid(t[2])) return std::nullopt;
      return sig::send{sender_of(t[1]), t[2], t.payload()};
    case op::reg_send:
    case op::reg_send_tt:
      if (!t.shape(code == op::reg_send ? 4 : 5, true) || !is_pid_or_nil(t[1]) || !t[3].is_atom()) return std::nullopt;
      return sig::reg_send{sender_of(t[1]), t[3].as_atom(), t.payload()};
    case op::alias_send:
    case op::alias_send_tt:
      if (!t.shape(code == op::alias_send ? 3 : 4, true) || !is_pid_or_nil(t[1]) || !t[2].is_reference())
        return std::nullopt;
      return sig::alias_send{sender_of(t[1]), t[2], t.payload()};
    case op::exit:
    case op::exit2:
    case op::exit_tt:
    case op::exit2_tt: {
      bool const tt = code == op::exit_tt || code == op::exit2_tt;
      if (!t.shape(tt ? 5 : 4, false) || !is_pid(t[1]) || !is_pid(t[2])) return std::nullopt;
      auto const& reason = t[tt ? 4 : 3];
      if (code == op::exit || code == op::exit_tt) return sig::exit{t[1], t[2], reason};
      return sig::exit2{t[1], t[2], reason};
    }
    case op::payload_exit:
    case op::payload_exit2:
    case op::payload_exit_tt:
    case op::payload_exit2_tt: {
      bool const tt = code == op::payload_exit_tt || code == op::payload_exit2_tt;
      if (!t.shape(tt ? 4 : 3, true) || !is_pid(t[1]) || !is_pid(t[2])) return std::nullopt;
      if (code == op::payload_exit || code == op::payload_exit_tt) return sig::exit{t[1], t[2], t.payload()};
      return sig::exit2{t[1], t[2], t.payload()};
    }
    default: return decode_rest(code, t);
  }
}

// Monitors, links by id, group leaders, NODE_LINK and spawn requests.
std::optional<sig::signal> decode_rest(op code, reader const& t) {
  switch (code) {
    case op::monitor_p:
    case op::demonitor_p:
      if (!t.shape(4, false) || !is_pid(t[1]) || !(t[2].is_pid() || t[2].is_atom()) || !t[3].is_reference())
        return std::nullopt;
      if (code == op::monitor_p) return sig::monitor{t[1], t[2], t[3]};
      return sig::demonitor{t[1], t[2], t[3]};
    case op::monitor_p_exit:
    case op::payload_monitor_p_exit: {
      bool const in_payload = code == op::payload_monitor_p_exit;
      if (!t.shape(in_payload ? 4 : 5, in_payload) || !(t[1].is_pid() || t[1].is_atom()) || !is_pid(t[2]) ||
          !t[3].is_reference())
        return std::nullopt;
      sig::down d{{}, {}, t[2], t[3], in_payload ? t.payload() : t[4]};
      if (t[1].is_atom())
        d.name = t[1].as_atom(); // a monitor by name: the peer names the name
      else
        d.from = t[1];
      return d;
    }
    case op::unlink_id:
    case op::unlink_id_ack: {
      if (!t.shape(4, false) || !is_pid(t[2]) || !is_pid(t[3])) return std::nullopt;
      auto id = unlink_id_of(t[1]);
      if (!id) return std::nullopt; // BEAM refuses id 0 (and anything but an integer)
      if (code == op::unlink_id) return sig::unlink{t[2], t[3], *id};
      return sig::unlink_ack{t[2], t[3], *id};
    }
    case op::group_leader:
      if (!t.shape(3, false) || !is_pid(t[1]) || !is_pid(t[2])) return std::nullopt;
      return sig::group_leader{t[1], t[2]};
    case op::node_link:
      if (!t.shape(1, false)) return std::nullopt;
      return sig::node_link{};
    case op::spawn_request:
    case op::spawn_request_tt: {
      // {29, ReqId, From, GroupLeader, {M, F, Arity}, Opts} + ArgList. BEAM drops the
      // connection for a malformed one (an argument list that is not Arity long among it).
      if (!t.shape(code == op::spawn_request ? 6 : 7, true) || !t[1].is_reference() || !is_pid(t[2]) || !is_mfa(t[4]) ||
          !t[5].is_proper_list() || !t.payload().is_proper_list() ||
          t.payload().list_elements().size() != static_cast<std::size_t>(t[4][2].as_int()))
        return std::nullopt;
      return sig::spawn_request{t[1], t[2], t[3], t[4][0].as_atom(), t[4][1].as_atom(), t.payload(), t[5]};
    }
    case op::spawn_reply:
    case op::spawn_reply_tt:
      // {31, ReqId, To, Flags, Result}; the traced form adds a token.
      // Flags other than 1 (link) and 2 (monitor) are ignored.
      if (!t.at_least(5, false) || !t[3].is_small() || t[3].as_int() < 0) return std::nullopt;
      return sig::spawn_reply{t[1], t[2], static_cast<std::uint8_t>(t[3].as_int() & 3), t[4]};
    // UNLINK (4) is an invalid message from OTP 26 on; ALTACT_SIG_SEND (37) is only
    // valid when negotiated, and we do not advertise it.
    default: return std::nullopt;
  }
}

} // namespace

result<control> decode_control(term::value const& t, term::value const* payload) {
  if (!t.is_tuple() || t.arity() == 0 || !t[0].is_small()) return error::bad_packet;
  auto const n = t[0].as_int();
  if (n < 1 || n > 255) return error::bad_packet;
  auto const code = static_cast<op>(n);
  auto s = decode(code, reader(t, payload));
  if (!s) return error::bad_packet;
  return control{code, std::move(*s)};
}

encoded_control encode_control(signals::signal const& s, std::uint64_t peer) {
  auto code = [](op o) { return term::value(static_cast<int>(o)); };
  bool const payload_exits = (peer & flags::exit_payload) != 0;
  auto plain = [](term::value c) { return encoded_control{std::move(c), std::nullopt}; };
  return std::visit(
      overloaded{
          [&](sig::send const& x) -> encoded_control {
            if ((peer & flags::send_sender) && x.from.is_pid())
              return {term::tuple_of({code(op::send_sender), x.from, x.to}), x.message};
            return {term::tuple_of({code(op::send), term::value(term::atom("")), x.to}), x.message};
          },
          // BEAM refuses REG_SEND and ALIAS_SEND whose sender is not a pid (dist.c); the
          // node gives sends from outside any process a pid of its own.
          [&](sig::reg_send const& x) -> encoded_control {
            assert(x.from.is_pid());
            return {term::tuple_of({code(op::reg_send), x.from, term::value(term::atom("")), x.to}), x.message};
          },
          [&](sig::alias_send const& x) -> encoded_control {
            assert(x.from.is_pid());
            return {term::tuple_of({code(op::alias_send), x.from, x.alias}), x.message};
          },
          [&](sig::link const& x) {
            return plain(term::tuple_of({code(op::link), x.from, x.to}));
          },
          [&](sig::unlink const& x) {
            return plain(term::tuple_of({code(op::unlink_id), term::value(x.id), x.from, x.to}));
          },
          [&](sig::unlink_ack const& x) {
            return plain(term::tuple_of({code(op::unlink_id_ack), term::value(x.id), x.from, x.to}));
          },
          [&](sig::exit const& x) -> encoded_control {
            if (payload_exits) return {term::tuple_of({code(op::payload_exit), x.from, x.to}), x.reason};
            return plain(term::tuple_of({code(op::exit), x.from, x.to, x.reason}));
          },
          [&](sig::exit2 const& x) -> encoded_control {
            if (payload_exits) return {term::tuple_of({code(op::payload_exit2), x.from, x.to}), x.reason};
            return plain(term::tuple_of({code(op::exit2), x.from, x.to, x.reason}));
          },
          [&](sig::monitor const& x) {
            return plain(term::tuple_of({code(op::monitor_p), x.from, x.to, x.ref}));
          },
          [&](sig::demonitor const& x) {
            return plain(term::tuple_of({code(op::demonitor_p), x.from, x.to, x.ref}));
          },
          [&](sig::down const& x) -> encoded_control {
            // A monitor by name is answered with the name (dist.c: the watched "process"
            // is the name the watcher gave).
            term::value const from = x.name.empty() ? x.from : term::value(x.name);
            if (payload_exits) return {term::tuple_of({code(op::payload_monitor_p_exit), from, x.to, x.ref}), x.reason};
            return plain(term::tuple_of({code(op::monitor_p_exit), from, x.to, x.ref, x.reason}));
          },
          [&](sig::group_leader const& x) {
            return plain(term::tuple_of({code(op::group_leader), x.leader, x.to}));
          },
          [&](sig::spawn_request const& x) -> encoded_control {
            auto const arity = term::value(x.args.list_elements().size());
            auto const mfa = term::tuple_of({x.module, x.function, arity});
            return {term::tuple_of({code(op::spawn_request), x.ref, x.from, x.group_leader, mfa, x.options}), x.args};
          },
          [&](sig::spawn_reply const& x) {
            return plain(term::tuple_of({code(op::spawn_reply), x.ref, x.to, term::value(x.flags), x.result}));
          },
          [&](sig::node_link const&) { return plain(term::tuple_of({code(op::node_link)})); },
      },
      s);
}

} // namespace enode::dist
