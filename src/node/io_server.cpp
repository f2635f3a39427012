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

// io_lib:format(Format, Args) for the directives without field widths that C++ can
// render as Erlang does: ~p and ~w (printed in Erlang syntax, on one line), ~s, ~n, ~~.
// False for anything else, which is then shown as the call it is.
bool format(term::value const& fmt, term::value const& args, std::string& out) {
  std::string f;
  if (!append_chars(fmt, f) || !args.is_proper_list()) return false;
  auto const a = args.list_elements();
  std::size_t next = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '~') {
      out += f[i];
      continue;
    }
    if (++i == f.size()) return false;
    switch (f[i]) {
      case 'n': out += '\n'; break;
      case '~': out += '~'; break;
      case 'p':
      case 'w':
        if (next == a.size()) return false;
        out += term::to_string(a[next++]);
        break;
      case 's':
        if (next == a.size() ||
            !(a[next].is_atom() ? (out += a[next].as_atom().name(), true) : append_chars(a[next], out)))
          return false;
        ++next;
        break;
      default: return false;
    }
  }
  return next == a.size();
}

// The reply to one request.
term::value answer(term::value const& req) {
  using term::atoms::ok;
  if (req.is_tuple() && req.arity() >= 2 && req[0].is_atom() && req[0].as_atom() == put_chars) {
    std::string text;
    if (req.arity() == 3 || req.arity() == 2) {
      // {put_chars, Encoding, Chars} or the old {put_chars, Chars}
      if (!append_chars(req[req.arity() - 1], text))
        return term::tuple_of({term::atoms::error, term::atom("put_chars")});
    } else {
      // {put_chars, Encoding, M, F, A}: io_lib:format with the directives `format` knows;
      // anything else only an Erlang node can run, and the call is shown as it came.
      auto const& m = req[req.arity() - 3];
      auto const& f = req[req.arity() - 2];
      auto const& a = req[req.arity() - 1];
      bool const done = m.is_atom("io_lib") && f.is_atom("format") && a.is_proper_list() &&
                        a.list_elements().size() == 2 && format(a.list_elements()[0], a.list_elements()[1], text);
      if (!done) text = term::to_string(term::tuple_of({m, f, a})) + "\n";
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
  auto pid = n.system().spawn([](runtime::process& self) -> runtime::awaitable<> {
    for (;;) {
      term::value m = co_await self.receive();
      // {io_request, From, ReplyAs, Request} -> From ! {io_reply, ReplyAs, Reply}
      if (term::is_record(m, io_request, 4) && m[1].is_pid())
        self.send(m[1], term::tuple_of({io_reply, m[2], answer(m[3])}));
    }
  });
  if (pid) n.set_group_leader(term::value(*pid));
}

} // namespace enode::node
