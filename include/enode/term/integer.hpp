#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/term/convert.hpp>
#include <enode/term/value.hpp>

#include <boost/multiprecision/cpp_int.hpp>

namespace enode::term {

/// Arbitrary-precision integers, as Boost.Multiprecision provides them.
using big_int = boost::multiprecision::cpp_int;

/// An integer term of any size; values that fit in 64 bits become small integers, so
/// equal integers are always equal values.
value make_integer(big_int const& i);

/// The integer as a big_int, whatever its size. @pre v.is_integer()
big_int to_big_int(value const& v);

/// Integers of any size, for `to_term` and `from_term` (convert.hpp).
template <>
struct convert<big_int> {
  static value to(big_int const& i) { return make_integer(i); }
  static big_int from(value const& v) {
    if (!v.is_integer()) throw bad_conversion("an integer", v);
    return to_big_int(v);
  }
};

} // namespace enode::term

#pragma GCC visibility pop
