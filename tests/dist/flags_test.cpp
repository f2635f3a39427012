#include <enode/dist/flags.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace flags = enode::dist::flags;

TEST_SUITE("dist") {
  TEST_CASE("flags: the bit values are those of dist.h") {
    CHECK(flags::published == 0x1);
    CHECK(flags::extended_references == 0x4);
    CHECK(flags::dist_monitor == 0x8);
    CHECK(flags::dist_monitor_name == 0x20);
    CHECK(flags::dist_hdr_atom_cache == 0x2000);
    CHECK(flags::utf8_atoms == 0x10000);
    CHECK(flags::big_creation == 0x40000);
    CHECK(flags::send_sender == 0x80000);
    CHECK(flags::exit_payload == 0x400000);
    CHECK(flags::fragments == 0x800000);
    CHECK(flags::handshake_23 == 0x1000000);
    CHECK(flags::unlink_id == 0x2000000);
    CHECK(flags::mandatory_25_digest == 0x4000000); // bit 26, not the guide's bit 36
    CHECK(flags::spawn == 0x1'0000'0000ull);
    CHECK(flags::name_me == 0x2'0000'0000ull);
    CHECK(flags::v4_nc == 0x4'0000'0000ull);
    CHECK(flags::alias == 0x8'0000'0000ull);
    CHECK(flags::altact_sig == 0x20'0000'0000ull);
  }

  TEST_CASE("flags: the mandatory sets are OTP 25's 0x0107_0F94 and OTP 26's 0x4_0307_0F94") {
    CHECK(flags::mandatory_25 == 0x0107'0F94ull);
    CHECK(flags::mandatory == 0x4'0307'0F94ull);
    static_assert(flags::missing(flags::mandatory) == 0);
  }

  TEST_CASE("flags: missing names UNLINK_ID and V4_NC for an OTP 25 peer") {
    CHECK(flags::missing(0x0107'0F94ull) == (flags::unlink_id | flags::v4_nc));
    CHECK(flags::names(flags::missing(0x0107'0F94ull)) == "UNLINK_ID,V4_NC");
    CHECK(flags::missing(0) == flags::mandatory);
    CHECK(flags::missing(flags::mandatory & ~flags::big_creation) == flags::big_creation);
  }

  TEST_CASE("flags: expand turns the digest bit into the eleven OTP 25 bits") {
    CHECK(flags::expand(flags::mandatory_25_digest) == (flags::mandatory_25_digest | flags::mandatory_25));
    CHECK(flags::expand(flags::published) == flags::published);
    CHECK(flags::expand(0) == 0);
    // The digest bit alone still lacks OTP 26's two additions.
    CHECK(flags::missing(flags::mandatory_25_digest) == (flags::unlink_id | flags::v4_nc));
    CHECK(flags::missing(flags::mandatory_25_digest | flags::unlink_id | flags::v4_nc) == 0);
    // Bit 36 (LOCAL_EXT, the guide's misprint) expands nothing.
    CHECK(flags::expand(flags::type{1} << 36) == (flags::type{1} << 36));
    CHECK(flags::missing((flags::type{1} << 36) | flags::unlink_id | flags::v4_nc) == flags::mandatory_25);
  }

  TEST_CASE("flags: the sets that BEAM, ei and the protocol sheet's recommendations send all pass") {
    flags::type const sets[] = {
        0xD'07DF'7FBDull,  // OTP 25..27, visible
        0xD'07DF'7FBCull,  // OTP 25..27, hidden
        0x2D'07DF'7FBCull, // OTP 28
        0x6D'07DF'7FBDull, // OTP 29, visible
        0x4'0707'4F9Cull,  // erl_interface
        0x4'0707'4FBCull,  // set A
        0xC'074F'4FBCull,  // set B
        0xC'074F'4FBDull,  // set B visible
        0xD'074F'4FBCull,  // set B + SPAWN
        flags::ours,
    };
    for (auto f : sets) {
      CAPTURE(f);
      CHECK(flags::missing(f) == 0);
    }
  }

  TEST_CASE("flags: ours is the OTP 26 mandatory set plus what enode implements") {
    CHECK((flags::ours & flags::mandatory) == flags::mandatory);
    CHECK((flags::ours & flags::mandatory_25_digest) != 0);
    CHECK((flags::ours & (flags::dist_monitor | flags::dist_monitor_name)) ==
          (flags::dist_monitor | flags::dist_monitor_name));
    CHECK((flags::ours & flags::fragments) != 0);
    CHECK((flags::ours & flags::dist_hdr_atom_cache) != 0);
    // Not advertised: visibility is added per node, spawn and ALTACT_SIG are not served,
    // NAME_ME is not a capability, and the obsolete bits stay clear.
    CHECK((flags::ours & flags::published) == 0);
    CHECK((flags::ours & flags::spawn) != 0); // erpc and rpc are served

    CHECK((flags::ours & flags::altact_sig) == 0);
    CHECK((flags::ours & flags::name_me) == 0);
    CHECK((flags::ours & (flags::atom_cache | flags::hidden_atom_cache)) == 0);
  }

  TEST_CASE("flags: names spells the bits as OTP's logs do, in bit order") {
    CHECK(flags::names(0) == "");
    CHECK(flags::names(flags::published) == "PUBLISHED");
    CHECK(flags::names(flags::v4_nc | flags::unlink_id) == "UNLINK_ID,V4_NC");
    CHECK(flags::names(flags::mandatory_25) ==
          "EXTENDED_REFERENCES,FUN_TAGS,NEW_FUN_TAGS,EXTENDED_PIDS_PORTS,EXPORT_PTR_TAG,BIT_BINARIES,"
          "NEW_FLOATS,UTF8_ATOMS,MAP_TAG,BIG_CREATION,HANDSHAKE_23");
    CHECK(flags::names(flags::altact_sig | flags::alias | flags::spawn | flags::name_me) ==
          "SPAWN,NAME_ME,ALIAS,ALTACT_SIG");
    CHECK(flags::names(flags::mandatory_25_digest) == "MANDATORY_25_DIGEST");
    // Bits without a name are left out.
    CHECK(flags::names(flags::type{1} << 63) == "");
    CHECK(flags::names((flags::type{1} << 63) | flags::published) == "PUBLISHED");
  }

  TEST_CASE("flags: every named bit has a name of its own") {
    for (int bit = 0; bit < 64; ++bit) {
      CAPTURE(bit);
      auto const n = flags::names(flags::type{1} << bit);
      CHECK(n.find(',') == std::string::npos);
    }
    // 30 names in the table: 0..26 except 15 (ETS_COMPRESSED) and 21 (PENDING_CONNECT),
    // plus 32..35 and 37.
    std::string all = flags::names(~flags::type{0});
    std::size_t commas = 0;
    for (char c : all) commas += c == ',';
    CHECK(commas + 1 == 30);
  }
}
