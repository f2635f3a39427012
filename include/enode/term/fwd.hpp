#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

/// Forward declarations of the term module: the data model of Erlang terms, their
/// external term format codec, printing and parsing.
namespace enode::term {
class atom;
class atom_cache;
class binary;
class value;
class number;
struct pid;
struct port;
struct reference;
struct fun;
struct external_fun;
struct map_entry;
struct decode_options;
struct encode_options;
} // namespace enode::term

#pragma GCC visibility pop
