#pragma once

// The parts of a request the server reads, free of I/O (tested on their own).

#include <enode/http/server.hpp>

#include <map>
#include <string>
#include <string_view>

namespace enode::http {

/// Splits a request target into its percent-decoded path and query parameters; false
/// when it is not an origin-form target (`/path?query`) or its escapes are bad.
bool split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);

/// `s` in lower case (header names).
std::string lower(std::string_view s);

/// Whether `r` carries `token`, as `Authorization: Bearer T` or `access_token=T`
/// (compared in constant time).
bool authorized(request const& r, std::string_view token);

} // namespace enode::http
