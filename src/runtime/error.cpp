#include <enode/runtime/error.hpp>

#include <string>

namespace enode::runtime {
namespace {

class category final : public error_category {
public:
  char const* name() const noexcept override { return "enode.runtime"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::not_registered: return "name not registered";
      case error::name_taken: return "name already registered to another process";
      case error::already_named: return "process already has a registered name";
      case error::bad_name: return "'undefined' cannot be registered";
      case error::not_alive: return "no such process";
      case error::not_local: return "pid of another node";
      case error::bad_destination: return "not a pid, registered name, {Name, Node} or alias";
      case error::shutting_down: return "the runtime is shutting down";
      case error::would_deadlock: return "blocking call from a runtime thread";
    }
    return "unknown runtime error";
  }
};

} // namespace

error_category const& runtime_category() noexcept {
  static category const c;
  return c;
}

} // namespace enode::runtime
