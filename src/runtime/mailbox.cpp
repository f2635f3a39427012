#include "mailbox.hpp"

namespace enode::runtime {

void mailbox::push_back(signal* s) noexcept {
  s->next = nullptr;
  if (tail_)
    tail_->next = s;
  else
    head_ = s;
  tail_ = s;
  size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

signal* mailbox::find(match_fn const* match, cursor& at) const {
  signal* prev = at.prev;
  for (signal* s = prev ? prev->next : head_; s; prev = s, s = s->next) {
    if (!match || (*match)(s->payload)) {
      at.prev = prev;
      return s;
    }
  }
  at.prev = prev;
  return nullptr;
}

void mailbox::unlink(signal* prev, signal* s) noexcept {
  if (prev)
    prev->next = s->next;
  else
    head_ = s->next;
  if (tail_ == s) tail_ = prev;
  // A mark at the removed message moves back to its predecessor: still "after every
  // message older than the mark".
  if (marks_used_) {
    for (std::size_t i = 0; i < max_marks; ++i)
      if ((marks_used_ & (1u << i)) && marks_[i] == s) marks_[i] = prev;
  }
  size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

term::value mailbox::take(cursor const& at, signal* s) noexcept {
  unlink(at.prev, s);
  term::value v = std::move(s->payload);
  delete s;
  return v;
}

std::size_t mailbox::remove_if(match_fn match) noexcept {
  std::size_t n = 0;
  signal* prev = nullptr;
  for (signal* s = head_; s;) {
    signal* next = s->next;
    if (match(s->payload)) {
      unlink(prev, s);
      delete s;
      ++n;
    } else {
      prev = s;
    }
    s = next;
  }
  return n;
}

std::uint8_t mailbox::mark() noexcept {
  for (std::uint8_t i = 0; i < max_marks; ++i) {
    if (!(marks_used_ & (1u << i))) {
      marks_used_ = static_cast<std::uint8_t>(marks_used_ | (1u << i));
      marks_[i] = tail_;
      return i;
    }
  }
  return no_mark;
}

mailbox::cursor mailbox::from_mark(std::uint8_t slot) const noexcept {
  if (slot < max_marks && (marks_used_ & (1u << slot))) return cursor{marks_[slot]};
  return cursor{};
}

void mailbox::release(std::uint8_t slot) noexcept {
  if (slot < max_marks) marks_used_ = static_cast<std::uint8_t>(marks_used_ & ~(1u << slot));
}

std::size_t mailbox::marks_in_use() const noexcept { return static_cast<std::size_t>(__builtin_popcount(marks_used_)); }

void mailbox::clear() noexcept {
  while (signal* s = head_) {
    head_ = s->next;
    delete s;
  }
  tail_ = nullptr;
  marks_used_ = 0;
  size_.store(0, std::memory_order_relaxed);
}

} // namespace enode::runtime
