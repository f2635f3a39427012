#include <enode/behaviours/supervisor.hpp>

#include "sys_debug.hpp"

#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <mutex>
#include <unordered_map>

namespace enode::behaviours {

namespace atoms = term::atoms;
using runtime::awaitable;
using runtime::process;

namespace {

term::atom const start_child_tag{"start_child"};
term::atom const terminate_child_tag{"terminate_child"};
term::atom const restart_child_tag{"restart_child"};
term::atom const delete_child_tag{"delete_child"};
term::atom const which_children_tag{"which_children"};
term::atom const count_children_tag{"count_children"};
term::atom const get_childspec_tag{"get_childspec"};
term::atom const not_found{"not_found"};
term::atom const running{"running"};
term::atom const restarting{"restarting"};
term::atom const already_present{"already_present"};
term::atom const already_started{"already_started"};
term::atom const failed_to_start_child{"failed_to_start_child"};
term::atom const worker_atom{"worker"};
term::atom const supervisor_atom{"supervisor"};
term::atom const specs_atom{"specs"};
term::atom const active_atom{"active"};
term::atom const supervisors_atom{"supervisors"};
term::atom const workers_atom{"workers"};
term::atom const badcall{"badcall"};
term::atom const try_again{"$enode_try_again_restart"};
term::atom const local_spec{"$enode_child_spec"};

term::value error_of(term::value why) { return term::tuple_of({atoms::error, std::move(why)}); }

term::atom restart_term(restart_type r) {
  static constexpr char const* names[] = {"permanent", "transient", "temporary"};
  return term::atom(names[static_cast<int>(r)]);
}

// C++ child specs cannot travel in a message: start_child leaves one here under a fresh
// reference and sends the reference; the supervisor, in the same OS process, takes it.
struct handoff {
  std::mutex mutex;
  std::unordered_map<term::value, child_spec> specs;
};
handoff& the_handoff() {
  static handoff h;
  return h;
}
std::optional<child_spec> take_spec(term::value const& ref) {
  auto& h = the_handoff();
  std::lock_guard g(h.mutex);
  auto it = h.specs.find(ref);
  if (it == h.specs.end()) return std::nullopt;
  child_spec s = std::move(it->second);
  h.specs.erase(it);
  return s;
}

/// start_child's answer: `{ok, Pid}`, `{ok, undefined}` (ignored) or `{error, Reason}`.
start_result start_result_of(term::value const& a) {
  if (term::is_record(a, atoms::ok, 2) && a[1].is_pid()) return start_result::ok(a[1].as_pid());
  if (term::is_record(a, atoms::ok, 2)) return start_result::ignore();
  return start_result::error(term::is_record(a, atoms::error, 2) ? a[1] : a);
}

} // namespace

supervisor::supervisor(sup_flags flags, std::vector<child_spec> children) : flags_(flags) {
  if (flags_.strategy == strategy::simple_one_for_one) {
    if (children.size() != 1) throw std::invalid_argument("simple_one_for_one takes exactly one child spec");
    template_ = std::move(children.front());
    return;
  }
  for (auto& spec : children) children_.push_back(child{std::move(spec), std::nullopt, false, term::value{}});
}

awaitable<start_result> supervisor::start_link(process& caller, sup_flags flags, std::vector<child_spec> children,
                                               start_options opts) {
  return gen_server::start_link(caller, std::make_unique<supervisor>(flags, std::move(children)), std::move(opts));
}

term::value supervisor::shutdown_term(child_spec const& spec) const {
  auto const shutdown = shutdown_of(spec);
  if (shutdown.is_brutal_kill()) return term::atom("brutal_kill");
  if (shutdown.timeout() == runtime::infinity) return atoms::infinity;
  return term::value(std::chrono::duration_cast<std::chrono::milliseconds>(shutdown.timeout()).count());
}

shutdown_spec supervisor::shutdown_of(child_spec const& spec) const {
  if (spec.shutdown) return *spec.shutdown;
  return spec.type == child_type::supervisor ? shutdown_spec::infinity()
                                             : shutdown_spec::after(std::chrono::seconds(5));
}

// --- starting and stopping children ----------------------------------------------------------

awaitable<start_result> supervisor::start_one(child& c) {
  std::exception_ptr failed;
  std::optional<start_result> r;
  try {
    r = co_await c.spec.start(self(), c.args);
  } catch (...) {
    if (self().exiting()) throw;
    failed = std::current_exception();
  }
  if (failed) r = start_result::error(runtime::exit_reason_of(failed));
  c.restarting = false;
  if (*r)
    c.pid = r->pid;
  else
    c.pid.reset();
  co_return *r;
}

// OTP supervisor:shutdown/2: monitor, unlink (taking an 'EXIT' already there), then
// kill outright or ask with `shutdown` and kill after the timeout.
awaitable<term::value> supervisor::stop_one(child& c) {
  if (!c.pid) co_return atoms::ok;
  term::pid const pid = *c.pid;
  term::value const pid_v(pid);
  c.pid.reset();
  auto& me = self();
  auto mref = me.monitor(pid_v);
  auto is_down = [&](term::value const& m) { return term::is_record(m, atoms::DOWN, 5) && m[1] == mref; };
  me.unlink(pid);
  auto early =
      co_await me.receive([&](term::value const& m) { return term::is_record(m, atoms::EXIT, 3) && m[1] == pid_v; },
                          std::chrono::milliseconds(0));
  if (early) {
    (void)co_await me.receive(is_down, runtime::infinity);
    co_return (*early)[2];
  }
  auto spec = shutdown_of(c.spec);
  if (spec.is_brutal_kill()) {
    me.exit(pid, atoms::kill);
    auto down = co_await me.receive(is_down, runtime::infinity);
    co_return (*down)[4];
  }
  me.exit(pid, atoms::shutdown);
  auto down = co_await me.receive(is_down, spec.timeout());
  if (!down) {
    me.exit(pid, atoms::kill);
    down = co_await me.receive(is_down, runtime::infinity);
  }
  co_return (*down)[4];
}

awaitable<> supervisor::stop_all(std::size_t from_index) {
  for (std::size_t i = children_.size(); i-- > from_index;) (void)co_await stop_one(children_[i]);
}

bool supervisor::add_restart() {
  auto now = std::chrono::steady_clock::now();
  restarts_.push_back(now);
  while (!restarts_.empty() && now - restarts_.front() > flags_.period) restarts_.pop_front();
  return restarts_.size() <= static_cast<std::size_t>(flags_.intensity < 0 ? 0 : flags_.intensity);
}

// Restarts children_[index] as the strategy says; false when a start failed (a retry
// is queued, as OTP's try_again_restart).
awaitable<bool> supervisor::restart(std::size_t index) {
  std::size_t first = index;
  if (flags_.strategy == strategy::one_for_all) first = 0;
  if (flags_.strategy == strategy::one_for_all || flags_.strategy == strategy::rest_for_one) {
    // Stop the others that go down with it, in reverse start order.
    for (std::size_t i = children_.size(); i-- > first;)
      if (i != index) (void)co_await stop_one(children_[i]);
  }
  std::size_t last = flags_.strategy == strategy::one_for_one || flags_.strategy == strategy::simple_one_for_one
                         ? index + 1
                         : children_.size();
  for (std::size_t i = first; i < last; ++i) {
    auto& c = children_[i];
    if (c.pid) continue;
    if (i != index && c.spec.restart == restart_type::temporary) continue;
    auto r = co_await start_one(c);
    if (!r && r.state == start_result::status::error) {
      c.restarting = true;
      if (c.retry_key.is_nil()) c.retry_key = c.spec.id;
      self().send(self().self(), term::tuple_of({try_again, c.retry_key}));
      co_return false;
    }
  }
  // Temporary children that went down with another are forgotten, as in OTP.
  std::erase_if(children_,
                [](child const& c) { return !c.pid && !c.restarting && c.spec.restart == restart_type::temporary; });
  co_return true;
}

// OTP's supervisor report, at error level: who supervises, what happened, why, to whom.
void supervisor::report(std::string_view context, term::value const& reason, child const& c,
                        term::pid const& pid) const {
  auto const& log = self().system().logger();
  if (!log.enabled(log::level::error)) return;
  term::value const shutdown_v = shutdown_term(c.spec);
  auto const offender = term::list_of(
      {term::tuple_of({term::atom("pid"), term::value(pid)}), term::tuple_of({term::atom("id"), c.spec.id}),
       term::tuple_of({term::atom("restart_type"), restart_term(c.spec.restart)}),
       term::tuple_of({term::atom("shutdown"), shutdown_v}),
       term::tuple_of({term::atom("child_type"), c.spec.type == child_type::worker ? worker_atom : supervisor_atom})});
  log.error("SUPERVISOR REPORT\n    supervisor: " + term::to_string(name_of_self()) +
            "\n    errorContext: " + std::string(context) + "\n    reason: " + term::to_string(reason) +
            "\n    offender: " + term::to_string(offender));
}

// {local, Name} when registered, as OTP names a supervisor; else its pid.
term::value supervisor::name_of_self() const {
  auto info = self().system().info(self().pid());
  if (info && info->registered_name) return term::tuple_of({term::atom("local"), *info->registered_name});
  return self().self();
}

awaitable<action> supervisor::child_exited(term::pid const& pid, term::value const& reason) {
  auto index = find_pid(pid);
  if (!index) co_return action::noreply(); // not (or no longer) a child of ours
  auto& c = children_[*index];
  c.pid.reset();
  c.retry_key = template_ ? term::value(pid) : c.spec.id;
  bool const abnormal = !runtime::is_normal_exit(reason);
  bool const again =
      c.spec.restart == restart_type::permanent || (c.spec.restart == restart_type::transient && abnormal);
  if (again || abnormal) report("child_terminated", reason, c, pid);
  if (!again) {
    if (c.spec.restart == restart_type::temporary || template_)
      children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(*index));
    co_return action::noreply();
  }
  if (!add_restart()) {
    report("shutdown", term::atom("reached_max_restart_intensity"), children_[*index], pid);
    co_await stop_all(0);
    co_return action::stop(atoms::shutdown);
  }
  auto const id = c.spec.id;
  if (co_await restart(*index) && self().system().logger().enabled(log::level::notice)) {
    if (auto now = find_id(id); now && children_[*now].pid)
      self().system().logger().notice("supervisor " + term::to_string(name_of_self()) + " restarted child " +
                                      term::to_string(id) + " as " +
                                      term::to_string(term::value(*children_[*now].pid)));
  }
  co_return action::noreply();
}

