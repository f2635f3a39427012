#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/error.hpp>

#include <type_traits>

namespace enode::runtime {

/// Errors of the runtime's non-throwing calls (category "enode.runtime"). Inside a
/// process the same failures raise Erlang errors (`badarg`, `noproc`), as the BIFs do.
enum class error {
  /// The name is not registered.
  not_registered = 1,
  /// Another process already holds the name.
  name_taken,
  /// The process already has a registered name.
  already_named,
  /// `undefined` cannot be registered.
  bad_name,
  /// No live local process has that pid.
  not_alive,
  /// The pid belongs to another node.
  not_local,
  /// The destination is not a pid, a registered name, `{Name, Node}` or an alias.
  bad_destination,
  /// The system is shutting down and takes no new processes.
  shutting_down,
  /// A blocking call made from one of the runtime's own threads, where it would deadlock.
  would_deadlock,
};

/// The category behind runtime errors.
error_category const& runtime_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), runtime_category()}; }

} // namespace enode::runtime

// What makes the enum an error_code; left out of the API reference.
/// @cond
template <>
struct boost::system::is_error_code_enum<enode::runtime::error> : std::true_type {};
/// @endcond

#pragma GCC visibility pop
