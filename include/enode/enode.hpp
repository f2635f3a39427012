#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// Everything a program that is a node uses, in one include: the node and `run`, its
/// functions, gen_server and supervisor, calls out (rpc, erpc, the blocking facade),
/// and the terms with their conversions.
#include <enode/behaviours/gen_server.hpp>
#include <enode/behaviours/supervisor.hpp>
#include <enode/behaviours/sys.hpp>
#include <enode/node/application.hpp>
#include <enode/node/blocking.hpp>
#include <enode/node/erpc.hpp>
#include <enode/node/error.hpp>
#include <enode/node/functions.hpp>
#include <enode/node/metrics.hpp>
#include <enode/node/node.hpp>
#include <enode/node/rpc.hpp>
#include <enode/runtime/exit.hpp>
#include <enode/term/atoms.hpp>
#include <enode/term/convert.hpp>
#include <enode/term/number.hpp>
#include <enode/term/print.hpp>
#include <enode/term/value.hpp>
#include <enode/version.hpp>

#pragma GCC visibility pop
