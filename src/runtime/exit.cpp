#include <enode/runtime/exit.hpp>

#include <enode/term/atoms.hpp>
#include <enode/term/print.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

namespace enode::runtime {

namespace atoms = term::atoms;

char const* detail::erlang_exception::what() const noexcept {
  if (what_.empty()) {
    try {
      what_ = std::string(cls_) + ": " + term::to_string(value_);
    } catch (...) {
      return cls_;
    }
  }
  return what_.c_str();
}

term::value error_reason(term::value reason) { return term::tuple_of({std::move(reason), term::value{}}); }

std::string type_name(std::type_info const& t) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(t.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(t.name());
}

namespace {

term::value cpp_exception(std::string_view type, std::string_view what) {
  return error_reason(term::tuple_of({atoms::cpp_exception, term::binary_of(type), term::binary_of(what)}));
}

} // namespace

term::value exit_reason_of(std::exception_ptr e) noexcept {
  try {
    try {
      std::rethrow_exception(e);
    } catch (exit_exception const& x) {
      return x.reason();
    } catch (error_exception const& x) {
      return error_reason(x.reason());
    } catch (throw_exception const& x) {
      return error_reason(term::tuple_of({atoms::nocatch, x.value()}));
    } catch (std::exception const& x) {
      return cpp_exception(type_name(typeid(x)), x.what());
    } catch (...) {
      return cpp_exception("unknown", "");
    }
  } catch (...) {
    // Building the reason itself failed (out of memory): still end the process.
    return atoms::cpp_exception;
  }
}

bool is_normal_exit(term::value const& reason) noexcept {
  return reason == term::value(term::atoms::normal) || reason == term::value(term::atoms::shutdown) ||
         term::is_record(reason, term::atoms::shutdown, 2);
}

} // namespace enode::runtime
