#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/runtime/awaitable.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/runtime/process.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/convert.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace enode::node {

/// A C++ function as Erlang callers see it: it runs in a process of its own (the one
/// `rpc:call`/`erpc:call` spawn for it) and returns a term, or raises as Erlang code does
/// (`runtime::error_exception`, `exit_exception`, `throw_exception`; any other C++
/// exception is an error `{cpp_exception, Type, What}`).
using function_body =
    std::function<runtime::awaitable<term::value>(runtime::process& self, std::span<term::value const> args)>;

/// `error:badarg` for an argument that does not convert to its C++ parameter; `detail`
/// says which one and why, and reaches the caller in the stack frame of the error.
class bad_argument : public runtime::error_exception {
public:
  bad_argument(std::size_t position, std::string why)
      : error_exception(term::atoms::badarg), position_(position),
        detail_("argument " + std::to_string(position) + ": " + std::move(why)) {}
  std::size_t position() const noexcept { return position_; }
  std::string const& detail() const noexcept { return detail_; }

private:
  std::size_t position_;
  std::string detail_;
};

namespace detail {

template <class T>
struct is_awaitable : std::false_type {};
template <class T>
struct is_awaitable<runtime::awaitable<T>> : std::true_type {
  using type = T;
};

template <class Sig>
struct signature;
template <class R, class... A>
struct signature<R(A...)> {
  using result = R;
  using args = std::tuple<A...>;
};
template <class R, class... A>
struct signature<R (*)(A...)> : signature<R(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...)> : signature<R(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...) const> : signature<R(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...) noexcept> : signature<R(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...) const noexcept> : signature<R(A...)> {};
template <class F, class = void>
struct callable_signature : signature<F> {};
template <class F>
struct callable_signature<F, std::void_t<decltype(&F::operator())>> : signature<decltype(&F::operator())> {};

// The C++ parameters after an optional leading `runtime::process&`.
template <class Args>
struct parameters {
  static constexpr bool with_process = false;
  using type = Args;
};
template <class... A>
struct parameters<std::tuple<runtime::process&, A...>> {
  static constexpr bool with_process = true;
  using type = std::tuple<A...>;
};

template <class T>
std::remove_cvref_t<T> argument(std::span<term::value const> args, std::size_t i) {
  try {
    return term::from_term<std::remove_cvref_t<T>>(args[i]);
  } catch (term::bad_conversion const& e) {
    throw bad_argument(i + 1, e.what());
  }
}

template <class R>
term::value result_term(R&& r) {
  return term::to_term(std::forward<R>(r));
}

/// `fn` as a `function_body`: converts the arguments, calls, converts the result (void
/// is `ok`), awaiting it first when `fn` is a coroutine.
template <class F>
class adapted {
  using sig = callable_signature<std::decay_t<F>>;
  using params = parameters<typename sig::args>;
  using result = typename sig::result;

public:
  static constexpr std::size_t arity = std::tuple_size_v<typename params::type>;
  explicit adapted(F f) : f_(std::move(f)) {}

  runtime::awaitable<term::value> operator()(runtime::process& self, std::span<term::value const> args) const {
    return run(self, args, std::make_index_sequence<arity>{});
  }

private:
  template <std::size_t... I>
  runtime::awaitable<term::value> run(runtime::process& self, std::span<term::value const> args,
                                      std::index_sequence<I...>) const {
    // Converted before the call, in order, so that a bad one fails before any effect.
    std::tuple<std::remove_cvref_t<std::tuple_element_t<I, typename params::type>>...> converted{
        argument<std::tuple_element_t<I, typename params::type>>(args, I)...};
    if constexpr (is_awaitable<result>::value) {
      using inner = typename is_awaitable<result>::type;
      auto aw = call(self, converted, std::index_sequence<I...>{});
      if constexpr (std::is_void_v<inner>) {
        co_await std::move(aw);
        co_return term::value(term::atoms::ok);
      } else {
        auto r = co_await std::move(aw);
        co_return result_term(std::move(r));
      }
    } else if constexpr (std::is_void_v<result>) {
      call(self, converted, std::index_sequence<I...>{});
      co_return term::value(term::atoms::ok);
    } else {
      co_return result_term(call(self, converted, std::index_sequence<I...>{}));
    }
  }

  template <class Tuple, std::size_t... I>
  decltype(auto) call(runtime::process& self, Tuple& converted, std::index_sequence<I...>) const {
    if constexpr (params::with_process) {
      return std::invoke(f_, self, std::move(std::get<I>(converted))...);
    } else {
      (void)self;
      return std::invoke(f_, std::move(std::get<I>(converted))...);
    }
  }

  F f_;
};

} // namespace detail

/// The functions a node serves to `rpc:call`, `erpc:call`, `erpc:cast` and
/// `rpc:multicall`, by module, function and arity. Thread-safe; a function may be added
/// or removed while the node runs.
class functions {
public:
  /// Serves `body` as `Module:Function/Arity`, replacing what was there.
  void add(term::atom module, term::atom function, std::size_t arity, function_body body);

  /// Serves a plain C++ callable: its parameters (after an optional leading
  /// `runtime::process&`) are converted from the arguments with `term::from_term`, its
  /// result with `term::to_term` (`void` is `ok`); a coroutine returning
  /// `runtime::awaitable<T>` is awaited. The arity is the number of converted parameters.
  ///
  ///     fns.add("math", "add", [](long a, long b) { return a + b; });
  template <class F>
  void add(std::string_view module, std::string_view function, F fn) {
    detail::adapted<F> a(std::move(fn));
    constexpr auto arity = detail::adapted<F>::arity;
    add(term::atom(module), term::atom(function), arity, function_body(std::move(a)));
  }

  /// Stops serving `Module:Function/Arity`; whether it was served.
  bool remove(term::atom module, term::atom function, std::size_t arity);

  /// What serves `Module:Function/Arity`, or null.
  std::shared_ptr<function_body const> find(term::atom module, term::atom function, std::size_t arity) const;

  /// Everything served, as `{Module, Function, Arity}`, sorted.
  std::vector<std::tuple<term::atom, term::atom, std::size_t>> list() const;

private:
  struct key {
    term::atom module, function;
    std::size_t arity;
    friend bool operator==(key const&, key const&) = default;
  };
  struct key_hash {
    std::size_t operator()(key const& k) const noexcept;
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<key, std::shared_ptr<function_body const>, key_hash> table_;
};

} // namespace enode::node

#pragma GCC visibility pop
