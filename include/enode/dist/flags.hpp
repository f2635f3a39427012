#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <cstdint>
#include <string>

/// Distribution capability flags (DFLAG_*), as in erts/emulator/beam/dist.h and
/// lib/kernel/include/dist.hrl. Both sides send theirs in the handshake; what a
/// connection may use is their intersection.
namespace enode::dist::flags {

using type = std::uint64_t;

inline constexpr type published = 0x1;
inline constexpr type atom_cache = 0x2; // obsolete
inline constexpr type extended_references = 0x4;
inline constexpr type dist_monitor = 0x8;
inline constexpr type fun_tags = 0x10;
inline constexpr type dist_monitor_name = 0x20;
inline constexpr type hidden_atom_cache = 0x40; // obsolete
inline constexpr type new_fun_tags = 0x80;
inline constexpr type extended_pids_ports = 0x100;
inline constexpr type export_ptr_tag = 0x200;
inline constexpr type bit_binaries = 0x400;
inline constexpr type new_floats = 0x800;
inline constexpr type unicode_io = 0x1000;
inline constexpr type dist_hdr_atom_cache = 0x2000;
inline constexpr type small_atom_tags = 0x4000;
inline constexpr type utf8_atoms = 0x10000;
inline constexpr type map_tag = 0x20000;
inline constexpr type big_creation = 0x40000;
inline constexpr type send_sender = 0x80000;
inline constexpr type big_seqtrace_labels = 0x100000;
inline constexpr type exit_payload = 0x400000;
inline constexpr type fragments = 0x800000;
inline constexpr type handshake_23 = 0x1000000;        // since OTP 23; mandatory from 25
inline constexpr type unlink_id = 0x2000000;           // since OTP 23.3; mandatory from 26
inline constexpr type mandatory_25_digest = 0x4000000; // bit 26 (the guide's "bit 36" is a misprint)
inline constexpr type spawn = type{1} << 32;
inline constexpr type name_me = type{1} << 33;
inline constexpr type v4_nc = type{1} << 34;      // since OTP 24; mandatory from 26
inline constexpr type alias = type{1} << 35;      // since OTP 24
inline constexpr type altact_sig = type{1} << 37; // OTP 28

/// The eleven bits OTP 25 requires, which `mandatory_25_digest` stands for.
inline constexpr type mandatory_25 = extended_references | fun_tags | extended_pids_ports | utf8_atoms | new_fun_tags |
                                     big_creation | new_floats | map_tag | export_ptr_tag | bit_binaries | handshake_23;
/// What OTP 26 and later require of a peer, and what we require of ours.
inline constexpr type mandatory = mandatory_25 | unlink_id | v4_nc;

/// What enode advertises: OTP 26's mandatory set, monitors by pid and name, the newer
/// send, exit and alias operations, spawn requests (erpc and rpc are served through them),
/// and the distribution header with fragments. `published` is added for a visible node.
inline constexpr type ours = mandatory | mandatory_25_digest | dist_monitor | dist_monitor_name | small_atom_tags |
                             send_sender | exit_payload | alias | dist_hdr_atom_cache | fragments |
                             big_seqtrace_labels | spawn;

/// `f` with the digest bit expanded into the bits it stands for.
constexpr type expand(type f) noexcept { return (f & mandatory_25_digest) ? (f | mandatory_25) : f; }

/// The mandatory bits `f` lacks (after expansion); 0 when it has them all.
constexpr type missing(type f) noexcept { return mandatory & ~expand(f); }

/// Names of the bits set in `f`, as OTP's logs spell them ("UNLINK_ID", "V4_NC", ...).
std::string names(type f);

} // namespace enode::dist::flags

#pragma GCC visibility pop
