#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/dist/error.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// The EPMD protocol (protocol sheet §1, erts/epmd/src/epmd_srv.c) as pure functions:
/// requests are u16-length framed, replies are not. Used by the client and by the
/// embedded EPMD; no I/O here.
namespace enode::dist::epmd {

/// The port EPMD listens on: `ERL_EPMD_PORT` when set to a valid port, else 4369.
std::uint16_t default_port();

/// What a node registers: `ALIVE2_REQ`'s fields, and what `PORT2_RESP` tells of it.
struct node_entry {
  std::string name; ///< the alive part
  std::uint16_t port = 0;
  std::uint8_t node_type = 77; ///< 77 normal, 72 hidden (BEAM always sends 77)
  std::uint8_t protocol = 0;   ///< 0 = TCP
  std::uint16_t highest_version = 6;
  std::uint16_t lowest_version = 6;
  std::string extra;
};

// --- client side ------------------------------------------------------------------------------
std::vector<std::byte> encode_alive2_req(node_entry const& e);
std::vector<std::byte> encode_port_please2_req(std::string_view alive);
std::vector<std::byte> encode_names_req();

/// `ALIVE2_X_RESP` (or the legacy `ALIVE2_RESP`) at the front of `in`: the creation, or
/// `epmd_duplicate_name`, `epmd_bad_reply`, `need_more`. `used` gets the bytes taken.
[[nodiscard]] result<std::uint32_t> parse_alive2_resp(std::span<std::byte const> in, std::size_t& used);
/// A whole `PORT2_RESP` (EPMD closes after it): the node, or `epmd_no_such_node`.
[[nodiscard]] result<node_entry> parse_port2_resp(std::span<std::byte const> in);
/// A whole `NAMES_RESP`: EPMD's port, then `name N at port P` lines.
struct names_reply {
  std::uint32_t epmd_port = 0;
  std::vector<std::pair<std::string, std::uint16_t>> nodes;
  std::string text; ///< the lines as EPMD sent them
};
[[nodiscard]] result<names_reply> parse_names_resp(std::span<std::byte const> in);

// --- server side (the embedded EPMD) ---------------------------------------------------------------
struct alive2_req {
  node_entry entry;
};
struct port_please2_req {
  std::string name;
};
struct names_req {};
struct dump_req {};
struct kill_req {};
struct stop_req {
  std::string name;
};
using request = std::variant<alive2_req, port_please2_req, names_req, dump_req, kill_req, stop_req>;

/// One request at the front of `in` (u16 length, code, body): `need_more` until it is
/// whole, `bad_message` for an unknown code or a malformed body.
[[nodiscard]] result<request> parse_request(std::span<std::byte const> in, std::size_t& used);

std::vector<std::byte> encode_alive2_x_resp(bool ok, std::uint32_t creation);
std::vector<std::byte> encode_port2_resp(node_entry const* e); ///< null: not found
std::vector<std::byte> encode_names_resp(std::uint16_t epmd_port, std::span<node_entry const> nodes);

} // namespace enode::dist::epmd

#pragma GCC visibility pop
