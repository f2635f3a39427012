#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/behaviours/start_result.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/system.hpp>
#include <enode/term/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

namespace enode::behaviours {

namespace detail {
class sys_access;
} // namespace detail

/// The `From` of a call, `{Pid, Tag}`, to reply to.
struct from {
  term::value pid;
  term::value tag;
  term::value to_term() const;
  /// The From of `{'$gen_call', From, Request}`: a pid and any tag.
  static std::optional<from> of(term::value const& t);
};

/// What a gen_server callback returns: OTP's `{reply, R, State}`, `{noreply, State}`,
/// `{stop, Reason, State}` and their timeout and `{continue, C}` forms. The state is the
/// server object itself.
class action {
public:
  enum class kind : std::uint8_t { ok, ignore, reply, noreply, stop };

  /// From init: `{ok, State}`.
  static action ok() { return action(kind::ok); }
  /// From init: `ignore`.
  static action ignore() { return action(kind::ignore); }
  /// From handle_call: `{reply, Reply, State}`.
  static action reply(term::value r) {
    action a(kind::reply);
    a.reply_ = std::move(r);
    return a;
  }
  /// `{noreply, State}`; from handle_call the caller waits for `gen_server::reply`.
  static action noreply() { return action(kind::noreply); }
  /// `{stop, Reason, State}`: terminate, then exit with `reason`.
  static action stop(term::value reason) {
    action a(kind::stop);
    a.reason_ = std::move(reason);
    return a;
  }
  /// From handle_call: `{stop, Reason, Reply, State}`: replies first.
  static action stop(term::value reason, term::value r) {
    action a = stop(std::move(reason));
    a.reply_ = std::move(r);
    return a;
  }
  /// The `Timeout` form: without a message for `t`, handle_info receives `timeout`.
  action after(runtime::timeout t) && {
    timeout_ = t;
    return std::move(*this);
  }
  /// The `{continue, C}` form: handle_continue(C) runs before the next message.
  action then_continue(term::value c) && {
    continue_ = std::move(c);
    return std::move(*this);
  }

  kind what() const noexcept { return kind_; }
  std::optional<term::value> const& reply_value() const noexcept { return reply_; }
  term::value const& reason() const noexcept { return reason_; }
  runtime::timeout timeout() const noexcept { return timeout_; }
  std::optional<term::value> const& continuation() const noexcept { return continue_; }

private:
  explicit action(kind k) noexcept : kind_(k) {}
  kind kind_;
  std::optional<term::value> reply_;
  term::value reason_;
  runtime::timeout timeout_ = runtime::infinity;
  std::optional<term::value> continue_;
};

/// OTP's gen_server, in C++: a process that serves calls, casts and other messages
/// through the callbacks of an object that holds its state.
///
/// It speaks gen_server's own protocol, so a BEAM caller cannot tell it from an Erlang
/// one: calls arrive as `{'$gen_call', {Pid, Tag}, Request}` (Tag `[alias | Ref]` from
/// OTP 24 on, a plain reference from older callers or a `{Ref, Node}` from multi_call),
/// and replies go as `gen:reply/2` sends them (to the alias for an alias tag); casts are
/// `{'$gen_cast', Msg}`. It answers `sys`'s system messages as OTP's gen_server does
/// (see sys.hpp): get_state, replace_state, get_status, suspend and resume (calls wait
/// while suspended), trace, log and statistics (written to the node's log), and
/// terminate (what `gen_server:stop` sends).
///
/// A server started with `start_link` traps nothing by default, as in OTP; if it traps
/// exits, an `{'EXIT', Parent, Reason}` from its parent terminates it with Reason. An
/// exception escaping a callback terminates it: `terminate` runs with the exit reason
/// the exception maps to (`runtime::exit_reason_of`), then the process exits with it.
/// An exit signal that kills the process does not run `terminate`, as in OTP.
class gen_server {
public:
  virtual ~gen_server() = default;

  /// The process the server runs as (from `init` on).
  runtime::process& self() const noexcept { return *self_; }
  /// The pid of the process that started it.
  term::pid const& parent() const noexcept { return parent_; }