std::optional<std::size_t> supervisor::find_id(term::value const& id) const {
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].spec.id == id) return i;
  return std::nullopt;
}

std::optional<std::size_t> supervisor::find_restarting(term::value const& key) const {
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].restarting && children_[i].retry_key == key) return i;
  return std::nullopt;
}

std::optional<std::size_t> supervisor::find_pid(term::pid const& pid) const {
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].pid == pid) return i;
  return std::nullopt;
}

// --- callbacks -----------------------------------------------------------------------------------

awaitable<action> supervisor::init() {
  self().trap_exit(true);
  // What proc_lib's initial call of a supervisor is: {supervisor, Module, 1}.
  self().put(term::atom("$initial_call"),
             term::tuple_of({supervisor_atom, detail::module_of(typeid(*this)), term::value(1)}));
  for (std::size_t i = 0; i < children_.size(); ++i) {
    auto r = co_await start_one(children_[i]);
    if (r.state == start_result::status::error) {
      co_await stop_all(0);
      co_return action::stop(
          term::tuple_of({atoms::shutdown, term::tuple_of({failed_to_start_child, children_[i].spec.id, r.reason})}));
    }
  }
  std::erase_if(children_, [](child const& c) { return !c.pid && c.spec.restart == restart_type::temporary; });
  co_return action::ok();
}

