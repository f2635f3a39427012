#include <enode/term/error.hpp>

#include <string>

namespace enode::term {
namespace {

class category final : public error_category {
public:
  char const* name() const noexcept override { return "enode.term"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::need_more: return "input ends inside a term";
      case error::bad_version: return "missing version byte 131";
      case error::bad_tag: return "unknown or misplaced tag";
      case error::bad_length: return "length exceeds the remaining input";
      case error::too_deep: return "term nested too deeply";
      case error::bad_utf8: return "atom is not valid UTF-8";
      case error::atom_too_long: return "atom longer than 255 characters";
      case error::atom_table_full: return "atom table full";
      case error::unknown_atom: return "atom does not exist";
      case error::trailing_bytes: return "bytes left after the term";
      case error::bad_float: return "invalid float";
      case error::bad_bitstring: return "invalid bit count in bitstring";
      case error::duplicate_map_key: return "map key repeated";
      case error::bad_compression: return "invalid compressed term";
      case error::too_large: return "compressed term inflates past the size limit";
      case error::bad_atom_cache_ref: return "atom cache reference without a cached atom";
      case error::local_ext: return "LOCAL_EXT is node-local and cannot be decoded";
      case error::bad_reference: return "reference with a bad number of words";
      case error::bad_fun: return "malformed fun";
      case error::expected_atom: return "expected an atom";
      case error::syntax_error: return "syntax error";
    }
    return "unknown term error";
  }
};

} // namespace

error_category const& term_category() noexcept {
  static category const c;
  return c;
}

} // namespace enode::term
