#pragma once

// Helpers shared by the term tests (and, through these names, the dist tests).
#include <enode/term/parse.hpp>
#include <enode/term/value.hpp>

#include "common/bytes.hpp"
#include "common/term.hpp"

#include <doctest/doctest.h>

namespace enode::term::test {

using testing::bytes;
using testing::bytes_of;
using testing::hex;
using testing::parsed;

} // namespace enode::term::test