awaitable<action> supervisor::handle_call(term::value const& request, from const&) {
  if (term::is_record(request, start_child_tag, 2)) {
    term::value const& arg = request[1];
    if (template_) co_return action::reply(co_await do_start_dynamic(arg));
    if (term::is_record(arg, local_spec, 2)) {
      if (auto spec = take_spec(arg[1])) co_return action::reply(co_await do_start_child(std::move(*spec)));
    }
    // A child spec from another node names Erlang code, which a C++ node cannot run.
    co_return action::reply(error_of(term::tuple_of({term::atom("invalid_child_spec"), arg})));
  }
  if (term::is_record(request, terminate_child_tag, 2))
    co_return action::reply(co_await do_terminate_child(request[1]));
  if (term::is_record(request, restart_child_tag, 2)) co_return action::reply(co_await do_restart_child(request[1]));
  if (term::is_record(request, delete_child_tag, 2)) co_return action::reply(do_delete_child(request[1]));
  if (request == term::value(which_children_tag)) co_return action::reply(do_which_children());
  if (request == term::value(count_children_tag)) co_return action::reply(do_count_children());
  if (term::is_record(request, get_childspec_tag, 2)) co_return action::reply(do_get_childspec(request[1]));
  // OTP's supervisor would crash on an unknown call; a supervisor that outlives a
  // stray request serves its children better.
  co_return action::reply(error_of(term::tuple_of({badcall, request})));
}

