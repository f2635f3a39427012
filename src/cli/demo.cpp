// What `enode run` serves: the demo that Erlang and Elixir nodes call into.
#include "cli/demo.hpp"

#include <enode/behaviours/supervisor.hpp>
#include <enode/node/erpc.hpp>

#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/integer.hpp>

#include <map>

namespace enode::cli {
namespace {

namespace atoms = term::atoms;
using behaviours::action;

class echo_server final : public behaviours::gen_server {
  term::atom const reply_to{"reply_to"};
  runtime::awaitable<action> handle_call(term::value const& request, behaviours::from const&) override {
    co_return action::reply(request);
  }
  runtime::awaitable<action> handle_cast(term::value const& msg) override {
    if (term::is_record(msg, reply_to, 3)) self().send(msg[1], msg[2]);
    co_return action::noreply();
  }
  runtime::awaitable<action> handle_info(term::value const& msg) override {
    if (msg.is_tuple() && msg.arity() == 2 && msg[0].is_pid()) self().send(msg[0], msg[1]);
    co_return action::noreply();
  }
};

class kv_server final : public behaviours::gen_server {
  term::atom const put{"put"}, get{"get"}, del{"delete"}, keys{"keys"};
  std::map<term::value, term::value> table_;

  runtime::awaitable<action> handle_call(term::value const& req, behaviours::from const&) override {
    if (term::is_record(req, put, 3)) {
      table_.insert_or_assign(req[1], req[2]);
      co_return action::reply(atoms::ok);
    }
    if (term::is_record(req, get, 2)) {
      auto it = table_.find(req[1]);
      co_return action::reply(it == table_.end() ? term::value(atoms::error) : term::tuple_of({atoms::ok, it->second}));
    }
    if (term::is_record(req, del, 2)) {
      table_.erase(req[1]);
      co_return action::reply(atoms::ok);
    }
    if (req.is_atom() && req.as_atom() == keys) {
      std::vector<term::value> out;
      out.reserve(table_.size());
      for (auto const& [k, v] : table_) out.push_back(k);
      co_return action::reply(term::list_of(out));
    }
    co_return action::reply(term::tuple_of({atoms::error, term::tuple_of({term::atom("bad_request"), req})}));
  }
  // Casts and other messages are not part of its protocol: ignored, the table kept.
  runtime::awaitable<action> handle_cast(term::value const&) override { co_return action::noreply(); }

  // sys:get_state shows the table as a map; sys:replace_state takes a map back.
  term::value state() const override {
    std::vector<term::map_entry> entries;
    for (auto const& [k, v] : table_) entries.push_back({k, v});
    return term::map_of(std::move(entries));
  }
  void replace_state(term::value const& s) override {
    if (!s.is_map()) throw runtime::error_exception(term::tuple_of({term::atom("badmap"), s}));
    std::map<term::value, term::value> t;
    for (auto const& e : s.map_entries()) t.insert_or_assign(e.key, e.val);
    table_ = std::move(t);
  }
};

// Erlang's `+` on two numbers: integers of any size, or floats when either is one.
term::value add(term::value const& a, term::value const& b) {
  if (!a.is_number() || !b.is_number()) throw runtime::error_exception(term::atom("badarith"));
  if (a.is_integer() && b.is_integer()) {
    std::int64_t r = 0;
    if (a.is_small() && b.is_small() && !__builtin_add_overflow(a.as_int(), b.as_int(), &r)) return r;
    return term::make_integer(term::to_big_int(a) + term::to_big_int(b));
  }
  return term::value(term::from_term<double>(a) + term::from_term<double>(b));
}

// spawn_echo/0's process.
runtime::awaitable<> echo_process(runtime::process& self) {
  term::atom const exit_atom{"exit"}, link_atom{"link"}, linked{"linked"}, monitor_atom{"monitor"};
  std::map<term::value, term::value> report_to; // monitor ref -> where its 'DOWN' goes
  for (;;) {
    term::value m = co_await self.receive();
    if (!m.is_tuple()) continue;
    if (m.arity() == 2 && m[0].is_pid()) {
      self.send(m[0], m[1]);
    } else if (term::is_record(m, exit_atom, 2)) {
      self.exit(m[1]);
    } else if (term::is_record(m, link_atom, 2) && m[1].is_pid()) {
      self.link(m[1].as_pid());
      self.send(m[1], term::tuple_of({linked, self.self()}));
    } else if (term::is_record(m, monitor_atom, 3)) {
      report_to.insert_or_assign(self.monitor(m[1]), m[2]);
    } else if (term::is_record(m, atoms::DOWN, 5)) {
      if (auto it = report_to.find(m[1]); it != report_to.end()) {
        self.send(it->second, m);
        report_to.erase(it);
      }
    }
  }
}

} // namespace

void expose_demo(node::node& n) {
  auto& fns = n.functions();
  fns.add("enode_demo", "echo", [](term::value v) { return v; });
  fns.add("enode_demo", "add", [](term::value a, term::value b) { return add(a, b); });
  fns.add("enode_demo", "fail", [](term::value reason) -> term::value { throw runtime::error_exception(reason); });
  fns.add("enode_demo", "spawn_echo", [](runtime::process& self) { return self.spawn(echo_process); });
  fns.add("enode_demo", "sleep", [](runtime::process& self, std::uint32_t ms) -> runtime::awaitable<term::atom> {
    co_await self.sleep(std::chrono::milliseconds(ms));
    co_return atoms::ok;
  });
  // Calls out of C++, for BEAM nodes to see enode call them: their outcome, or the
  // exception they raised, is the caller's.
  fns.add("enode_demo", "call",
          [](runtime::process& self, term::atom target, term::atom m, term::atom f,
             term::value args) -> runtime::awaitable<term::value> {
            co_return co_await node::erpc::call(self, target, m, f, std::move(args), std::chrono::seconds(30));
          });
  fns.add("enode_demo", "gen_call",
          [](runtime::process& self, term::value server, term::value request) -> runtime::awaitable<term::value> {
            co_return co_await behaviours::gen_server::call(self, server, std::move(request));
          });
  fns.add("enode_demo", "burst", [](runtime::process& self, term::value to, std::uint32_t count) {
    term::atom const burst{"burst"};
    for (std::uint32_t i = 1; i <= count; ++i) self.send(to, term::tuple_of({burst, term::value(std::int64_t{i})}));
    return atoms::ok;
  });
}

std::vector<behaviours::child_spec> demo_children() {
  using behaviours::start_options;
  return {
      behaviours::child_spec{.id = term::atom("echo"),
                             .start = behaviours::start_server<echo_server>(start_options{.name = term::atom("echo")})},
      behaviours::child_spec{.id = term::atom("kv"),
                             .start = behaviours::start_server<kv_server>(start_options{.name = term::atom("kv")})}};
}

} // namespace enode::cli
