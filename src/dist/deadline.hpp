#pragma once

#include <enode/core/asio.hpp>
#include <enode/dist/error.hpp>

#include <chrono>
#include <memory>
#include <mutex>

namespace enode::dist {

/// Closes `s`: a socket with `close(ec)`, or a stream with `close()` (the test stream).
template <class Stream>
void close_stream(Stream& s) {
  if constexpr (requires(error_code & ec) { s.close(ec); }) {
    error_code ignored;
    s.close(ignored);
  } else {
    s.close();
  }
}

/// Closes a socket (or any stream `close_stream` closes) when a deadline passes, so that
/// whatever waits on it fails; `map` then turns that failure into `setup_timeout`. For
/// the handshake and EPMD exchanges. The socket must outlive the deadline (declare the
/// deadline after it). The socket's executor need not be a strand: closing wakes the
/// waiting coroutine, possibly on another thread, and the destructor waits for a close
/// in progress to return, so the socket is never closed after it is gone.
template <class Stream = net::ip::tcp::socket>
class socket_deadline {
public:
  socket_deadline(Stream& s, std::chrono::milliseconds t)
      : timer_(std::make_shared<net::steady_timer>(s.get_executor())) {
    timer_->expires_after(t);
    timer_->async_wait([&s, st = state_](error_code ec) {
      if (ec) return;
      std::lock_guard lock(st->mutex);
      if (st->disarmed) return;
      st->fired = true;
      close_stream(s);
    });
  }
  ~socket_deadline() {
    {
      std::lock_guard lock(state_->mutex);
      state_->disarmed = true;
    }
    timer_->cancel();
  }
  socket_deadline(socket_deadline const&) = delete;
  socket_deadline& operator=(socket_deadline const&) = delete;

  /// `ec`, or `setup_timeout` if the deadline passed.
  error_code map(error_code ec) const {
    std::lock_guard lock(state_->mutex);
    return state_->fired ? make_error_code(error::setup_timeout) : ec;
  }

private:
  struct state {
    std::mutex mutex;
    bool fired = false;
    bool disarmed = false;
  };
  std::shared_ptr<net::steady_timer> timer_;
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

} // namespace enode::dist
