#pragma once

#include <enode/core/asio.hpp>
#include <enode/dist/error.hpp>

#include <array>
#include <chrono>
#include <memory>

namespace enode::dist {

/// Closes a socket when a deadline passes, so that whatever waits on it fails; `map`
/// then turns that failure into `setup_timeout`. For the handshake and EPMD exchanges.
/// The socket's executor must be the strand its coroutine runs on: the timer's handler
/// then cannot run while the coroutine does, and after destruction it touches nothing.
class socket_deadline {
public:
  socket_deadline(net::ip::tcp::socket& s, std::chrono::milliseconds t)
      : timer_(std::make_shared<net::steady_timer>(s.get_executor())) {
    timer_->expires_after(t);
    timer_->async_wait([&s, st = state_](error_code ec) {
      if (ec || (*st)[1]) return;
      (*st)[0] = true;
      error_code ignored;
      s.cancel(ignored);
      s.close(ignored);
    });
  }
  ~socket_deadline() {
    (*state_)[1] = true;
    timer_->cancel();
  }
  socket_deadline(socket_deadline const&) = delete;
  socket_deadline& operator=(socket_deadline const&) = delete;

  /// `ec`, or `setup_timeout` if the deadline passed.
  error_code map(error_code ec) const { return (*state_)[0] ? make_error_code(error::setup_timeout) : ec; }

private:
  std::shared_ptr<net::steady_timer> timer_;
  std::shared_ptr<std::array<bool, 2>> state_ = std::make_shared<std::array<bool, 2>>(); // fired, disarmed
};

} // namespace enode::dist
