#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// A visitor made of lambdas, one per alternative: `std::visit(overloaded{...}, v)`.
namespace enode {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

} // namespace enode

#pragma GCC visibility pop
