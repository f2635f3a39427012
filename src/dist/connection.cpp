#include <enode/dist/connection.hpp>

#include "frame_reader.hpp"

#include <enode/core/endian.hpp>
#include <enode/dist/error.hpp>
#include <enode/term/encode.hpp>

#include <cstring>
#include <utility>

namespace enode::dist {
namespace {

using tcp = net::ip::tcp;

// Messages of one sender keep their order; any sender key will do as long as one
// process always gets the same one.
std::uint64_t sender_key(term::value const& from) {
  if (!from.is_pid()) return 0;
  auto const& p = from.as_pid();
  return (std::uint64_t{p.serial} << 32 | p.id) + 1;
}

bool header_mode(flags::type f) { return (f & (flags::dist_hdr_atom_cache | flags::fragments)) != 0; }

} // namespace

connection::connection(tcp::socket socket, peer_identity peer, flags::type ours, connection_sink& sink,
                       connection_options opts)
    : socket_(std::move(socket)), strand_(socket_.get_executor()), peer_(std::move(peer)),
      peer_node_(term::atom::make(peer_.name).value()), flags_(flags::expand(ours) & peer_.flags), sink_(sink),
      opts_(opts), reader_(header_mode(flags_), opts.limits),
      writer_(header_mode(flags_), (flags_ & flags::fragments) != 0, opts.fragment_size), wake_(strand_),
      tick_(strand_) {
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  auto const at = socket_.remote_endpoint(ignored);
  if (!ignored) address_ = at.address().to_string() + ":" + std::to_string(at.port());
}

connection::~connection() = default;

void connection::start() {
  auto self = shared_from_this();
  auto on_end = [self](std::exception_ptr e) {
    if (e) self->close(make_error_code(error::closed));
  };
  net::co_spawn(strand_, read_loop(), on_end);
  net::co_spawn(strand_, write_loop(), on_end);
  net::co_spawn(strand_, tick_loop(), on_end);
}

connection_stats connection::stats() const {
  return {messages_in_.load(), messages_out_.load(), bytes_in_.load(),
          bytes_out_.load(),   writes_.load(),       ticks_in_.load()};
}

// --- sending ---------------------------------------------------------------------------------

bool connection::send(signals::signal const& s) {
  if (closed()) return false;
  auto e = encode_control(s, flags_);
  std::uint64_t const key = sender_key(signals::sender(s));
  term::value const* payload = e.payload ? &*e.payload : nullptr;
  messages_out_.fetch_add(1, std::memory_order_relaxed);
  wrote_.store(true, std::memory_order_relaxed); // data, not a tick: no tick needed this interval
  std::size_t const cs = term::encoded_size(e.control);
  std::size_t const ps = payload ? term::encoded_size(*payload) : 0;
  if (!writer_.fragments(cs + ps) && !packet_writer::gathers(payload, ps)) {
    // The common case: encoded straight into the batch the writer takes next, unless
    // this sender has a large message on its way, which it must not overtake. (A large
    // one is fragmented, if the peer takes fragments, and its large binaries leave from
    // where they lie.)
    bool wake = false, behind = false;
    {
      std::lock_guard g(mutex_);
      if (bulk_of_.contains(key)) {
        behind = true;
      } else {
        writer_.write(e.control, payload, cs, ps, small_);
        wake = take_idle();
      }
    }
    if (wake) wake_writer();
    if (!behind) return true;
  }
  std::uint64_t seq = 0;
  {
    // A sequence id unique per message in flight (BEAM uses the sender's pid bits; any
    // id not in progress will do).
    std::lock_guard g(mutex_);
    seq = next_sequence_++;
  }
  enqueue(key, writer_.make(e.control, payload, seq));
  return true;
}

void connection::enqueue(std::uint64_t sender, outgoing o) {
  bool wake = false;
  {
    std::lock_guard g(mutex_);
    auto it = bulk_of_.find(sender);
    if (it != bulk_of_.end()) {
      // This sender has a large message on its way: what it sends next waits behind it.
      it->second->items.push_back(std::move(o));
    } else if (o.remaining() == 1 && !o.gathered()) {
      o.take(small_);
    } else {
      bulk_.push_back(bulk{sender, {}});
      bulk_.back().items.push_back(std::move(o));
      bulk_of_.emplace(sender, std::prev(bulk_.end()));
    }
    wake = take_idle();
  }
  if (wake) wake_writer();
}

bool connection::take_idle() noexcept { return std::exchange(idle_, false); }

void connection::wake_writer() {
  net::post(strand_, [self = shared_from_this()] { self->wake_.cancel(); });
}

// Takes, under mutex_, what the next write sends: the small messages of every sender as
// one block (`out`), then one slice of each large message in progress (so that none
// stalls the others), referred to in place (`segments`) rather than copied.
connection::round connection::take_round(std::vector<std::byte>& out, std::vector<std::byte>& heads,
                                         std::vector<write_segment>& segments) {
  std::lock_guard g(mutex_);
  if (closing_.load(std::memory_order_acquire)) return round::stop;
  if (small_.empty() && bulk_.empty()) {
    if (flush_then_close_) return round::close;
    idle_ = true;
    return round::idle;
  }
  out.swap(small_);
  std::size_t batch = out.size();
  std::vector<std::span<std::byte const>> pieces;
  auto add = [&](outgoing& o) {
    std::size_t const at = heads.size();
    pieces.clear();
    batch += o.take_view(heads, pieces);
    if (heads.size() > at) segments.push_back({true, at, heads.size() - at, nullptr});
    for (auto piece : pieces) segments.push_back({false, 0, piece.size(), piece.data()});
  };
  // One slice of each large message in progress, in turn, while the batch has room (at
  // least one per round, however full `out` is); each entry served goes to the back, so
  // that those it left no room for come first in the next round.
  for (std::size_t n = bulk_.size(), k = 0; k < n && (k == 0 || batch < opts_.max_batch); ++k) {
    auto it = bulk_.begin();
    auto& items = it->items;
    add(items.front());
    if (items.front().done()) {
      inflight_.push_back(std::move(items.front())); // its bytes are written below
      items.pop_front();
    }
    // Whole messages the same sender queued behind it go along if they are small.
    while (!items.empty() && items.front().remaining() == 1 && items.front().bytes() < opts_.fragment_size &&
           batch < opts_.max_batch) {
      add(items.front());
      inflight_.push_back(std::move(items.front()));
      items.pop_front();
    }
    if (items.empty()) {
      bulk_of_.erase(it->sender);
      bulk_.erase(it);
    } else {
      bulk_.splice(bulk_.end(), bulk_, it); // bulk_of_'s iterator stays valid
    }
  }
  return round::write;
}

net::awaitable<void> connection::write_loop() {
  // One write per round, gathered (see take_round).
  std::vector<std::byte> out, heads;
  out.reserve(64 * 1024);
  std::vector<write_segment> segments;
  std::vector<net::const_buffer> buffers;
  for (;;) {
    out.clear();
    heads.clear();
    segments.clear();
    auto const what = take_round(out, heads, segments);
    if (what == round::stop) co_return;
    if (what == round::close) {
      // Everything is out: say so (FIN) and let the peer close its side, so that data it
      // still sends cannot make our close a reset that discards what we sent. The reader
      // ends at its end of stream; a peer that does not close is cut off after a while.
      graceful_ = true;
      error_code ignored;
      socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
      wake_.expires_after(std::chrono::seconds(2));
      co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
      close(make_error_code(error::closed));
      co_return;
    }
    if (what == round::idle) {
      wake_.expires_at(net::steady_timer::time_point::max());
      error_code ec;
      co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    buffers.clear();
    if (!out.empty()) buffers.emplace_back(out.data(), out.size());
    for (auto const& sg : segments)
      buffers.emplace_back(sg.in_heads ? static_cast<void const*>(heads.data() + sg.offset) : sg.data, sg.size);
    auto [ec, n] = co_await net::async_write(socket_, buffers, net::as_tuple(net::use_awaitable));
    inflight_.clear();
    if (ec) {
      close(ec);
      co_return;
    }
    bytes_out_.fetch_add(n, std::memory_order_relaxed);
    writes_.fetch_add(1, std::memory_order_relaxed);
    if (out.capacity() > (std::size_t{4} << 20)) out = {}; // do not keep a huge buffer around
  }
}

// --- receiving -------------------------------------------------------------------------------

bool connection::deliver(std::span<std::byte const> packet, term::binary const* owner) {
  auto m = reader_.read(packet, owner);
  if (!m) {
    close(m.error());
    return false;
  }
  if (!*m) return true; // a fragment
  auto& w = **m;
  auto c = decode_control(w.control, w.payload ? &*w.payload : nullptr);
  if (!c) {
    close(c.error());
    return false;
  }
  messages_in_.fetch_add(1, std::memory_order_relaxed);
  sink_.on_message(*this, std::move(*c));
  return !closed();
}

net::awaitable<void> connection::read_loop() {
  auto self = shared_from_this();
  // The framing is frame_reader.hpp's, generic over the stream so that the tests can
  // split its input every which way; what it reads is counted and delivered here.
  struct to_connection {
    connection& c;
    bool on_read(std::size_t n) {
      if (c.closed()) return false;
      c.read_.store(true, std::memory_order_relaxed);
      c.bytes_in_.fetch_add(n, std::memory_order_relaxed);
      return true;
    }
    void on_tick() { c.ticks_in_.fetch_add(1, std::memory_order_relaxed); }
    bool on_packet(std::span<std::byte const> packet, term::binary const* owner) { return c.deliver(packet, owner); }
  } sink{*this};
  auto const ec =
      co_await frame_io::async_read_packets(socket_, sink, opts_.limits.max_message + 64, opts_.read_buffer_size);
  if (ec) close(ec);
}

// --- ticks and closing -------------------------------------------------------------------------

net::awaitable<void> connection::tick_loop() {
  auto const interval = opts_.ticktime / std::max(1u, opts_.tick_intensity);
  for (;;) {
    tick_.expires_after(interval);
    error_code ec;
    co_await tick_.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (closed()) co_return;
    if (!wrote_.exchange(false)) {
      bool wake = false;
      {
        std::lock_guard g(mutex_);
        small_.insert(small_.end(), 4, std::byte{0});
        wake = take_idle();
      }
      if (wake) wake_writer();
    }
    if (read_.exchange(false)) {
      silent_intervals_ = 0;
    } else if (++silent_intervals_ >= opts_.tick_intensity) {
      // As net_kernel: nothing heard for a whole ticktime.
      close(make_error_code(error::tick_timeout));
      co_return;
    }
  }
}

void connection::close(error_code why) {
  net::dispatch(strand_, [self = shared_from_this(), why] { self->finish(why); });
}

void connection::close_after_flush() {
  bool wake = false;
  {
    std::lock_guard g(mutex_);
    flush_then_close_ = true;
    wake = take_idle();
  }
  if (wake) wake_writer();
}

void connection::finish(error_code why) {
  if (down_reported_) return;
  down_reported_ = true;
  if (graceful_) why = make_error_code(error::closed); // its end of stream answers our FIN
  closing_.store(true, std::memory_order_release);
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_.cancel();
  tick_.cancel();
  {
    std::lock_guard g(mutex_);
    small_.clear();
    dropped_.splice(dropped_.end(), bulk_); // a write in flight may point into them
    bulk_of_.clear();
  }
  sink_.on_down(*this, why);
}

} // namespace enode::dist
