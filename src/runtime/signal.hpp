#pragma once

#include <enode/core/pool.hpp>
#include <enode/signals/signal.hpp>
#include <enode/term/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

namespace enode::runtime {

class process_impl;

/// What a queued node holds: a message (its `payload`), any other signal (a `control`,
/// which holds it as a `signals::signal`), or a look inside the process (`inspect`).
enum class signal_kind : std::uint8_t { message, control, inspect };

/// One queued signal; messages are just this (they stay in the mailbox as these nodes).
/// Every signal between a pair of processes travels through the receiver's one queue,
/// so that they keep their order (a message sent before an exit arrives before the
/// `'EXIT'`).
struct signal {
  signal* next = nullptr;
  signal_kind kind = signal_kind::message;
  term::value payload; ///< the message

  explicit signal(signal_kind k) noexcept : kind(k) {}
  virtual ~signal() = default; // sized pooled delete of whichever kind it is
  signal(signal const&) = delete;
  signal& operator=(signal const&) = delete;
  ENODE_POOLED_NEW

  static signal* message(term::value msg) {
    auto* s = new signal(signal_kind::message);
    s->payload = std::move(msg);
    return s;
  }
};

/// A signal other than a plain message, in the vocabulary the distribution carries.
struct control : signal {
  explicit control(signals::signal b) : signal(signal_kind::control), body(std::move(b)) {}
  signals::signal body;
};

inline control& as_control(signal* s) noexcept { return static_cast<control&>(*s); }

/// A look at what only the process itself may read (its links, monitors, queued
/// messages), as BEAM's process_info of another process is a signal: `look` runs on the
/// process's strand when the signal is handled, in order with the others. Local only;
/// dropped, unanswered, if the process ends first.
struct inspection : signal {
  explicit inspection(std::function<void(process_impl&)> f) : signal(signal_kind::inspect), look(std::move(f)) {}
  std::function<void(process_impl&)> look;
};

/// A FIFO of signals linked through `next`; owns them.
class signal_list {
public:
  signal_list() noexcept = default;
  signal_list(signal_list&& o) noexcept : head_(o.head_), tail_(o.tail_), size_(o.size_) {
    o.head_ = o.tail_ = nullptr;
    o.size_ = 0;
  }
  signal_list& operator=(signal_list&& o) noexcept {
    if (this != &o) {
      clear();
      head_ = std::exchange(o.head_, nullptr);
      tail_ = std::exchange(o.tail_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~signal_list() { clear(); }

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  void push_back(signal* s) noexcept {
    s->next = nullptr;
    if (tail_)
      tail_->next = s;
    else
      head_ = s;
    tail_ = s;
    ++size_;
  }
  /// Takes ownership of a chain of `n` signals linked through `next` (this list empty).
  void adopt(signal* head, std::size_t n) noexcept {
    head_ = head;
    tail_ = head;
    while (tail_ && tail_->next) tail_ = tail_->next;
    size_ = n;
  }

  /// Moves every signal out into a new list, leaving this one empty.
  signal_list take() noexcept { return signal_list(std::move(*this)); }

  /// Removes and returns the first signal (null when empty); the caller owns it.
  signal* pop_front() noexcept {
    signal* s = head_;
    if (!s) return nullptr;
    head_ = s->next;
    if (!head_) tail_ = nullptr;
    --size_;
    s->next = nullptr;
    return s;
  }
  void clear() noexcept {
    while (signal* s = pop_front()) delete s;
  }

private:
  signal* head_ = nullptr;
  signal* tail_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace enode::runtime
