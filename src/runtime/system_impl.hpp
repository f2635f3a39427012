#pragma once

#include "signal.hpp"

#include <enode/core/pool.hpp>
#include <enode/runtime/error.hpp>
#include <enode/runtime/process.hpp>
#include <enode/runtime/process_info.hpp>
#include <enode/runtime/system.hpp>

#include <boost/smart_ptr/intrusive_ptr.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace enode::runtime {

class process_impl;
void intrusive_ptr_add_ref(process_impl* p) noexcept;
void intrusive_ptr_release(process_impl* p) noexcept;
using process_ptr = boost::intrusive_ptr<process_impl>;

/// A hash map split into shards with a mutex each, so that threads working on
/// different keys rarely meet.
template <class K, class V, class Hash = std::hash<K>, std::size_t Shards = 64>
class sharded_map {
public:
  /// Runs `f` on the shard's map, alone.
  template <class F>
  decltype(auto) with(K const& k, F&& f) {
    auto& s = shard_of(k);
    std::unique_lock g(s.mutex);
    return f(s.map);
  }
  /// Runs `f` on the shard's map, for reading, beside other readers.
  template <class F>
  decltype(auto) with_shared(K const& k, F&& f) {
    auto& s = shard_of(k);
    std::shared_lock g(s.mutex);
    return f(std::as_const(s.map));
  }
  template <class F>
  void for_each_shard(F&& f) const {
    for (auto& s : shards_) {
      std::shared_lock g(s.mutex);
      f(s.map);
    }
  }

private:
  struct alignas(64) shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<K, V, Hash, std::equal_to<K>, pool::allocator<std::pair<K const, V>>> map;
  };
  shard& shard_of(K const& k) { return shards_[(Hash{}(k) >> 7) % Shards]; }
  std::array<shard, Shards> shards_;
};

struct number_hash {
  std::size_t operator()(std::uint64_t n) const noexcept { return static_cast<std::size_t>(n * 0x9E3779B97F4A7C15ull); }
};

/// The state of a runtime system; see `runtime::system`. Shared by the handlers that
/// may outlive the public object (timers), hence the shared_ptr.
class system_impl : public std::enable_shared_from_this<system_impl> {
public:
  system_impl(net::io_context& ioc, system_options const& opts, log::logger log, runtime::system& owner);
  ~system_impl();

  net::io_context& ioc;
  term::atom const node;
  std::uint32_t const creation;
  runtime::system& owner;
  log::logger const logger;
  /// `<Node.0.0>`: the sender of the exit signals of a shutdown (as BEAM's init).
  term::value const system_pid;

  // --- pids -----------------------------------------------------------------------------
  /// Local pid numbers are never reused: Id holds the low 28 bits, Serial the rest.
  static constexpr std::uint64_t id_bits = 28;
  term::pid pid_of(std::uint64_t number) const noexcept;
  /// The number of a pid of this node's incarnation.
  std::optional<std::uint64_t> number_of(term::pid const& p) const noexcept;
  bool is_local(term::pid const& p) const noexcept { return p.node == node && p.creation == creation; }

  // --- the process table ------------------------------------------------------------------
  process_ptr lookup(std::uint64_t number);
  process_ptr lookup(term::pid const& p);
  std::vector<process_ptr> all();

  result<term::pid> spawn(std::unique_ptr<detail::body_base> body, process_impl* parent, spawn_options const& opts,
                          remote_spawn const* remote = nullptr);
  /// Called by a process that has finished exiting (after it left the table).
  void exited(process_impl& p, term::value const& reason) noexcept;
  void leave_table(std::uint64_t number) noexcept;

