#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/core/export.hpp>
#include <enode/core/pool.hpp>

#include <boost/asio/execution.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace enode::runtime {

class ENODE_INTERNAL process_impl;

namespace detail {

/// A function queued on a process's executor, in pooled memory.
struct handler_node {
  handler_node* next = nullptr;
  /// Destroys the node; calls the function first when `invoke` is set.
  void (*complete)(handler_node*, bool invoke) = nullptr;
};

template <class F>
struct handler_impl final : handler_node {
  F f;
  explicit handler_impl(F&& fn) : f(std::move(fn)) { complete = &do_complete; }
  explicit handler_impl(F const& fn) : f(fn) { complete = &do_complete; }
  static void do_complete(handler_node* base, bool invoke) {
    auto* self = static_cast<handler_impl*>(base);
    F fn(std::move(self->f));
    pool::destroy(self); // freed before the upcall, which may well queue the next one
    if (invoke) std::move(fn)();
  }
};

void retain(process_impl* p) noexcept;
void release(process_impl* p) noexcept;
bool running_in(process_impl const* p) noexcept;
net::io_context& context_of(process_impl const* p) noexcept;
void enqueue(process_impl* p, handler_node* h, bool continuation);
void work_started(process_impl const* p) noexcept;
void work_finished(process_impl const* p) noexcept;

} // namespace detail

/// The executor of a process: what its body, its timers and every other completion it
/// awaits run on. It serialises them as a strand does (never two at once, in order),
/// and is the process's scheduling: a message or signal for a waiting process makes
/// the process runnable through the same queue, without a separate handler.
///
/// A standard Asio executor (`execute`, and the `blocking`, `relationship`,
/// `outstanding_work`, `allocator` and `context` properties), usable wherever Asio takes
/// one; `dispatch` from inside the process runs inline, `post` and `defer` queue. Copies
/// keep the process's state alive; they do not keep the process itself from ending.
class executor {
public:
  explicit executor(process_impl* p) noexcept : p_(p) { detail::retain(p_); }
  executor(executor const& o) noexcept
      : p_(o.p_), never_(o.never_), continuation_(o.continuation_), tracked_(o.tracked_) {
    detail::retain(p_);
    if (tracked_) detail::work_started(p_);
  }
  executor(executor&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)), never_(o.never_), continuation_(o.continuation_),
        tracked_(std::exchange(o.tracked_, false)) {}
  executor& operator=(executor const& o) noexcept {
    executor tmp(o);
    swap(tmp);
    return *this;
  }
  executor& operator=(executor&& o) noexcept {
    executor tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~executor() {
    if (!p_) return;
    if (tracked_) detail::work_finished(p_);
    detail::release(p_);
  }
  void swap(executor& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(never_, o.never_);
    std::swap(continuation_, o.continuation_);
    std::swap(tracked_, o.tracked_);
  }

  /// Runs `f` in the process: at once when already running in it and blocking is
  /// allowed (`dispatch`), otherwise queued behind what is queued.
  template <class F>
  void execute(F&& f) const {
    if (!never_ && detail::running_in(p_)) {
      std::decay_t<F> tmp(std::forward<F>(f));
      std::move(tmp)();
      return;
    }
    using impl = detail::handler_impl<std::decay_t<F>>;
    detail::enqueue(p_, pool::make<impl>(std::forward<F>(f)), continuation_);
  }

  /// Whether the calling thread is running this process now.
  bool running_in_this_thread() const noexcept { return detail::running_in(p_); }

  net::io_context& query(net::execution::context_t) const noexcept { return detail::context_of(p_); }
  net::execution::blocking_t query(net::execution::blocking_t) const noexcept {
    return never_ ? net::execution::blocking_t(net::execution::blocking.never)
                  : net::execution::blocking_t(net::execution::blocking.possibly);
  }
  net::execution::relationship_t query(net::execution::relationship_t) const noexcept {
    return continuation_ ? net::execution::relationship_t(net::execution::relationship.continuation)
                         : net::execution::relationship_t(net::execution::relationship.fork);
  }
  net::execution::outstanding_work_t query(net::execution::outstanding_work_t) const noexcept {
    return tracked_ ? net::execution::outstanding_work_t(net::execution::outstanding_work.tracked)
                    : net::execution::outstanding_work_t(net::execution::outstanding_work.untracked);
  }
  std::allocator<void> query(net::execution::allocator_t<void>) const noexcept { return {}; }

  executor require(net::execution::blocking_t::possibly_t) const noexcept { return with(&executor::never_, false); }
  executor require(net::execution::blocking_t::never_t) const noexcept { return with(&executor::never_, true); }
  executor require(net::execution::relationship_t::fork_t) const noexcept {
    return with(&executor::continuation_, false);
  }
  executor require(net::execution::relationship_t::continuation_t) const noexcept {
    return with(&executor::continuation_, true);
  }
  executor require(net::execution::outstanding_work_t::tracked_t) const noexcept {
    executor e(*this);
    if (!e.tracked_) {
      e.tracked_ = true;
      detail::work_started(p_);
    }
    return e;
  }
  executor require(net::execution::outstanding_work_t::untracked_t) const noexcept {
    executor e(*this);
    if (e.tracked_) {
      e.tracked_ = false;
      detail::work_finished(p_);
    }
    return e;
  }
  /// Handlers are kept in enode's pool whatever allocator is asked for.
  template <class Allocator>
  executor require(net::execution::allocator_t<Allocator>) const noexcept {
    return *this;
  }

  friend bool operator==(executor const& a, executor const& b) noexcept {
    return a.p_ == b.p_ && a.never_ == b.never_ && a.continuation_ == b.continuation_ && a.tracked_ == b.tracked_;
  }
  friend bool operator!=(executor const& a, executor const& b) noexcept { return !(a == b); }

  /// For the runtime: the process behind it.
  process_impl* process() const noexcept { return p_; }

private:
  executor with(bool executor::*flag, bool value) const noexcept {
    executor e(*this);
    e.*flag = value;
    return e;
  }

  process_impl* p_;
  bool never_ = false;
  bool continuation_ = false;
  bool tracked_ = false;
};

} // namespace enode::runtime

#pragma GCC visibility pop
