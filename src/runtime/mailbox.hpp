#pragma once

#include "signal.hpp"

#include <enode/runtime/process.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace enode::runtime {

/// The message queue of a process: the messages it has received and not yet taken, in
/// arrival order. Owned by the process's strand; nothing here is thread-safe.
///
/// A selective receive scans with a `cursor` that remembers the last message it looked
/// at, so that a receive that waits looks only at messages that arrive meanwhile. Marks
/// (`mark`) let a receive skip every message older than the mark, as BEAM's receive
/// markers do for reference-tagged replies; a mark survives the removal of the message
/// it points at.
class mailbox {
public:
  static constexpr std::size_t max_marks = 4;
  /// No mark: `mark` found every slot taken.
  static constexpr std::uint8_t no_mark = 0xff;

  /// A scan position: after `prev` (before the first message when null).
  struct cursor {
    signal* prev = nullptr;
  };

  mailbox() noexcept = default;
  mailbox(mailbox const&) = delete;
  mailbox& operator=(mailbox const&) = delete;
  ~mailbox() { clear(); }

  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  bool empty() const noexcept { return head_ == nullptr; }

  /// Appends a message node (kind `message`); the mailbox owns it.
  void push_back(signal* s) noexcept;

  /// The first message after `at` for which `match` holds, or null. On return `at` is
  /// the position before the match, or the last message looked at when there was none:
  /// a later call continues with messages appended since.
  signal* find(match_fn const* match, cursor& at) const;

  /// Removes `s`, which follows `at.prev`, and returns its payload.
  term::value take(cursor const& at, signal* s) noexcept;

  /// Removes every message for which `match` holds; returns how many.
  std::size_t remove_if(match_fn match) noexcept;

  /// Takes a mark at the current end; `no_mark` if all slots are in use.
  std::uint8_t mark() noexcept;
  /// The position a receive from mark `slot` starts at (the front for `no_mark`).
  cursor from_mark(std::uint8_t slot) const noexcept;
  void release(std::uint8_t slot) noexcept;
  std::size_t marks_in_use() const noexcept;

  void clear() noexcept;

  /// Calls `f(payload)` for each message, oldest first.
  template <class F>
  void for_each(F&& f) const {
    for (signal const* s = head_; s; s = s->next) f(s->payload);
  }

private:
  void unlink(signal* prev, signal* s) noexcept;

  signal* head_ = nullptr;
  signal* tail_ = nullptr;
  std::atomic<std::size_t> size_{0}; // read by introspection from other threads
  std::array<signal*, max_marks> marks_{};
  std::uint8_t marks_used_ = 0; // bit i: slot i taken
};

} // namespace enode::runtime
