#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/behaviours/gen_server.hpp>
#include <enode/behaviours/start_result.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/term/value.hpp>

#include <chrono>
#include <concepts>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace enode::behaviours {

/// When a child is restarted (OTP's restart types).
enum class restart_type : std::uint8_t {
  permanent, ///< always
  transient, ///< when it ends abnormally (not normal, shutdown or {shutdown, _})
  temporary, ///< never; it is forgotten when it ends
};

enum class child_type : std::uint8_t { worker, supervisor };

/// How a supervisor stops a child: `brutal_kill`, a timeout after `exit(Child,
/// shutdown)` past which it kills, or `infinity`.
class shutdown_spec {
public:
  static shutdown_spec brutal_kill() { return shutdown_spec(kind::brutal_kill, {}); }
  static shutdown_spec after(runtime::timeout t) { return shutdown_spec(kind::timeout, t); }
  static shutdown_spec infinity() { return shutdown_spec(kind::timeout, runtime::infinity); }
  bool is_brutal_kill() const noexcept { return kind_ == kind::brutal_kill; }
  runtime::timeout timeout() const noexcept { return timeout_; }

private:
  enum class kind : std::uint8_t { brutal_kill, timeout };
  shutdown_spec(kind k, runtime::timeout t) : kind_(k), timeout_(t) {}
  kind kind_;
  runtime::timeout timeout_;
};

/// Starts a child from the supervisor's process, linked to it. `extra_args` is `[]` for
/// a static child and the list given to `start_child` under simple_one_for_one.
using child_start =
    std::function<runtime::awaitable<start_result>(runtime::process& sup, term::value const& extra_args)>;

/// A child specification, as OTP's child_spec() map.
struct child_spec {
  term::value id = {};
  child_start start = {};
  restart_type restart = restart_type::permanent;
  /// Default: 5 s for a worker, infinity for a supervisor.
  std::optional<shutdown_spec> shutdown = std::nullopt;
  child_type type = child_type::worker;
  /// What `which_children` reports as Modules.
  std::vector<term::atom> modules = {};
};

/// A `child_start` that starts a `Server` made from copies of `args` (one per start), linked.
template <class Server, class... Args>
child_start start_server(start_options opts, Args... args) {
  return [opts = std::move(opts), args...](runtime::process& sup, term::value const&) {
    return gen_server::start_link(sup, std::make_unique<Server>(args...), opts);
  };
}

enum class strategy : std::uint8_t { one_for_one, one_for_all, rest_for_one, simple_one_for_one };

/// A supervisor's flags: more than `intensity` restarts within `period` and it gives
/// up: it stops its children and exits with `shutdown`.
struct sup_flags {
  behaviours::strategy strategy = strategy::one_for_one;
  int intensity = 1;
  std::chrono::milliseconds period = std::chrono::seconds(5);
};

/// OTP's supervisor, as a gen_server that speaks supervisor's call protocol, so that
/// `supervisor:which_children/1`, `count_children/1`, `terminate_child/2`,
/// `restart_child/2`, `delete_child/2` and (for simple_one_for_one) `start_child/2` work
/// from a BEAM node too. Children start in order and stop in reverse order; a child
/// that ends is restarted as its restart type and the strategy say.
class supervisor final : public gen_server {
public:
  supervisor(sup_flags flags, std::vector<child_spec> children);

  /// Starts a supervisor linked to `caller`; its children are started before it
  /// returns. Fails with `{shutdown, {failed_to_start_child, Id, Reason}}` when one fails.
  static runtime::awaitable<start_result> start_link(runtime::process& caller, sup_flags flags,
                                                     std::vector<child_spec> children, start_options opts = {});
  /// The same with the children as arguments. (GCC 12 miscompiles a braced list that
  /// lives across a `co_await`, as `co_await start_link(self, flags, {a, b})` would.)
  template <class... Specs>
  requires(sizeof...(Specs) > 0 && (std::same_as<std::decay_t<Specs>, child_spec> &&
                                    ...)) static runtime::awaitable<start_result> start_link(runtime::process& caller,
                                                                                             sup_flags flags,
                                                                                             Specs&&... children) {
    std::vector<child_spec> v;
    v.reserve(sizeof...(Specs));
    (v.push_back(std::forward<Specs>(children)), ...);
    return start_link(caller, flags, std::move(v));
  }

