#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// `ENODE_INTERNAL` marks a class that a public header names but only the library defines
/// and uses (an implementation behind a public class): a shared build keeps it out of its
/// exports. Elsewhere (static builds, programs using enode) it is nothing.
#if defined(ENODE_SHARED_BUILD)
#define ENODE_INTERNAL __attribute__((visibility("hidden")))
#else
#define ENODE_INTERNAL
#endif

#pragma GCC visibility pop
