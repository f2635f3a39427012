#include <enode/version.hpp>

namespace enode {

std::string_view version() noexcept { return ENODE_VERSION_STRING; }

} // namespace enode
