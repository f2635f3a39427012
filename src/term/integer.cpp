#include <enode/term/integer.hpp>

#include "big_node.hpp"
#include "node_alloc.hpp"

namespace enode::term {

value make_integer(big_int const& i) {
  if (i >= std::numeric_limits<std::int64_t>::min() && i <= std::numeric_limits<std::int64_t>::max())
    return value(i.convert_to<std::int64_t>());
  return value::adopt(pool::make<detail::big_node>(i));
}

big_int to_big_int(value const& v) {
  if (v.is_small()) return big_int(v.as_int());
  return detail::big_of(v);
}

} // namespace enode::term
