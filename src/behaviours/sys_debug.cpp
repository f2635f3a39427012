#include "sys_debug.hpp"

#include <enode/runtime/erpc.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace enode::behaviours::detail {

namespace atoms = term::atoms;

namespace {

term::atom const in_atom{"in"}, out_atom{"out"}, noreply_atom{"noreply"}, gen_call{"$gen_call"}, gen_cast{"$gen_cast"},
    trace_atom{"trace"}, log_atom{"log"}, statistics_atom{"statistics"}, no_debug{"no_debug"}, get_atom{"get"},
    print_atom{"print"}, unknown_debug{"unknown_debug"}, no_statistics{"no_statistics"}, start_time{"start_time"},
    current_time{"current_time"}, reductions{"reductions"}, messages_in{"messages_in"}, messages_out{"messages_out"};

constexpr std::size_t default_log_size = 10;

std::uint64_t reductions_of(runtime::process& self) {
  auto info = self.system().info(self.pid());
  return info ? info->reductions : 0;
}

// gen_server:print_event/3, one line.
std::string describe(term::value const& name, term::value const& e) {
  auto const who = term::to_string(name);
  if (term::is_record(e, in_atom, 2)) {
    auto const& m = e[1];
    if (term::is_record(m, gen_call, 3) && m[1].is_tuple() && m[1].arity() == 2)
      return "*DBG* " + who + " got call " + term::to_string(m[2]) + " from " + term::to_string(m[1][0]);
    if (term::is_record(m, gen_cast, 2)) return "*DBG* " + who + " got cast " + term::to_string(m[1]);
    return "*DBG* " + who + " got " + term::to_string(m);
  }
  if (term::is_record(e, out_atom, 4) && e[2].is_tuple() && e[2].arity() == 2)
    return "*DBG* " + who + " sent " + term::to_string(e[1]) + " to " + term::to_string(e[2][0]) + ", new state " +
           term::to_string(e[3]);
  if (term::is_record(e, noreply_atom, 2)) return "*DBG* " + who + " new state " + term::to_string(e[1]);
  return "*DBG* " + who + " dbg  " + term::to_string(e);
}

} // namespace

void debug_state::event(runtime::process& self, term::value const& name, term::value const& e) {
  if (stats_) {
    if (e.is_tuple() && e.arity() >= 2 && e[0] == term::value(in_atom)) ++stats_->in;
    if (e.is_tuple() && e.arity() >= 3 && e[0] == term::value(out_atom)) ++stats_->out;
  }
  if (log_max_) {
    log_.push_back(e);
    while (log_.size() > *log_max_) log_.pop_front();
  }
  if (trace_) self.system().logger().notice(describe(name, e));
}

term::value debug_state::command(runtime::process& self, term::value const& name, term::value const& what) {
  if (what == term::value(no_debug)) {
    *this = debug_state{};
    return atoms::ok;
  }
  if (!what.is_tuple() || what.arity() != 2 || !what[0].is_atom()) return unknown_debug;
  auto const& flag = what[1];
  bool const on = flag == term::value(atoms::true_), off = flag == term::value(atoms::false_);
  if (what[0] == term::value(trace_atom) && (on || off)) {
    trace_ = on;
    return atoms::ok;
  }
  if (what[0] == term::value(log_atom)) {
    if (on || (term::is_record(flag, atoms::true_, 2) && flag[1].is_integer() && flag[1].is_small() &&
               flag[1].as_int() > 0)) {
      log_max_ = on ? default_log_size : static_cast<std::size_t>(flag[1].as_int());
      while (log_.size() > *log_max_) log_.pop_front();
      return atoms::ok;
    }
    if (off) {
      log_max_.reset();
      log_.clear();
      return atoms::ok;
    }
    if (flag == term::value(get_atom)) return term::tuple_of({atoms::ok, events()});
    if (flag == term::value(print_atom)) {
      for (auto const& e : log_) self.system().logger().notice(describe(name, e));
      return atoms::ok;
    }
    return unknown_debug;
  }
  if (what[0] == term::value(statistics_atom)) {
    if (on) {
      stats_ = statistics{local_time(), reductions_of(self), 0, 0};
      return atoms::ok;
    }
    if (off) {
      stats_.reset();
      return atoms::ok;
    }
    if (flag == term::value(get_atom)) {
      if (!stats_) return term::tuple_of({atoms::ok, no_statistics});
      auto const now = reductions_of(self);
      auto const reds = now - std::min(now, stats_->reductions);
      return term::tuple_of({atoms::ok, term::list_of({term::tuple_of({start_time, stats_->start_time}),
                                                       term::tuple_of({current_time, local_time()}),
                                                       term::tuple_of({reductions, term::value(reds)}),
                                                       term::tuple_of({messages_in, term::value(stats_->in)}),
                                                       term::tuple_of({messages_out, term::value(stats_->out)})})});
    }
  }
  return unknown_debug;
}

