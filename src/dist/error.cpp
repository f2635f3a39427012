#include <enode/dist/error.hpp>
#include <enode/dist/flags.hpp>

#include <string>

namespace enode::dist {
namespace {

class category final : public error_category {
public:
  char const* name() const noexcept override { return "enode.dist"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::need_more: return "more bytes needed";
      case error::bad_message: return "malformed handshake or EPMD message";
      case error::missing_flags: return "peer lacks mandatory distribution flags";
      case error::bad_digest: return "invalid challenge digest (wrong cookie)";
      case error::challenge_refused:
        return "the peer closed the connection after our challenge reply: probably a cookie mismatch";
      case error::not_allowed: return "peer answered not_allowed";
      case error::simultaneous_lost: return "simultaneous connect: the peer's attempt wins (nok)";
      case error::already_connected: return "peer keeps its existing connection (alive)";
      case error::name_mismatch: return "peer's node name is not the one dialed";
      case error::bad_node_name: return "malformed node name";
      case error::epmd_duplicate_name: return "EPMD refused the registration (name taken)";
      case error::epmd_no_such_node: return "EPMD does not know the node";
      case error::epmd_bad_reply: return "malformed EPMD reply";
      case error::version_mismatch: return "node does not speak distribution version 6";
      case error::setup_timeout: return "connection setup timed out";
      case error::bad_packet: return "malformed distribution packet";
      case error::tick_timeout: return "peer silent for a whole net_ticktime";
      case error::closed: return "connection closed";
      case error::too_large: return "packet over the size limit";
      case error::crypto_failure: return "OpenSSL could not compute a digest or give random bytes";
    }
    return "unknown dist error";
  }
};

} // namespace

std::string_view to_string(error e) noexcept {
  switch (e) {
    case error::need_more: return "need_more";
    case error::bad_message: return "bad_message";
    case error::missing_flags: return "missing_flags";
    case error::bad_digest: return "bad_digest";
    case error::challenge_refused: return "challenge_refused";
    case error::not_allowed: return "not_allowed";
    case error::simultaneous_lost: return "simultaneous_lost";
    case error::already_connected: return "already_connected";
    case error::name_mismatch: return "name_mismatch";
    case error::bad_node_name: return "bad_node_name";
    case error::epmd_duplicate_name: return "epmd_duplicate_name";
    case error::epmd_no_such_node: return "epmd_no_such_node";
    case error::epmd_bad_reply: return "epmd_bad_reply";
    case error::version_mismatch: return "version_mismatch";
    case error::setup_timeout: return "setup_timeout";
    case error::bad_packet: return "bad_packet";
    case error::tick_timeout: return "tick_timeout";
    case error::closed: return "closed";
    case error::too_large: return "too_large";
    case error::crypto_failure: return "crypto_failure";
  }
  return "unknown";
}

error_category const& dist_category() noexcept {
  static category const c;
  return c;
}

namespace flags {
std::string names(type f) {
  static constexpr struct {
    type bit;
    char const* name;
  } table[] = {{published, "PUBLISHED"},
               {atom_cache, "ATOM_CACHE"},
               {extended_references, "EXTENDED_REFERENCES"},
               {dist_monitor, "DIST_MONITOR"},
               {fun_tags, "FUN_TAGS"},
               {dist_monitor_name, "DIST_MONITOR_NAME"},
               {hidden_atom_cache, "HIDDEN_ATOM_CACHE"},
               {new_fun_tags, "NEW_FUN_TAGS"},
               {extended_pids_ports, "EXTENDED_PIDS_PORTS"},
               {export_ptr_tag, "EXPORT_PTR_TAG"},
               {bit_binaries, "BIT_BINARIES"},
               {new_floats, "NEW_FLOATS"},
               {unicode_io, "UNICODE_IO"},
               {dist_hdr_atom_cache, "DIST_HDR_ATOM_CACHE"},
               {small_atom_tags, "SMALL_ATOM_TAGS"},
               {utf8_atoms, "UTF8_ATOMS"},
               {map_tag, "MAP_TAG"},
               {big_creation, "BIG_CREATION"},
               {send_sender, "SEND_SENDER"},
               {big_seqtrace_labels, "BIG_SEQTRACE_LABELS"},
               {exit_payload, "EXIT_PAYLOAD"},
               {fragments, "FRAGMENTS"},
               {handshake_23, "HANDSHAKE_23"},
               {unlink_id, "UNLINK_ID"},
               {mandatory_25_digest, "MANDATORY_25_DIGEST"},
               {spawn, "SPAWN"},
               {name_me, "NAME_ME"},
               {v4_nc, "V4_NC"},
               {alias, "ALIAS"},
               {altact_sig, "ALTACT_SIG"}};
  std::string out;
  for (auto const& e : table) {
    if (f & e.bit) {
      if (!out.empty()) out += ',';
      out += e.name;
    }
  }
  return out;
}
} // namespace flags

} // namespace enode::dist
