#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <chrono>
#include <concepts>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

/// The node's logger: levels as OTP's logger names them, each line with a timestamp and
/// the node's name, to standard error unless the application gives a sink of its own.
namespace enode::log {

/// OTP's logger levels, most severe first; a logger shows a line of its level or any
/// more severe one. (OTP's emergency, alert and critical are error here.)
enum class level : unsigned char { error, warning, notice, info, debug };

/// "error", "warning", "notice", "info", "debug".
std::string_view to_string(level l) noexcept;
/// The level of one of those words, or nullopt.
std::optional<level> parse_level(std::string_view word) noexcept;

/// One line, as a sink gets it.
struct record {
  level severity = level::info;
  std::chrono::system_clock::time_point time;
  std::string_view node; ///< the node's name (`nonode@nohost` before it has one)
  std::string_view text; ///< the message; several lines for a report
};

/// `2026-12-03T10:15:02.123Z error enode@host: text`: how the default sink writes a
/// record (continuation lines of a report indented under it).
std::string format(record const& r);

/// Where lines go: a callable taking a `record const&`, or one taking just the text (a
/// `std::string_view`), for an application that formats nothing.
class sink {
public:
  sink() = default;
  template <class F>
  requires(!std::same_as<std::decay_t<F>, sink> && std::invocable<F&, record const&>) sink(F f) : f_(std::move(f)) {}
  template <class F>
  requires(!std::same_as<std::decay_t<F>, sink> && !std::invocable<F&, record const&> &&
           std::invocable<F&, std::string_view>) sink(F f)
      : f_([g = std::move(f)](record const& r) mutable { g(r.text); }) {}
  explicit operator bool() const noexcept { return static_cast<bool>(f_); }
  void operator()(record const& r) const { f_(r); }

private:
  std::function<void(record const&)> f_;
};

/// Writes `format(r)` and a newline to standard error, in one write.
void write_stderr(record const& r);

/// A logger: a threshold, a node name and a sink. Cheap to copy: copies share the name
/// (set once the node knows it) and the sink. Thread-safe.
class logger {
public:
  /// `threshold` unset: `ENODE_LOG_LEVEL` when it names a level, else `notice`.
  /// `out` unset: `write_stderr`.
  logger() : logger(std::nullopt) {}
  explicit logger(std::optional<level> threshold, sink out = {});

  bool enabled(level l) const noexcept { return l <= threshold_; }
  level threshold() const noexcept { return threshold_; }
  void set_node(std::string name) const;

  void write(level l, std::string_view text) const;
  void error(std::string_view text) const { write(level::error, text); }
  void warning(std::string_view text) const { write(level::warning, text); }
  void notice(std::string_view text) const { write(level::notice, text); }
  void info(std::string_view text) const { write(level::info, text); }
  void debug(std::string_view text) const { write(level::debug, text); }

  /// A completion handler for `co_spawn`: what escaped the coroutine `what` is logged at
  /// error level (its `what()`, or that it was not a std::exception).
  std::function<void(std::exception_ptr)> on_exit(std::string what) const;

private:
  struct state;
  level threshold_;
  std::shared_ptr<state> state_;
};

/// The level `ENODE_LOG_LEVEL` names: nullopt when unset; an error text when it names
/// none.
struct env_level {
  std::optional<level> value;
  std::string problem; ///< empty unless the variable is set to something that is no level
};
env_level level_from_env();

} // namespace enode::log

#pragma GCC visibility pop
