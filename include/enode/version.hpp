#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// enode's version: the one place it is written. CMake reads these three lines for the
/// project's version, the package's version file and `enode.pc`.
#define ENODE_VERSION_MAJOR 0
#define ENODE_VERSION_MINOR 2
#define ENODE_VERSION_PATCH 0

#define ENODE_VERSION_STRINGIFY_(x) #x
#define ENODE_VERSION_STRINGIFY(x) ENODE_VERSION_STRINGIFY_(x)
/// "MAJOR.MINOR.PATCH" of the headers compiled against.
#define ENODE_VERSION_STRING                                                                                           \
  ENODE_VERSION_STRINGIFY(ENODE_VERSION_MAJOR)                                                                         \
  "." ENODE_VERSION_STRINGIFY(ENODE_VERSION_MINOR) "." ENODE_VERSION_STRINGIFY(ENODE_VERSION_PATCH)
/// One number that orders versions: MAJOR * 10000 + MINOR * 100 + PATCH.
#define ENODE_VERSION (ENODE_VERSION_MAJOR * 10000 + ENODE_VERSION_MINOR * 100 + ENODE_VERSION_PATCH)

#include <string_view>

namespace enode {

/// The version of the enode library linked in ("0.2.0"); it may differ from
/// ENODE_VERSION_STRING, the headers', when a program is linked against another build.
std::string_view version() noexcept;

} // namespace enode

#pragma GCC visibility pop