  // --- starting --------------------------------------------------------------------------

  /// Starts `server` in a new process linked to `caller` and waits for its `init`:
  /// `{ok, Pid}`, `ignore`, or `{error, Reason}` (init returned stop or threw,
  /// `{already_started, Pid}` when the name is taken, `timeout`).
  static runtime::awaitable<start_result> start_link(runtime::process& caller, std::unique_ptr<gen_server> server,
                                                     start_options opts = {});
  /// The same without a link.
  static runtime::awaitable<start_result> start(runtime::process& caller, std::unique_ptr<gen_server> server,
                                                start_options opts = {});
  /// Makes a `Server` from `args` and starts it linked.
  template <class Server, class... Args>
  static runtime::awaitable<start_result> start_link(runtime::process& caller, start_options opts, Args&&... args) {
    return start_link(caller, std::make_unique<Server>(std::forward<Args>(args)...), std::move(opts));
  }

  // --- the client side ------------------------------------------------------------------

  /// `gen_server:call(Server, Request, Timeout)`: Server is a pid, a registered name or
  /// `{Name, Node}`. On failure the caller exits, as in OTP, with
  /// `{Reason, {gen_server, call, [Server, Request, Timeout]}}`, Reason being `noproc`,
  /// `timeout`, `{nodedown, Node}` or the server's exit reason.
  static runtime::awaitable<term::value> call(runtime::process& self, term::value const& server, term::value request,
                                              runtime::timeout t);
  /// `gen_server:call(Server, Request)`: a 5 s timeout, and `[Server, Request]` in the
  /// exit reason, as OTP's call/2 has.
  static runtime::awaitable<term::value> call(runtime::process& self, term::value const& server, term::value request);
  /// `gen_server:cast/2`: never fails.
  static void cast(runtime::process& self, term::value const& server, term::value msg);
  static void cast(runtime::system& sys, term::value const& server, term::value msg);
  /// `gen_server:reply/2`, for a call answered with `noreply`.
  static void reply(runtime::process& self, from const& to, term::value reply);
  /// `gen_server:stop(Server, Reason, Timeout)`: the server terminates with Reason; the
  /// caller exits with `noproc`, `timeout` or another reason if that fails.
  static runtime::awaitable<> stop(runtime::process& self, term::value const& server,
                                   term::value reason = term::atom("normal"), runtime::timeout t = runtime::infinity);

protected:
  // --- callbacks (run in the server's process) --------------------------------------------

  /// Default: `{ok, State}`.
  virtual runtime::awaitable<action> init();
  /// Default: stop with `{bad_call, Request}`.
  virtual runtime::awaitable<action> handle_call(term::value const& request, from const& caller);
  /// Default: stop with `{bad_cast, Msg}`.
  virtual runtime::awaitable<action> handle_cast(term::value const& msg);
  /// Default: ignore the message.
  virtual runtime::awaitable<action> handle_info(term::value const& msg);
  /// Default: stop with `{bad_continue, C}`.
  virtual runtime::awaitable<action> handle_continue(term::value const& cont);
  /// Default: nothing.
  virtual runtime::awaitable<> terminate(term::value const& reason);

  /// The server's state as a term, for `sys:get_state`, `sys:get_status` and sys's
  /// logs. Default: a stand-in that names the class, `{cpp_object, <<"app::counter">>}`.
  virtual term::value state() const;
  /// `sys:replace_state`: takes the state the caller's function made of `state()` (the
  /// function runs on the caller's node). Default: error `not_replaceable`, which the
  /// caller gets as `{callback_failed, {gen_server, system_replace_state}, {error,
  /// not_replaceable}}`; an override that cannot convert the term throws likewise.
  virtual void replace_state(term::value const& new_state);

private:
  friend class server_runner;
  friend class detail::sys_access;
  runtime::process* self_ = nullptr;
  term::pid parent_;
};

} // namespace enode::behaviours

#pragma GCC visibility pop
