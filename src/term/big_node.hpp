#pragma once

#include <enode/term/integer.hpp>

namespace enode::term::detail {

/// An integer beyond 64 bits. Always normalised: a value that fits in int64 is never a
/// big_node, so equal integers have equal representations.
struct big_node : node {
  big_int v;
  explicit big_node(big_int i) : node(node_type::big), v(std::move(i)) {}
};

inline big_int const& big_of(value const& v) noexcept { return static_cast<big_node*>(v.node())->v; }

} // namespace enode::term::detail
