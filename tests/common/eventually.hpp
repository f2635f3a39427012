#pragma once

// Waiting, on a thread of the test's own, for a condition that other threads bring about
// (a process registered, a connection up, a counter reached).
#include <chrono>
#include <thread>

namespace enode::testing {

/// Blocks the calling thread until `pred()` holds, for at most `limit`; whether it held.
/// Checks at once, then between yields for the first millisecond (most events take
/// microseconds), then once a millisecond.
template <class P>
bool eventually(P pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  using clock = std::chrono::steady_clock;
  auto const start = clock::now();
  auto const end = start + limit;
  for (auto now = start; now < end; now = clock::now()) {
    if (pred()) return true;
    if (now - start < std::chrono::milliseconds(1))
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(1)); // the polling wait of eventually, between checks
  }
  return pred();
}

} // namespace enode::testing