awaitable<action> supervisor::handle_info(term::value const& msg) {
  if (term::is_record(msg, atoms::EXIT, 3) && msg[1].is_pid()) co_return co_await child_exited(msg[1].as_pid(), msg[2]);
  if (term::is_record(msg, try_again, 2)) {
    auto index = find_restarting(msg[1]);
    if (!index) co_return action::noreply();
    if (!add_restart()) {
      co_await stop_all(0);
      co_return action::stop(atoms::shutdown);
    }
    (void)co_await restart(*index);
  }
  co_return action::noreply();
}

awaitable<> supervisor::terminate(term::value const&) { co_await stop_all(0); }

// --- the calls' work ------------------------------------------------------------------------------

awaitable<term::value> supervisor::do_start_child(child_spec spec) {
  if (auto i = find_id(spec.id)) {
    auto const& c = children_[*i];
    if (c.pid) co_return error_of(term::tuple_of({already_started, term::value(*c.pid)}));
    co_return error_of(already_present);
  }
  children_.push_back(child{std::move(spec), std::nullopt, false, term::value{}});
  auto r = co_await start_one(children_.back());
  switch (r.state) {
    case start_result::status::ok: co_return r.to_term();
    case start_result::status::ignore:
      if (children_.back().spec.restart == restart_type::temporary) children_.pop_back();
      co_return term::tuple_of({atoms::ok, atoms::undefined});
    case start_result::status::error: break;
  }
  children_.pop_back();
  co_return r.to_term();
}

awaitable<term::value> supervisor::do_start_dynamic(term::value args) {
  children_.push_back(child{*template_, std::nullopt, false, std::move(args)});
  children_.back().spec.id = atoms::undefined;
  auto r = co_await start_one(children_.back());
  if (!r) {
    children_.pop_back();
    if (r.state == start_result::status::ignore) co_return term::tuple_of({atoms::ok, atoms::undefined});
  }
  co_return r.to_term();
}

