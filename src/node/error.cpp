#include <enode/node/error.hpp>

#include <string>

namespace enode::node {
namespace {

class category final : public error_category {
public:
  char const* name() const noexcept override { return "enode.node"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::not_connected: return "not connected to that node";
      case error::pang: return "pang: the node did not answer the ping";
      case error::wrong_name_mode:
        return "a long-names node needs a fully qualified host, a short-names node one without dots";
      case error::simultaneous_never_completed: return "the simultaneous connection from the node never completed";
      case error::not_running: return "the node is not running";
      case error::bad_log_level: return "ENODE_LOG_LEVEL is not error, warning, notice, info or debug";
      case error::no_domain:
        return "this host's name has no domain, so a long name needs its host: give NAME@HOST with a fully "
               "qualified HOST or this host's IP address (RELEASE_NODE=app@$(hostname -i) in a container, as "
               "releases on Kubernetes do), or use short names (RELEASE_DISTRIBUTION=sname)";
      case error::no_listen_port: return "no port of the distribution port range is free";
    }
    return "unknown node error";
  }
};

} // namespace

error_category const& node_category() noexcept {
  static category const c;
  return c;
}

std::string describe(error_code ec) {
  return ec.message() + " (" + ec.category().name() + ":" + std::to_string(ec.value()) + ")";
}

} // namespace enode::node
