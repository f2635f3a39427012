#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/value.hpp>

#include <exception>
#include <string>
#include <typeinfo>

namespace enode::runtime {

/// Erlang's three exception classes, as C++ exceptions. The process boundary is the
/// exception boundary: whatever escapes a process body becomes its exit reason and
/// travels along its links and monitors (see `exit_reason_of`).

namespace detail {
/// What the three share: a term, and `what()` printing it after the class's name.
class erlang_exception : public std::exception {
public:
  erlang_exception(char const* cls, term::value v) noexcept : cls_(cls), value_(std::move(v)) {}
  /// "Class: Term", the term in Erlang syntax.
  char const* what() const noexcept override;

protected:
  term::value const& value() const noexcept { return value_; }

private:
  char const* cls_;
  term::value value_;
  mutable std::string what_;
};
} // namespace detail

/// `exit(Reason)`: the process ends with `reason` itself. Thrown by `process::exit`, by
/// the waits of a process that an exit signal kills, and by calls that exit their
/// caller the way OTP's do (`gen_server::call` on a timeout, for instance).
class exit_exception : public detail::erlang_exception {
public:
  explicit exit_exception(term::value reason) noexcept : erlang_exception("exit", std::move(reason)) {}
  term::value const& reason() const noexcept { return value(); }
};

/// `error(Reason)`: the process ends with `{Reason, Stack}`; C++ has no Erlang stack
/// trace, so Stack is `[]`. The runtime raises these where a BIF would (`badarg`, `noproc`).
class error_exception : public detail::erlang_exception {
public:
  explicit error_exception(term::value reason) noexcept : erlang_exception("error", std::move(reason)) {}
  term::value const& reason() const noexcept { return value(); }
};

/// `throw(Value)` that nobody catches: the process ends with `{{nocatch, Value}, []}`.
class throw_exception : public detail::erlang_exception {
public:
  explicit throw_exception(term::value v) noexcept : erlang_exception("throw", std::move(v)) {}
  using erlang_exception::value;
};

/// The exit reason for an exception that escaped a process body:
/// - `exit_exception` -> its reason;
/// - `error_exception` -> `{Reason, []}`;
/// - `throw_exception` -> `{{nocatch, Value}, []}`;
/// - any other `std::exception` -> `{{cpp_exception, <<"Type">>, <<"what()">>}, []}`, the
///   type demangled (`std::out_of_range`);
/// - anything else -> `{{cpp_exception, <<"unknown">>, <<>>}, []}`.
term::value exit_reason_of(std::exception_ptr e) noexcept;

/// A C++ type's name, demangled (`std::out_of_range`, `app::counter`).
std::string type_name(std::type_info const& t);

/// `{Reason, []}`: the form of an error's exit reason.
term::value error_reason(term::value reason);

/// `normal`, `shutdown` or `{shutdown, _}`: an end that is nobody's failure (not
/// reported, and no reason to restart a transient child).
bool is_normal_exit(term::value const& reason) noexcept;

} // namespace enode::runtime

#pragma GCC visibility pop