  // --- signals ----------------------------------------------------------------------------
  /// Hands `s` to the process `to` (any node). Ownership passes; a signal to a process
  /// that is gone is answered as a dead process answers (`noproc`), one to another node
  /// as an unreachable node does (`noconnection`).
  void deliver(term::pid const& to, signal* s, bool continuation = false);
  /// Answers `s` for the process it is for, which cannot take it (gone, or out of
  /// reach): a link gets an exit and a monitor a 'DOWN' with `reason`, an unlink its
  /// acknowledgement, a spawn request a failed reply; a spawn reply to a requester that
  /// is gone undoes the link and monitor the new process holds. Messages are lost.
  /// `gone`: the process it went to, when known (a monitor by name names the name).
  void answer_gone(signals::signal const& s, term::atom reason, bool continuation, term::value const& gone = {});
  /// Signals to and from other nodes (see remote_router, system::inject).
  void set_router(remote_router* r) noexcept { router_.store(r, std::memory_order_release); }
  remote_router* router() const noexcept { return router_.load(std::memory_order_acquire); }
  void inject(signals::signal&& s);
  /// `s` for the node `to` (see remote_router::route); without a router, answered as
  /// an unreachable node does.
  void send_to_node(term::atom to, signals::signal&& s, bool continuation);

  /// `Dest ! Msg` from `from` (a pid value, or `[]` from outside).
  result<void> send(term::value const& from, term::value const& dest, term::value msg);

  // --- the registry ------------------------------------------------------------------------
  result<void> register_name(term::atom name, term::pid const& pid);
  result<void> unregister_name(term::atom name, process_impl const* only_if = nullptr);
  std::optional<term::pid> whereis(term::atom name);
  std::vector<term::atom> registered();
  /// Drops the name of an exiting process.
  void drop_name(process_impl& p) noexcept;
  std::optional<term::atom> name_of(process_impl const& p);

  // --- aliases ------------------------------------------------------------------------------
  void add_alias(term::value const& ref, std::uint64_t owner);
  void remove_alias(term::value const& ref) noexcept;
  std::optional<std::uint64_t> alias_owner(term::value const& ref);

  // --- references and timers ----------------------------------------------------------------
  term::value make_ref();
  term::value start_timer(timeout t, term::value const& dest, term::value msg, bool wrap);
  std::optional<std::chrono::milliseconds> cancel_timer(term::value const& tref);
  std::optional<std::chrono::milliseconds> read_timer(term::value const& tref);

  // --- counters -------------------------------------------------------------------------------
  void count_sent() noexcept { counters().sent.fetch_add(1, std::memory_order_relaxed); }
  void count_received(std::uint64_t n = 1) noexcept { counters().received.fetch_add(n, std::memory_order_relaxed); }
  system_stats stats() const;

  // --- shutdown -----------------------------------------------------------------------------
  void shutdown(timeout grace);
  void join();
  bool stopped() const noexcept;
  bool killing() const noexcept { return killing_.load(std::memory_order_acquire); }

private:
  struct alignas(64) counter_shard {
    std::atomic<std::uint64_t> spawned{0}, exited{0}, sent{0}, received{0}, exited_normal{0}, exited_shutdown{0},
        turns{0};
  };
  counter_shard& counters() noexcept;
  void kill_all();
  void signal_exit(term::pid const& to, term::value const& reason);

  struct timer_entry;
  sharded_map<std::uint64_t, process_impl*, number_hash> table_;
  std::atomic<std::uint64_t> next_number_{1};
  std::atomic<std::uint64_t> alive_{0};

  std::shared_mutex registry_mutex_; // shared for lookups: sends to names are frequent
  std::unordered_map<term::atom, process_impl*> names_;

  sharded_map<term::value, std::uint64_t, std::hash<term::value>, 16> aliases_;
  sharded_map<term::value, std::shared_ptr<timer_entry>, std::hash<term::value>, 16> timers_;
  std::atomic<std::uint64_t> timer_count_{0};

  std::array<counter_shard, 8> counters_;
  mutable std::atomic<std::uint64_t> turns_reported_{0};

  net::strand<net::io_context::executor_type> strand_; // system timers and the grace timer
  std::mutex roots_mutex_;
  std::unordered_map<std::uint64_t, term::pid, number_hash> roots_;
  std::atomic<remote_router*> router_{nullptr};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> killing_{false};
  std::unique_ptr<net::steady_timer> grace_timer_;
  mutable std::mutex join_mutex_;
  std::condition_variable join_cv_;
};

/// The state behind a `runtime::system`.
system_impl& impl_of(system& s) noexcept;

/// Whether the calling thread is running a handler of `ioc`.
bool running_in(net::io_context& ioc) noexcept;

} // namespace enode::runtime
