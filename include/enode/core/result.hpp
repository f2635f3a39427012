#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/error.hpp>

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace enode {

/// Wraps an error for construction of a failed result (the role of std::unexpected).
struct unexpected {
  error_code error;
  template <class E>
  requires boost::system::is_error_code_enum<E>::value explicit unexpected(E e) : error(make_error_code(e)) {}
  explicit unexpected(error_code ec) : error(ec) {}
};

/// A value of type T or an error_code, with std::expected's member names so that a
/// later switch to std::expected (C++23) is a change of alias.
///
/// Failed results are built from an error enum, an error_code or `enode::unexpected`.
/// Accessing the value of a failed result is a precondition violation.
template <class T>
class [[nodiscard]] result {
public:
  using value_type = T;

  result(T const& v) : v_(std::in_place_index<0>, v) {}
  result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
  result(unexpected u) : v_(std::in_place_index<1>, u.error) { assert(u.error); }
  template <class E>
  requires boost::system::is_error_code_enum<E>::value result(E e) : v_(std::in_place_index<1>, make_error_code(e)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  T const& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  T const& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  T const* operator->() const { return &value(); }

  /// The error; an empty error_code when the result holds a value.
  error_code error() const noexcept { return has_value() ? error_code{} : std::get<1>(v_); }

private:
  std::variant<T, error_code> v_;
};

/// result<void>: success, or an error.
template <>
class [[nodiscard]] result<void> {
public:
  result() = default;
  result(unexpected u) : ec_(u.error) {}
  template <class E>
  requires boost::system::is_error_code_enum<E>::value result(E e) : ec_(make_error_code(e)) {}

  bool has_value() const noexcept { return !ec_; }
  explicit operator bool() const noexcept { return has_value(); }
  error_code error() const noexcept { return ec_; }

private:
  error_code ec_;
};

} // namespace enode

#pragma GCC visibility pop
