#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// Forward declarations of the behaviours module: gen_server and supervisor, speaking
/// OTP's own message protocols so that BEAM callers work unchanged.
namespace enode::behaviours {
class gen_server;
class supervisor;
struct from;
class action;
struct start_result;
struct start_options;
struct child_spec;
struct sup_flags;
} // namespace enode::behaviours

#pragma GCC visibility pop
