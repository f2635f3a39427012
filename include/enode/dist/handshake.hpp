#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/flags.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// The messages of the version-6 connection handshake (OTP 23+), as pure functions over
/// bytes: nothing here does I/O. Each `encode` returns the whole message with its u16
/// length; each `parse_*` takes the payload after the length. See the protocol sheet §2
/// and lib/kernel/src/dist_util.erl.
namespace enode::dist::handshake {

using digest_type = std::array<std::byte, 16>;

/// MD5(Cookie ++ integer_to_list(Challenge)), the challenge printed unsigned (§2.3).
[[nodiscard]] result<digest_type> digest(std::uint32_t challenge, std::string_view cookie);

/// `'N'` from the initiator: its flags, creation and full node name.
struct send_name {
  flags::type flags = 0;
  std::uint32_t creation = 0;
  std::string name;
};

/// `'N'` from the acceptor: its flags, its challenge, creation and name.
struct challenge {
  flags::type flags = 0;
  std::uint32_t challenge = 0;
  std::uint32_t creation = 0;
  std::string name;
};

/// `'r'`: the initiator's own challenge and its digest of the acceptor's.
struct challenge_reply {
  std::uint32_t challenge = 0;
  digest_type digest{};
};

/// `'a'`: the acceptor's digest of the initiator's challenge.
struct challenge_ack {
  digest_type digest{};
};

std::vector<std::byte> encode(send_name const& m);
std::vector<std::byte> encode(challenge const& m);
std::vector<std::byte> encode(challenge_reply const& m);
std::vector<std::byte> encode(challenge_ack const& m);
/// `'s'` with a status text: ok, ok_simultaneous, nok, not_allowed, alive, true, false.
std::vector<std::byte> encode_status(std::string_view text);

/// `'N'` (send_name); the legacy `'n'` is refused with `bad_message` (OTP 25+ never sends it).
[[nodiscard]] result<send_name> parse_send_name(std::span<std::byte const> payload);
[[nodiscard]] result<challenge> parse_challenge(std::span<std::byte const> payload);
[[nodiscard]] result<challenge_reply> parse_challenge_reply(std::span<std::byte const> payload);
[[nodiscard]] result<challenge_ack> parse_challenge_ack(std::span<std::byte const> payload);
/// The text of a `'s'` message.
[[nodiscard]] result<std::string> parse_status(std::span<std::byte const> payload);

/// A full node name split in two.
struct node_name {
  std::string alive; ///< what EPMD stores
  std::string host;
  std::string full() const { return alive + '@' + host; }
};

/// Whether a node name uses short (`-sname`) or long (`-name`) host names.
enum class name_mode { shortnames, longnames };

/// Splits and checks `alive@host`: one `@`, a non-empty alive part of letters, digits,
/// underscores and hyphens, a non-empty host of letters, digits, dots, underscores and
/// hyphens (or an IPv6 address in its textual form), at most 255 bytes in all.
[[nodiscard]] result<node_name> parse_node_name(std::string_view full);

/// Whether `host` fits `mode` as BEAM sees it (§2.6): a long name's host has a dot or is
/// an IP address, a short name's has no dot.
bool host_fits(std::string_view host, name_mode mode) noexcept;

/// A u16-framed message at the front of `in`: its payload, or `need_more`.
[[nodiscard]] result<std::span<std::byte const>> frame(std::span<std::byte const> in);

} // namespace enode::dist::handshake

#pragma GCC visibility pop
