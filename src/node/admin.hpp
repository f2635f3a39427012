#pragma once

#include <enode/http/server.hpp>

namespace enode::node {

class node_impl;

/// The admin endpoints of `n` (admin.cpp): /health, /metrics, /api/..., /events and the
/// status page at /.
http::router admin_routes(node_impl& n);

} // namespace enode::node