term::value debug_state::events() const {
  std::vector<term::value> v(log_.begin(), log_.end());
  return term::list_of(v);
}

term::value debug_state::as_term() const {
  std::vector<term::value> out;
  if (stats_)
    out.push_back(term::tuple_of(
        {statistics_atom,
         term::tuple_of({stats_->start_time, term::tuple_of({reductions, term::value(stats_->reductions)}),
                         term::value(stats_->in), term::value(stats_->out)})}));
  if (log_max_) out.push_back(term::tuple_of({log_atom, term::tuple_of({term::value(*log_max_), events()})}));
  if (trace_) out.push_back(term::tuple_of({trace_atom, atoms::true_}));
  return term::list_of(out);
}

term::atom module_of(std::type_info const& t) {
  auto name = runtime::type_name(t);
  constexpr std::string_view anonymous = "(anonymous namespace)::";
  for (auto at = name.find(anonymous); at != std::string::npos; at = name.find(anonymous))
    name.erase(at, anonymous.size());
  return term::atom(name);
}

term::value local_time() {
  std::time_t const now = std::time(nullptr);
  std::tm t{};
  localtime_r(&now, &t);
  auto n = [](int x) { return term::value(std::int64_t{x}); };
  return term::tuple_of({term::tuple_of({n(t.tm_year + 1900), n(t.tm_mon + 1), n(t.tm_mday)}),
                         term::tuple_of({n(t.tm_hour), n(t.tm_min), n(t.tm_sec)})});
}

term::value name_of(runtime::process& self) {
  auto info = self.system().info(self.pid());
  if (info && info->registered_name) return *info->registered_name;
  return self.self();
}

term::value status_header(term::value const& name) {
  std::string h = "Status for generic server ";
  if (name.is_atom()) {
    h += name.as_atom().name();
  } else if (name.is_pid()) {
    // pid_to_list/1 on the server's own node: <0.Id.Serial>.
    auto const& p = name.as_pid();
    h += "<0." + std::to_string(p.id) + "." + std::to_string(p.serial) + ">";
  } else {
    return term::tuple_of({term::string_of("Status for generic server"), name});
  }
  return term::string_of(h);
}

term::value failure_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (runtime::throw_exception const& x) {
    return term::tuple_of({term::atom("throw"), x.value()});
  } catch (runtime::exit_exception const& x) {
    return term::tuple_of({term::atom("exit"), x.reason()});
  } catch (runtime::error_exception const& x) {
    return term::tuple_of({atoms::error, x.reason()});
  } catch (...) {
    return term::tuple_of({atoms::error, runtime::exit_reason_of(std::current_exception())});
  }
}

namespace {
// OTP releases of the nodes sys has answered, by incarnation.
struct release_cache {
  std::mutex mutex;
  std::map<std::pair<term::atom, std::uint32_t>, bool> modern;
};
release_cache& releases() {
  static release_cache c;
  return c;
}
} // namespace

runtime::awaitable<bool> answers_with_ok(runtime::process& self, term::pid const& caller) {
  if (caller.node == self.pid().node) co_return true;
  auto const key = std::make_pair(caller.node, caller.creation);
  {
    auto& c = releases();
    std::lock_guard g(c.mutex);
    if (auto it = c.modern.find(key); it != c.modern.end()) co_return it->second;
  }
  bool modern = true;
  try {
    // "25", "26", ...: sys wraps the state from OTP 26.1 on; 26.0 is taken for 26.1.
    // (Built before the co_await: GCC 12 miscompiles a braced list that lives across one.)
    term::value const args = term::list_of({term::atom("otp_release")});
    auto r = co_await runtime::erpc::call(self, caller.node, term::atom("erlang"), term::atom("system_info"), args,
                                          std::chrono::seconds(5));
    if (r.is_list() && !r.is_nil()) {
      std::string digits;
      for (auto const& ch : r.list_elements())
        if (ch.is_small() && ch.as_int() >= '0' && ch.as_int() <= '9') digits += static_cast<char>(ch.as_int());
      if (!digits.empty()) modern = std::stoi(digits) >= 26;
    }
  } catch (...) {
    if (self.exiting()) throw;
  }
  auto& c = releases();
  std::lock_guard g(c.mutex);
  c.modern.insert_or_assign(key, modern);
  co_return modern;
}

} // namespace enode::behaviours::detail
