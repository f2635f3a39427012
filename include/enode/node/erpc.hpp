#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/erpc.hpp>

namespace enode::node {
/// `erpc:call` and `erpc:cast` from C++ (see runtime/erpc.hpp, where they live so that
/// the behaviours can call other nodes too).
namespace erpc = runtime::erpc;
} // namespace enode::node

#pragma GCC visibility pop