  /// `supervisor:start_child/2` with a C++ child spec (same node only).
  static runtime::awaitable<start_result> start_child(runtime::process& self, term::value const& sup, child_spec spec);
  /// `supervisor:start_child(Sup, ExtraArgs)` under simple_one_for_one.
  static runtime::awaitable<start_result> start_child(runtime::process& self, term::value const& sup,
                                                      term::value extra_args);
  /// `ok` or `{error, not_found}`; under simple_one_for_one the child is named by pid.
  static runtime::awaitable<term::value> terminate_child(runtime::process& self, term::value const& sup,
                                                         term::value id);
  /// `{ok, Pid}`, `{ok, undefined}` or `{error, running | restarting | not_found | Reason}`.
  static runtime::awaitable<term::value> restart_child(runtime::process& self, term::value const& sup, term::value id);
  /// `ok` or `{error, running | restarting | not_found}`.
  static runtime::awaitable<term::value> delete_child(runtime::process& self, term::value const& sup, term::value id);
  /// `[{Id, Child, Type, Modules}]`, newest child first as in OTP; Child is a pid,
  /// `undefined` or `restarting`.
  static runtime::awaitable<term::value> which_children(runtime::process& self, term::value const& sup);
  /// `[{specs, N}, {active, N}, {supervisors, N}, {workers, N}]`.
  static runtime::awaitable<term::value> count_children(runtime::process& self, term::value const& sup);
  /// `{ok, #{id, start, restart, significant, shutdown, type, modules}}` or `{error,
  /// not_found}`; under simple_one_for_one the child is named by pid. A C++ child's
  /// `start` is shown as `{Module, start_link, []}`, Module its first of `modules`
  /// (`cpp` when none).
  static runtime::awaitable<term::value> get_childspec(runtime::process& self, term::value const& sup, term::value id);

protected:
  runtime::awaitable<action> init() override;
  runtime::awaitable<action> handle_call(term::value const& request, from const& caller) override;
  runtime::awaitable<action> handle_info(term::value const& msg) override;
  runtime::awaitable<> terminate(term::value const& reason) override;
  /// OTP's `#state{}` record as sys:get_state shows it, its children as `#child{}` records.
  term::value state() const override;

private:
  struct child {
    child_spec spec;
    std::optional<term::pid> pid;
    bool restarting = false;
    term::value args; ///< simple_one_for_one: the extra arguments
    /// What a retried restart names it by: its id, or (simple_one_for_one, whose
    /// children share the id `undefined`) the pid it had, as OTP does.
    term::value retry_key = {};
  };

  runtime::awaitable<start_result> start_one(child& c);
  runtime::awaitable<term::value> stop_one(child& c);
  runtime::awaitable<> stop_all(std::size_t from_index);
  /// Records a restart; false when the intensity is exceeded.
  bool add_restart();
  runtime::awaitable<bool> restart(std::size_t index);
  runtime::awaitable<action> child_exited(term::pid const& pid, term::value const& reason);
  /// Logs OTP's supervisor report for `c` (whose process was `pid`).
  void report(std::string_view context, term::value const& reason, child const& c, term::pid const& pid) const;
  term::value name_of_self() const;
  std::optional<std::size_t> find_id(term::value const& id) const;
  std::optional<std::size_t> find_pid(term::pid const& pid) const;
  std::optional<std::size_t> find_restarting(term::value const& key) const;
  runtime::awaitable<term::value> do_start_child(child_spec spec);
  runtime::awaitable<term::value> do_start_dynamic(term::value args);
  runtime::awaitable<term::value> do_terminate_child(term::value const& id);
  runtime::awaitable<term::value> do_restart_child(term::value const& id);
  term::value do_delete_child(term::value const& id);
  term::value do_which_children() const;
  term::value do_count_children() const;
  term::value do_get_childspec(term::value const& id) const;
  /// A child as OTP's `#child{}` record and as its child spec map.
  term::value child_record(child const& c) const;
  term::value child_spec_map(child const& c) const;
  shutdown_spec shutdown_of(child_spec const& spec) const;
  /// `brutal_kill`, `infinity` or the milliseconds.
  term::value shutdown_term(child_spec const& spec) const;

  sup_flags flags_;
  std::optional<child_spec> template_; ///< simple_one_for_one: the one spec dynamic children follow
  std::vector<child> children_;        ///< in start order
  std::deque<std::chrono::steady_clock::time_point> restarts_;
};

} // namespace enode::behaviours

#pragma GCC visibility pop