awaitable<term::value> supervisor::do_terminate_child(term::value const& id) {
  std::optional<std::size_t> index;
  if (template_) {
    if (id.is_pid()) index = find_pid(id.as_pid());
  } else {
    index = find_id(id);
  }
  if (!index) co_return error_of(not_found);
  (void)co_await stop_one(children_[*index]);
  auto& c = children_[*index];
  c.restarting = false;
  if (template_ || c.spec.restart == restart_type::temporary)
    children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(*index));
  co_return atoms::ok;
}

awaitable<term::value> supervisor::do_restart_child(term::value const& id) {
  if (template_) co_return error_of(atoms::undefined); // not for simple_one_for_one, as OTP
  auto index = find_id(id);
  if (!index) co_return error_of(not_found);
  auto& c = children_[*index];
  if (c.restarting) co_return error_of(restarting);
  if (c.pid) co_return error_of(running);
  auto r = co_await start_one(c);
  if (r.state == start_result::status::ignore) co_return term::tuple_of({atoms::ok, atoms::undefined});
  co_return r.to_term();
}

term::value supervisor::do_delete_child(term::value const& id) {
  if (template_) return error_of(atoms::undefined);
  auto index = find_id(id);
  if (!index) return error_of(not_found);
  auto const& c = children_[*index];
  if (c.restarting) return error_of(restarting);
  if (c.pid) return error_of(running);
  children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(*index));
  return atoms::ok;
}

term::value supervisor::do_which_children() const {
  // Newest first, as OTP's supervisor lists them.
  std::vector<term::value> out;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    auto const& c = *it;
    term::value what = c.pid          ? term::value(*c.pid)
                       : c.restarting ? term::value(restarting)
                                      : term::value(atoms::undefined);
    std::vector<term::value> mods(c.spec.modules.begin(), c.spec.modules.end());
    out.push_back(term::tuple_of(
        {c.spec.id, what, c.spec.type == child_type::worker ? worker_atom : supervisor_atom, term::list_of(mods)}));
  }
  return term::list_of(out);
}

term::value supervisor::do_count_children() const {
  std::size_t active = 0, sups = 0, workers = 0;
  for (auto const& c : children_) {
    if (c.pid) ++active;
    if (c.spec.type == child_type::supervisor)
      ++sups;
    else
      ++workers;
  }
  auto n = [](std::size_t x) { return term::value(static_cast<std::uint64_t>(x)); };
  return term::list_of({term::tuple_of({specs_atom, n(children_.size())}), term::tuple_of({active_atom, n(active)}),
                        term::tuple_of({supervisors_atom, n(sups)}), term::tuple_of({workers_atom, n(workers)})});
}

term::value supervisor::child_record(child const& c) const {
  term::value const shutdown_v = shutdown_term(c.spec);
  std::vector<term::value> mods(c.spec.modules.begin(), c.spec.modules.end());
  term::value const module = mods.empty() ? term::value(term::atom("cpp")) : mods.front();
  term::value const pid = c.pid ? term::value(*c.pid) : c.restarting ? term::value(restarting) : atoms::undefined;
  // {child, Pid, Id, MFArgs, RestartType, Significant, Shutdown, ChildType, Modules}
  return term::tuple_of({term::atom("child"), pid, c.spec.id,
                         term::tuple_of({module, term::atom("start_link"), term::list_of({})}),
                         restart_term(c.spec.restart), atoms::false_, shutdown_v,
                         c.spec.type == child_type::worker ? worker_atom : supervisor_atom, term::list_of(mods)});
}

term::value supervisor::child_spec_map(child const& c) const {
  auto const r = child_record(c);
  return term::map_of({{term::atom("id"), r[2]},
                       {term::atom("start"), r[3]},
                       {term::atom("restart"), r[4]},
                       {term::atom("significant"), r[5]},
                       {term::atom("shutdown"), r[6]},
                       {term::atom("type"), r[7]},
                       {term::atom("modules"), r[8]}});
}

