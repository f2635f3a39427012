#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/node/node.hpp>
#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/error.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/value.hpp>

#include <boost/system/system_error.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <type_traits>

namespace enode::node {

/// A process that an ordinary thread drives: for C++ programs that are not built around
/// an event loop. It has a pid and a mailbox like any process; its members block the
/// calling thread, as `pollster::block_on` lets synchronous Rust code wait for one future
/// without adopting a runtime.
///
///     node::node n(opts);
///     n.start();
///     node::blocking me(n);
///     auto v = me.call(term::tuple_of({term::atom("kv"), peer}), request, 5s);
///     me.send(pid, term::atom("hello"));
///     if (auto m = me.receive(1s)) ...
///
/// Calls fail as they do in a process: `runtime::exit_exception` with OTP's reason
/// (`{timeout, {gen_server, call, ...}}`, `{noproc, ...}`, `{{nodedown, N}, ...}`).
/// Called from one of the node's own threads (inside a process, or an Asio handler of
/// its io_context), where waiting would stall the very threads that must answer, every
/// blocking member throws `boost::system::system_error` with `runtime::error::would_deadlock` at
/// once instead. One thread at a time per object; it must not outlive its node.
class blocking {
public:
  /// Spawns the process. @throws boost::system::system_error if the node's system is shutting down.
  explicit blocking(node& n);
  explicit blocking(runtime::system& sys);
  /// Ends the process (exit reason `normal` to whoever links or monitors it).
  ~blocking();
  blocking(blocking const&) = delete;
  blocking& operator=(blocking const&) = delete;

  term::pid const& pid() const noexcept { return pid_; }
  term::value self() const { return term::value(pid_); }

  /// `Dest ! Msg` from this process (a pid, a name, `{Name, Node}`, an alias).
  /// @throws runtime::error_exception `badarg` for an unregistered name.
  void send(term::value const& dest, term::value msg);
  /// The oldest message, or nullopt after `t`.
  std::optional<term::value> receive(std::chrono::milliseconds t);
  /// The oldest message for which `match` holds (the others stay), or nullopt after `t`.
  std::optional<term::value> receive(std::function<bool(term::value const&)> const& match, std::chrono::milliseconds t);

  /// `gen_server:call(Server, Request, Timeout)`.
  term::value call(term::value const& server, term::value request, std::chrono::milliseconds t);
  /// `gen_server:cast(Server, Msg)`.
  void cast(term::value const& server, term::value msg);
  /// `rpc:call(Node, M, F, Args, Timeout)` (see rpc.hpp).
  term::value rpc(term::atom node, term::atom module, term::atom function, term::value args,
                  std::chrono::milliseconds t);

  /// Runs `body(process&)`, a coroutine returning `runtime::awaitable<T>`, in a new
  /// process and blocks until it finishes: its value, or its exception rethrown here.
  template <class F>
  auto run(F body) {
    using A = std::invoke_result_t<F&, runtime::process&>;
    using T = typename A::value_type;
    check_thread();
    auto done = std::make_shared<std::promise<T>>();
    auto fut = done->get_future();
    spawn_task([body = std::move(body), done](runtime::process& p) mutable -> runtime::awaitable<> {
      try {
        if constexpr (std::is_void_v<T>) {
          co_await body(p);
          done->set_value();
        } else {
          done->set_value(co_await body(p));
        }
      } catch (...) {
        if (p.exiting()) throw; // killed meanwhile: the promise breaks below
        done->set_exception(std::current_exception());
      }
    });
    return fut.get();
  }

private:
  struct mailbox;
  void check_thread() const;
  void spawn_task(std::function<runtime::awaitable<>(runtime::process&)> body);

  runtime::system& sys_;
  std::shared_ptr<mailbox> box_;
  term::pid pid_;
};

} // namespace enode::node

#pragma GCC visibility pop
