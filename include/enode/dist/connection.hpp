#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/dist/control.hpp>
#include <enode/dist/flags.hpp>
#include <enode/dist/packet.hpp>
#include <enode/dist/setup.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

/// An established distribution connection: 4-byte framing, ticks, a reader that turns
/// packets into control messages for a `sink`, and a writer that batches what any thread
/// sends into few writes and slices large messages into fragments between other traffic,
/// their large binaries written from where they lie.
namespace enode::dist {

class connection;

/// What a connection reports to; implemented by the node. Both calls come from the
/// connection's strand, in order; `on_down` comes once and last.
class connection_sink {
public:
  virtual ~connection_sink() = default;
  virtual void on_message(connection& c, control&& msg) = 0;
  virtual void on_down(connection& c, error_code why) = 0;
};

struct connection_options {
  /// net_ticktime: the peer is declared down after this long without a byte from it
  /// (give or take a tick interval); we tick every ticktime / intensity when idle.
  std::chrono::milliseconds ticktime{60000};
  unsigned tick_intensity = 4;
  std::size_t fragment_size = 64 * 1024;
  /// Bytes gathered into one write at most (beyond one packet).
  std::size_t max_batch = 512 * 1024;
  /// The read buffer; a larger packet is read into a binary of its own.
  std::size_t read_buffer_size = 1024 * 1024;
  packet_reader::limits limits{};
};

/// Counters of one connection, for introspection and benchmarks.
struct connection_stats {
  std::uint64_t messages_in = 0, messages_out = 0, bytes_in = 0, bytes_out = 0, writes = 0, ticks_in = 0;
};

class connection : public std::enable_shared_from_this<connection> {
public:
  /// `socket` is connected and through the handshake; its executor is a strand, which
  /// becomes the connection's. `ours` is what we advertised.
  connection(net::ip::tcp::socket socket, peer_identity peer, flags::type ours, connection_sink& sink,
             connection_options opts);
  ~connection();

  /// Starts the reader, writer and ticker.
  void start();

  /// Queues `s` for the peer; thread-safe. The signals of one sender
  /// (`signals::sender(s)`) keep their order. Returns false when the connection is
  /// already closing.
  bool send(signals::signal const& s);

  /// Closes at once with `why`: what is queued is dropped. Thread-safe, idempotent.
  void close(error_code why);
  /// Sends what is queued, then closes with `dist::error::closed`. Thread-safe.
  void close_after_flush();

  std::string const& peer_name() const noexcept { return peer_.name; }
  /// The peer's name as an atom.
  term::atom peer_node() const noexcept { return peer_node_; }
  /// A slot for the sink: what it keeps about this connection (set before `start`).
  void set_context(std::shared_ptr<void> c) noexcept { context_ = std::move(c); }
  void* context() const noexcept { return context_.get(); }
  peer_identity const& peer() const noexcept { return peer_; }
  /// The flags both sides share.
  flags::type flags() const noexcept { return flags_; }
  bool closed() const noexcept { return closing_.load(std::memory_order_acquire); }
  connection_stats stats() const;
  /// The peer's IP address and port (empty if the socket could not tell).
  std::string const& remote_address() const noexcept { return address_; }

private:
  struct bulk {
    std::uint64_t sender;
    std::deque<outgoing> items;
  };
  net::awaitable<void> read_loop();
  net::awaitable<void> write_loop();
  /// A piece of a gathered write: bytes in the round's `heads`, or elsewhere.
  struct write_segment {
    bool in_heads;
    std::size_t offset, size; // in heads
    std::byte const* data;    // elsewhere
  };
  enum class round { write, idle, close, stop };
  round take_round(std::vector<std::byte>& out, std::vector<std::byte>& heads, std::vector<write_segment>& segments);
  net::awaitable<void> tick_loop();
  void enqueue(std::uint64_t sender, outgoing o);
  /// Under mutex_: whether the writer sleeps (and from now on does not): if so, the
  /// caller wakes it after unlocking.
  bool take_idle() noexcept;
  void wake_writer();
  void finish(error_code why);
  bool deliver(std::span<std::byte const> packet, term::binary const* owner);

  net::ip::tcp::socket socket_;
  net::any_io_executor strand_;
  peer_identity peer_;
  term::atom peer_node_;
  std::string address_;
  std::shared_ptr<void> context_;
  flags::type flags_;
  connection_sink& sink_;
  connection_options opts_;
  packet_reader reader_;
  packet_writer writer_;
  net::steady_timer wake_;
  net::steady_timer tick_;

  mutable std::mutex mutex_; // guards the queues below and idle_, flush_
  std::vector<std::byte> small_;
  std::list<bulk> bulk_;
  std::list<bulk> dropped_; // what close dropped: kept while a write may still point into it
  std::unordered_map<std::uint64_t, std::list<bulk>::iterator> bulk_of_;
  bool idle_ = false;
  bool flush_then_close_ = false;
  std::uint64_t next_sequence_ = 1;
  std::vector<outgoing> inflight_; // what the current write refers to (writer only)

  std::atomic<bool> closing_{false};
  bool down_reported_ = false;
  bool graceful_ = false; // close_after_flush has sent everything and shut down sending
  std::atomic<bool> wrote_{false}, read_{false};
  unsigned silent_intervals_ = 0;
  std::atomic<std::uint64_t> messages_in_{0}, messages_out_{0}, bytes_in_{0}, bytes_out_{0}, writes_{0}, ticks_in_{0};
};

} // namespace enode::dist

#pragma GCC visibility pop
