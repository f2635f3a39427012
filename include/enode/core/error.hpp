#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <boost/system/error_code.hpp>

namespace enode {

/// The one error currency of enode: Asio and Beast already speak it, each module
/// registers its own `enum class error` as an error code enum.
using error_code = boost::system::error_code;
using error_category = boost::system::error_category;

} // namespace enode

#pragma GCC visibility pop
