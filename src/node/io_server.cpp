// The group leader of the processes our spawn requests make on other nodes: an I/O
// server (the I/O protocol of OTP's `io` module) that writes what they print to standard
// output, as `user` does on a BEAM node, and answers what it cannot do as a server
// without a terminal does.
#include "node_impl.hpp"
#include "system_processes.hpp"

#include <enode/term/atoms.hpp>
#include <enode/term/convert.hpp>
#include <enode/term/print.hpp>

#include <cstdio>
#include <string>

namespace enode::node {
namespace {

term::atom const io_request{"io_request"}, io_reply{"io_reply"}, put_chars{"put_chars"}, requests{"requests"},
    getopts{"getopts"}, setopts{"setopts"}, enotsup{"enotsup"};

// Appends chardata: a binary (UTF-8), or a possibly deep, possibly improper list of
// characters and chardata. False for anything else.
bool append_chars(term::value const& v, std::string& out) {
  if (v.is_binary()) {
    auto b = v.bytes();
    out.append(reinterpret_cast<char const*>(b.data()), b.size());
    return true;
  }
  if (!v.is_list()) return false;
  for (auto const& e : v.list_elements()) {
    if (e.is_small()) {
      try {
        out += term::from_term<std::string>(term::list_of({e})); // the character, UTF-8
      } catch (term::bad_conversion const&) {
        return false;
      }
    } else if (!append_chars(e, out)) {
      return false;
    }
  }
  return v.list_tail().is_nil() || append_chars(v.list_tail(), out);
}

// The reply to one request.
term::value answer(term::value const& req) {
  using term::atoms::ok;
  if (req.is_tuple() && req.arity() >= 2 && req[0].is_atom() && req[0].as_atom() == put_chars) {
    std::string text;
    if (req.arity() == 3 || req.arity() == 2) {
      // {put_chars, Encoding, Chars} or the old {put_chars, Chars}
      if (!append_chars(req[req.arity() - 1], text)) return term::tuple_of({term::atoms::error, term::atom("put_chars")});
    } else {
      // {put_chars, Encoding, M, F, A}: io_lib:format and the like, which only an Erlang
      // node can run; the call is shown as it came.
      text = term::to_string(term::tuple_of({req[req.arity() - 3], req[req.arity() - 2], req[req.arity() - 1]})) + "\n";
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return ok;
  }
  if (term::is_record(req, requests, 2) && req[1].is_proper_list()) {
    term::value last = ok;
    for (auto const& r : req[1].list_elements()) last = answer(r);
    return last;
  }
  if (req.is_atom() && req.as_atom() == getopts) return term::list_of({term::tuple_of({term::atom("binary"), false})});
  if (term::is_record(req, setopts, 2)) return ok;
  // Reading, geometry and the rest: no terminal here.
  return term::tuple_of({term::atoms::error, enotsup});
}

} // namespace

void start_io_server(node_impl& n) {
  auto pid = n.sys->spawn([](runtime::process& self) -> runtime::awaitable<> {
    for (;;) {
      term::value m = co_await self.receive();
      // {io_request, From, ReplyAs, Request} -> From ! {io_reply, ReplyAs, Reply}
      if (term::is_record(m, io_request, 4) && m[1].is_pid())
        self.send(m[1], term::tuple_of({io_reply, m[2], answer(m[3])}));
    }
  });
  if (pid) n.group_leader = term::value(*pid);
}

} // namespace enode::node
