#include <enode/core/logger.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <unistd.h>

namespace enode::log {

namespace {
constexpr std::array<std::string_view, 5> names{"error", "warning", "notice", "info", "debug"};
} // namespace

std::string_view to_string(level l) noexcept { return names[static_cast<std::size_t>(l)]; }

std::optional<level> parse_level(std::string_view word) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == word) return static_cast<level>(i);
  return std::nullopt;
}

std::string format(record const& r) {
  using namespace std::chrono;
  auto const t = system_clock::to_time_t(r.time);
  auto const ms = duration_cast<milliseconds>(r.time.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string out = stamp;
  out += ' ';
  out += to_string(r.severity);
  out += ' ';
  out += r.node;
  out += ": ";
  // A report's later lines stay under the first, indented.
  for (char c : r.text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

void write_stderr(record const& r) {
  auto line = format(r);
  line += '\n';
  // One write per line: lines of several threads do not interleave.
  std::size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

env_level level_from_env() {
  char const* v = std::getenv("ENODE_LOG_LEVEL");
  if (!v || !*v) return {};
  if (auto l = parse_level(v)) return {l, {}};
  return {std::nullopt,
          std::string("ENODE_LOG_LEVEL=") + v + " is not a log level (error, warning, notice, info or debug)"};
}

struct logger::state {
  std::mutex mutex; // guards node
  std::string node = "nonode@nohost";
  sink out;
};

logger::logger(std::optional<level> threshold, sink out)
    : threshold_(threshold ? *threshold : level_from_env().value.value_or(level::notice)),
      state_(std::make_shared<state>()) {
  state_->out = out ? std::move(out) : sink(write_stderr);
}

void logger::set_node(std::string name) const {
  std::lock_guard g(state_->mutex);
  state_->node = std::move(name);
}

void logger::write(level l, std::string_view text) const {
  if (!enabled(l)) return;
  std::string node;
  {
    std::lock_guard g(state_->mutex);
    node = state_->node;
  }
  state_->out(record{l, std::chrono::system_clock::now(), node, text});
}

std::function<void(std::exception_ptr)> logger::on_exit(std::string what) const {
  return [self = *this, what = std::move(what)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (std::exception const& x) {
      self.error(what + " ended with an exception: " + x.what());
    } catch (...) {
      self.error(what + " ended with an exception that is not a std::exception");
    }
  };
}

} // namespace enode::log