term::value supervisor::do_get_childspec(term::value const& id) const {
  auto const index = id.is_pid() ? find_pid(id.as_pid()) : template_ ? std::nullopt : find_id(id);
  if (!index) return error_of(not_found);
  return term::tuple_of({atoms::ok, child_spec_map(children_[*index])});
}

term::value supervisor::state() const {
  static constexpr char const* strategies[] = {"one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one"};
  std::vector<term::value> ids;
  std::vector<term::map_entry> db;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    ids.push_back(it->spec.id);
    db.push_back({it->spec.id, child_record(*it)});
  }
  term::value const module(detail::module_of(typeid(*this)));
  term::value const name = name_of_self();
  // #state{name, strategy, children = {Ids, Db}, dynamics, intensity, period, restarts,
  // dynamic_restarts, auto_shutdown, module, args}, as OTP 25 to 29 lay it out.
  return term::tuple_of({term::atom("state"), name.is_pid() ? term::tuple_of({name, module}) : name,
                         term::atom(strategies[static_cast<int>(flags_.strategy)]),
                         term::tuple_of({term::list_of(ids), term::map_of(std::move(db))}), atoms::undefined,
                         term::value(std::int64_t{flags_.intensity}),
                         term::value(std::chrono::duration_cast<std::chrono::seconds>(flags_.period).count()),
                         term::list_of({}), term::value(0), term::atom("never"), module, term::list_of({})});
}

// --- the client side --------------------------------------------------------------------------------

awaitable<start_result> supervisor::start_child(process& self, term::value const& sup, child_spec spec) {
  term::value const ref = self.make_ref();
  {
    auto& h = the_handoff();
    std::lock_guard g(h.mutex);
    h.specs.emplace(ref, std::move(spec));
  }
  // (Requests are built before the co_await: GCC 12 miscompiles an initializer list
  // that lives across a suspension.)
  term::value const request = term::tuple_of({start_child_tag, term::tuple_of({local_spec, ref})});
  std::exception_ptr failed;
  std::optional<term::value> answer;
  try {
    answer = co_await gen_server::call(self, sup, request, runtime::infinity);
  } catch (...) {
    failed = std::current_exception();
  }
  (void)take_spec(ref); // not taken if the call failed
  if (failed) std::rethrow_exception(failed);
  co_return start_result_of(*answer);
}

awaitable<start_result> supervisor::start_child(process& self, term::value const& sup, term::value extra_args) {
  term::value const request = term::tuple_of({start_child_tag, std::move(extra_args)});
  auto a = co_await gen_server::call(self, sup, request, runtime::infinity);
  co_return start_result_of(a);
}

awaitable<term::value> supervisor::terminate_child(process& self, term::value const& sup, term::value id) {
  return gen_server::call(self, sup, term::tuple_of({terminate_child_tag, std::move(id)}), runtime::infinity);
}

awaitable<term::value> supervisor::restart_child(process& self, term::value const& sup, term::value id) {
  return gen_server::call(self, sup, term::tuple_of({restart_child_tag, std::move(id)}), runtime::infinity);
}

awaitable<term::value> supervisor::delete_child(process& self, term::value const& sup, term::value id) {
  return gen_server::call(self, sup, term::tuple_of({delete_child_tag, std::move(id)}), runtime::infinity);
}

awaitable<term::value> supervisor::which_children(process& self, term::value const& sup) {
  return gen_server::call(self, sup, term::value(which_children_tag), runtime::infinity);
}

awaitable<term::value> supervisor::count_children(process& self, term::value const& sup) {
  return gen_server::call(self, sup, term::value(count_children_tag), runtime::infinity);
}

awaitable<term::value> supervisor::get_childspec(process& self, term::value const& sup, term::value id) {
  return gen_server::call(self, sup, term::tuple_of({get_childspec_tag, std::move(id)}), runtime::infinity);
}

} // namespace enode::behaviours
