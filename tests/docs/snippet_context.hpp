// What the README's C++ blocks take as given without declaring it (see
// readme_snippets.sh): the library, the standard headers they use, a node `n`, a log
// sink `my_log`, and the names they abbreviate.
#include <enode/enode.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace snippet_context {
extern enode::node::node& n;
void my_log(enode::log::level, std::string const&);
} // namespace snippet_context
using namespace snippet_context;

namespace term = enode::term;
namespace rt = enode::runtime;
namespace bh = enode::behaviours;
using enode::term::atom;
using namespace std::chrono_literals;
