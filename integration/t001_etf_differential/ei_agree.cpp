// ei_agree: decodes every term of a file with enode and walks the same bytes with
// erl_interface (ei), the reference C implementation, and checks that both read the
// same term, structurally: same types, integers, float bits, atom names, bytes, bit
// counts, pid/port/reference fields, arities, map entries and list tails.
//
// usage: enode_ei_agree FILE
// FILE holds terms as 4-byte big-endian lengths, each followed by that many bytes of an
// uncompressed external-format term (version byte 131 first).
// Prints `ei_agree: N terms, M mismatches` and exits with status 1 if M > 0.

#include <enode/term/decode.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/integer.hpp>
#include <enode/term/print.hpp>

#include <ei.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace t = enode::term;

constexpr std::size_t max_reports_per_term = 3;
constexpr std::size_t max_terms_reported = 10;

std::string shorten(std::string s, std::size_t n = 200) {
  if (s.size() > n) {
    s.resize(n);
    s += "...";
  }
  return s;
}

std::string hex(std::span<char const> bytes, std::size_t n = 64) {
  std::string out;
  char b[8];
  for (std::size_t i = 0; i < bytes.size() && i < n; ++i) {
    std::snprintf(b, sizeof b, "%s%u", i ? "," : "", static_cast<unsigned>(static_cast<unsigned char>(bytes[i])));
    out += b;
  }
  if (bytes.size() > n) out += ",...";
  return "<<" + out + ">>";
}

// Text from ei for a report, with control characters escaped.
std::string printable(std::string_view s) {
  std::string out;
  char b[8];
  for (char ch : s) {
    auto const c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      std::snprintf(b, sizeof b, "\\x%02X", static_cast<unsigned>(c));
      out += b;
    } else {
      out += ch;
    }
  }
  return shorten(out);
}

// Walks one buffer with ei in step with an enode value and records where they disagree.
class walker {
public:
  explicit walker(std::vector<std::string>& problems) : problems_(problems) {}

  // Walks the term at buf[idx] (advancing idx past it) against v.
  void term(char const* buf, int& idx, t::value const& v, std::string const& path) {
    int const start = idx;
    int type = 0, size = 0;
    if (ei_get_type(buf, &idx, &type, &size) < 0) return fail_skip(buf, idx, start, path, "ei_get_type failed");
    auto const raw = static_cast<unsigned char>(buf[idx]); // the tag itself
    switch (raw) {
      case ERL_SMALL_INTEGER_EXT:
      case ERL_INTEGER_EXT: {
        long l = 0;
        if (ei_decode_long(buf, &idx, &l) < 0) return fail_skip(buf, idx, start, path, "ei_decode_long failed");
        if (!v.is_small() || v.as_int() != l)
          return report(path, "ei reads integer " + std::to_string(l) + ", enode " + show(v));
        return;
      }
      case ERL_SMALL_BIG_EXT:
      case ERL_LARGE_BIG_EXT: return big(buf, idx, v, path);
      case ERL_FLOAT_EXT:
      case NEW_FLOAT_EXT: {
        double d = 0;
        if (ei_decode_double(buf, &idx, &d) < 0) return fail_skip(buf, idx, start, path, "ei_decode_double failed");
        if (!v.is_float() || std::bit_cast<std::uint64_t>(v.as_float()) != std::bit_cast<std::uint64_t>(d)) {
          char b[64];
          std::snprintf(b, sizeof b, "%.17g (bits %016llx)", d,
                        static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(d)));
          return report(path, std::string("ei reads float ") + b + ", enode " + show(v));
        }
        return;
      }
      case ERL_ATOM_EXT:
      case ERL_SMALL_ATOM_EXT:
      case ERL_ATOM_UTF8_EXT:
      case ERL_SMALL_ATOM_UTF8_EXT: {
        std::string name;
        if (!atom(buf, idx, name)) return fail_skip(buf, idx, start, path, "ei_decode_atom_as failed");
        if (!v.is_atom() || v.as_atom().name() != name)
          return report(path, "ei reads atom '" + printable(name) + "', enode " + show(v));
        return;
      }
      case ERL_SMALL_TUPLE_EXT:
      case ERL_LARGE_TUPLE_EXT: {
        int arity = 0;
        if (ei_decode_tuple_header(buf, &idx, &arity) < 0)
          return fail_skip(buf, idx, start, path, "ei_decode_tuple_header failed");
        if (!v.is_tuple() || v.arity() != static_cast<std::size_t>(arity)) {
          report(path, "ei reads a tuple of " + std::to_string(arity) + " elements, enode " + show(v));
          return skip_rest(buf, idx, start);
        }
        for (int i = 0; i < arity; ++i)
          term(buf, idx, v[static_cast<std::size_t>(i)], path + "/" + std::to_string(i + 1));
        return;
      }
      case ERL_NIL_EXT:
      case ERL_STRING_EXT:
      case ERL_LIST_EXT: return list(buf, idx, v, path);
      case ERL_MAP_EXT: return map(buf, idx, v, path);
      case ERL_BINARY_EXT: {
        scratch_.resize(static_cast<std::size_t>(size) + 1);
        long len = 0;
        if (ei_decode_binary(buf, &idx, scratch_.data(), &len) < 0)
          return fail_skip(buf, idx, start, path, "ei_decode_binary failed");
        auto b = std::span<char const>(scratch_.data(), static_cast<std::size_t>(len));
        if (!v.is_binary() || !same_bytes(v.bytes(), b))
          return report(path, "ei reads binary " + hex(b) + ", enode " + show(v));
        return;
      }
      case ERL_BIT_BINARY_EXT: {
        char const* p = nullptr;
        unsigned int bitoffs = 0;
        std::size_t nbits = 0;
        if (ei_decode_bitstring(buf, &idx, &p, &bitoffs, &nbits) < 0)
          return fail_skip(buf, idx, start, path, "ei_decode_bitstring failed");
        if (bitoffs != 0) return report(path, "ei reports a bit offset " + std::to_string(bitoffs));
        std::string const what = "ei reads a bitstring of " + std::to_string(nbits) + " bits " +
                                 hex({p, (nbits + 7) / 8}) + ", enode " + show(v);
        if (!v.is_bitstring()) return report(path, what);
        t::binary b = v.as_binary();
        if (b.bit_size() != nbits || !same_bits(b.bytes(), p, nbits)) return report(path, what);
        return;
      }
      case ERL_PID_EXT:
      case ERL_NEW_PID_EXT: {
        erlang_pid p;
        if (ei_decode_pid(buf, &idx, &p) < 0) return fail_skip(buf, idx, start, path, "ei_decode_pid failed");
        check_pid(p, v, path);
        return;
      }
      case ERL_PORT_EXT:
      case ERL_NEW_PORT_EXT:
      case ERL_V4_PORT_EXT: {
        erlang_port p;
        if (ei_decode_port(buf, &idx, &p) < 0) return fail_skip(buf, idx, start, path, "ei_decode_port failed");
        std::string const what = "ei reads port " + printable(p.node) + " id " + std::to_string(p.id) + " creation " +
                                 std::to_string(p.creation) + ", enode " + show(v);
        if (!v.is_port()) return report(path, what);
        auto const& q = v.as_port();
        if (q.node.name() != p.node || q.id != p.id || q.creation != p.creation) return report(path, what);
        return;
      }
      case ERL_REFERENCE_EXT:
      case ERL_NEW_REFERENCE_EXT:
      case ERL_NEWER_REFERENCE_EXT: {
        erlang_ref r;
        if (ei_decode_ref(buf, &idx, &r) < 0) return fail_skip(buf, idx, start, path, "ei_decode_ref failed");
        std::string what =
            "ei reads reference " + printable(r.node) + " creation " + std::to_string(r.creation) + " words";
        for (int i = 0; i < r.len; ++i) what += " " + std::to_string(r.n[i]);
        what += ", enode " + show(v);
        if (!v.is_reference()) return report(path, what);
        auto const& q = v.as_reference();
        bool same = q.node.name() == r.node && q.creation == r.creation && q.size == r.len;
        for (int i = 0; same && i < r.len; ++i) same = q.words[static_cast<std::size_t>(i)] == r.n[i];
        if (!same) return report(path, what);
        return;
      }
      case ERL_NEW_FUN_EXT:
      case ERL_EXPORT_EXT:
      case ERL_FUN_EXT: return fun(buf, idx, v, path);
      default: return fail_skip(buf, idx, start, path, "tag " + std::to_string(raw) + " not handled by this walker");
    }
  }

private:
  static std::string show(t::value const& v) { return shorten(t::to_string(v)); }

  static bool same_bytes(std::span<std::byte const> a, std::span<char const> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
  }

  static bool same_bits(std::span<std::byte const> a, char const* p, std::size_t nbits) {
    std::size_t const full = nbits / 8;
    if (full && std::memcmp(a.data(), p, full) != 0) return false;
    if (unsigned rem = static_cast<unsigned>(nbits % 8)) {
      unsigned const mask = (0xFFu << (8 - rem)) & 0xFFu;
      if ((std::to_integer<unsigned>(a[full]) & mask) != (static_cast<unsigned char>(p[full]) & mask)) return false;
    }
    return true;
  }

  void report(std::string const& path, std::string const& what) {
    if (problems_.size() < max_reports_per_term) problems_.push_back((path.empty() ? "/" : path) + ": " + what);
  }

  // An ei call failed (or the shapes disagree): note it and skip the term with ei so
  // that the walk can go on with the next one.
  void fail_skip(char const* buf, int& idx, int start, std::string const& path, std::string const& what) {
    report(path, what);
    skip_rest(buf, idx, start);
  }
  static void skip_rest(char const* buf, int& idx, int start) {
    idx = start;
    if (ei_skip_term(buf, &idx) < 0) throw std::runtime_error("ei_skip_term failed");
  }

  // Atoms: ei converts to UTF-8 into a NUL-terminated buffer; names may hold NULs, so
  // the length comes from the encoded size (Latin-1 bytes above 127 take two bytes).
  bool atom(char const* buf, int& idx, std::string& name) {
    auto const tag = static_cast<unsigned char>(buf[idx]);
    bool const small = tag == ERL_SMALL_ATOM_EXT || tag == ERL_SMALL_ATOM_UTF8_EXT;
    bool const latin1 = tag == ERL_SMALL_ATOM_EXT || tag == ERL_ATOM_EXT;
    auto const* u = reinterpret_cast<unsigned char const*>(buf + idx + 1);
    std::size_t const n = small ? u[0] : (std::size_t{u[0]} << 8 | u[1]);
    unsigned char const* chars = u + (small ? 1 : 2);
    std::size_t len = n;
    if (latin1)
      for (std::size_t i = 0; i < n; ++i) len += chars[i] >= 0x80;
    char out[MAXATOMLEN_UTF8];
    erlang_char_encoding was{}, result{};
    if (ei_decode_atom_as(buf, &idx, out, sizeof out, ERLANG_UTF8, &was, &result) < 0) return false;
    if (len >= sizeof out) return false;
    name.assign(out, len);
    return true;
  }

  void big(char const* buf, int& idx, t::value const& v, std::string const& path) {
    int const start = idx;
    int end = idx;
    if (ei_skip_term(buf, &end) < 0) throw std::runtime_error("ei_skip_term failed");
    long long ll = 0;
    unsigned long long ull = 0;
    int j = idx;
    if (ei_decode_longlong(buf, &j, &ll) == 0) {
      idx = j;
      if (!v.is_small() || v.as_int() != ll)
        report(path, "ei reads integer " + std::to_string(ll) + ", enode " + show(v));
      return;
    }
    j = idx;
    if (ei_decode_ulonglong(buf, &j, &ull) == 0) {
      idx = j;
      if (!v.is_integer() || t::to_big_int(v) != t::big_int(ull))
        report(path, "ei reads integer " + std::to_string(ull) + ", enode " + show(v));
      return;
    }
    // A bignum beyond 64 bits: ei reports its size only, so compare enode's encoding of
    // the value with the bytes that ei skips over (BEAM writes bignums minimally).
    idx = end;
    int type = 0, digits = 0;
    int k = start;
    ei_get_type(buf, &k, &type, &digits);
    std::span<char const> raw(buf + start, static_cast<std::size_t>(end - start));
    std::string const what =
        "ei reads a bignum of " + std::to_string(digits) + " bytes " + hex(raw, 24) + ", enode " + show(v);
    if (!v.is_integer() || v.is_small()) return report(path, what);
    std::vector<std::byte> enc(t::encoded_size(v));
    enc.resize(t::encode_body(v, enc));
    if (!same_bytes(enc, raw)) report(path, what);
  }

  // A list in ei's terms: LIST_EXT headers, elements and a tail, where the tail may
  // itself be a list (enode splices such tails into one list), or STRING_EXT, or NIL_EXT.
  void list(char const* buf, int& idx, t::value const& v, std::string const& path) {
    int const start = idx;
    if (!v.is_list()) {
      report(path, "ei reads a list " + hex({buf + idx, 16}, 16) + ", enode " + show(v));
      return skip_rest(buf, idx, start);
    }
    auto const elems = v.list_elements();
    std::size_t pos = 0;
    auto const mismatch = [&](std::string const& what) {
      report(path, what + "; enode " + show(v));
      skip_rest(buf, idx, start);
    };
    while (true) {
      int type = 0, size = 0;
      if (ei_get_type(buf, &idx, &type, &size) < 0) return mismatch("ei_get_type failed in a list");
      auto const tag = static_cast<unsigned char>(buf[idx]);
      if (tag == ERL_NIL_EXT) {
        int n = 0;
        if (ei_decode_list_header(buf, &idx, &n) < 0 || n != 0) return mismatch("ei_decode_list_header failed on []");
        if (pos != elems.size() || !v.list_tail().is_nil())
          return mismatch("ei reads a proper list of " + std::to_string(pos) + " elements");
        return;
      }
      if (tag == ERL_STRING_EXT) {
        scratch_.resize(static_cast<std::size_t>(size) + 1);
        if (ei_decode_string(buf, &idx, scratch_.data()) < 0) return mismatch("ei_decode_string failed");
        if (pos + static_cast<std::size_t>(size) != elems.size() || !v.list_tail().is_nil())
          return mismatch("ei reads a string of " + std::to_string(size) + " bytes after " + std::to_string(pos) +
                          " elements");
        for (int i = 0; i < size; ++i, ++pos) {
          auto const c = static_cast<unsigned char>(scratch_[static_cast<std::size_t>(i)]);
          if (!elems[pos].is_small() || elems[pos].as_int() != c)
            return report(path + "/" + std::to_string(pos + 1),
                          "ei reads string character " + std::to_string(c) + ", enode " + show(elems[pos]));
        }
        return;
      }
      if (tag != ERL_LIST_EXT) {
        // The improper tail.
        if (pos != elems.size() || v.list_tail().is_nil())
          return mismatch("ei reads an improper list of " + std::to_string(pos) + " elements");
        return term(buf, idx, v.list_tail(), path + "/tail");
      }
      int n = 0;
      if (ei_decode_list_header(buf, &idx, &n) < 0) return mismatch("ei_decode_list_header failed");
      if (pos + static_cast<std::size_t>(n) > elems.size())
        return mismatch("ei reads a list of at least " + std::to_string(pos + static_cast<std::size_t>(n)) +
                        " elements");
      for (int i = 0; i < n; ++i, ++pos) term(buf, idx, elems[pos], path + "/" + std::to_string(pos + 1));
    }
  }

  // Maps: ei sees entries in wire order, enode keeps them sorted by key. Each key ei
  // walks is decoded on its own with enode and looked up in enode's map.
  void map(char const* buf, int& idx, t::value const& v, std::string const& path) {
    int const start = idx;
    int n = 0;
    if (ei_decode_map_header(buf, &idx, &n) < 0) return fail_skip(buf, idx, start, path, "ei_decode_map_header failed");
    if (!v.is_map() || v.map_entries().size() != static_cast<std::size_t>(n)) {
      report(path, "ei reads a map of " + std::to_string(n) + " entries, enode " + show(v));
      return skip_rest(buf, idx, start);
    }
    auto const entries = v.map_entries();
    std::vector<bool> seen(entries.size());
    for (int i = 0; i < n; ++i) {
      int const key_start = idx;
      int key_end = idx;
      if (ei_skip_term(buf, &key_end) < 0) throw std::runtime_error("ei_skip_term failed");
      auto const key_bytes = std::span<std::byte const>(reinterpret_cast<std::byte const*>(buf + key_start),
                                                        static_cast<std::size_t>(key_end - key_start));
      auto key = t::decode_prefix(key_bytes, false);
      std::string const kpath = path + "/#" + std::to_string(i + 1);
      if (!key || key->size != key_bytes.size()) {
        report(kpath, "enode cannot decode the key " + hex({buf + key_start, key_bytes.size()}) + " on its own");
        idx = key_end;
        if (ei_skip_term(buf, &idx) < 0) throw std::runtime_error("ei_skip_term failed");
        continue;
      }
      auto it = std::lower_bound(entries.begin(), entries.end(), key->term,
                                 [](t::map_entry const& e, t::value const& k) { return e.key < k; });
      if (it == entries.end() || !(it->key == key->term)) {
        report(kpath, "key " + show(key->term) + " is not in enode's map " + show(v));
        idx = key_end;
        if (ei_skip_term(buf, &idx) < 0) throw std::runtime_error("ei_skip_term failed");
        continue;
      }
      auto const at = static_cast<std::size_t>(it - entries.begin());
      if (seen[at]) report(kpath, "key " + show(key->term) + " appears twice");
      seen[at] = true;
      std::string const vpath = path + "/" + shorten(show(it->key), 40);
      term(buf, idx, it->key, vpath + "(key)");
      term(buf, idx, it->val, vpath);
    }
  }

  void check_pid(erlang_pid const& p, t::value const& v, std::string const& path) {
    std::string const what = "ei reads pid " + printable(p.node) + " " + std::to_string(p.num) + "." +
                             std::to_string(p.serial) + " creation " + std::to_string(p.creation) + ", enode " +
                             show(v);
    if (!v.is_pid()) return report(path, what);
    auto const& q = v.as_pid();
    if (q.node.name() != p.node || q.id != p.num || q.serial != p.serial || q.creation != p.creation)
      report(path, what);
  }

  void fun(char const* buf, int& idx, t::value const& v, std::string const& path) {
    int const start = idx;
    erlang_fun f;
    if (ei_decode_fun(buf, &idx, &f) < 0) return fail_skip(buf, idx, start, path, "ei_decode_fun failed");
    struct guard {
      erlang_fun& f;
      ~guard() { free_fun(&f); }
    } g{f};
    // ei's names are NUL-terminated, atoms may hold NULs: read the names again, whole.
    std::string module, function;
    if (f.type == erlang_fun::EI_FUN_EXPORT) {
      int j = start + 1;
      if (!atom(buf, j, module) || !atom(buf, j, function)) return report(path, "ei_decode_atom_as failed in a fun");
      if (module.size() != std::strlen(f.module) || std::memcmp(module.data(), f.module, module.size()) != 0 ||
          function.size() != std::strlen(f.u.exprt.func) ||
          std::memcmp(function.data(), f.u.exprt.func, function.size()) != 0)
        if (module.find('\0') == std::string::npos && function.find('\0') == std::string::npos)
          return report(path, "ei_decode_fun and ei_decode_atom_as disagree on fun " + printable(module) + ":" +
                                  printable(function));
      std::string const what = "ei reads fun " + printable(module) + ":" + printable(function) + "/" +
                               std::to_string(f.arity) + ", enode " + show(v);
      if (!v.is_external_fun()) return report(path, what);
      auto const& e = v.as_external_fun();
      if (e.module.name() != module || e.function.name() != function || e.arity != f.arity) report(path, what);
      return;
    }
    {
      int j = start + 1 + 4 + 1 + 16 + 4 + 4; // tag, size, arity, uniq, index, free count
      if (!atom(buf, j, module)) return report(path, "ei_decode_atom_as failed in a fun");
    }
    auto const& c = f.u.closure;
    std::string const what = "ei reads a local fun of " + printable(module) + " arity " + std::to_string(f.arity) +
                             " index " + std::to_string(c.index) + " old index " + std::to_string(c.old_index) +
                             " old uniq " + std::to_string(c.uniq) + " with " + std::to_string(c.n_free_vars) +
                             " free variables, enode " + show(v);
    if (!v.is_fun() || v.is_external_fun()) return report(path, what);
    auto const& e = v.as_fun();
    if (e.module.name() != module || e.arity != f.arity || e.index != static_cast<std::uint32_t>(c.index) ||
        std::memcmp(e.uniq.data(), c.md5, 16) != 0 || !e.old_index.is_small() || e.old_index.as_int() != c.old_index ||
        !e.old_uniq.is_small() || e.old_uniq.as_int() != c.uniq ||
        e.free_vars.size() != static_cast<std::size_t>(c.n_free_vars))
      return report(path, what);
    check_pid(c.pid, e.pid, path + "/pid");
    // ei hands the free variables over as raw bytes: walk them too.
    int j = 0;
    for (std::size_t i = 0; i < e.free_vars.size(); ++i)
      term(c.free_vars, j, e.free_vars[i], path + "/env/" + std::to_string(i + 1));
    if (j != c.free_var_len)
      report(path, "free variables take " + std::to_string(c.free_var_len) + " bytes, walked " + std::to_string(j));
  }

  std::vector<std::string>& problems_;
  std::vector<char> scratch_;
};

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "ei_agree: cannot open %s\n", argv[1]);
    return 2;
  }
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ei_init();

  std::size_t terms = 0, mismatches = 0, reported = 0;
  std::size_t off = 0;
  while (off < data.size()) {
    if (data.size() - off < 4) {
      std::fprintf(stderr, "ei_agree: file ends inside a length prefix\n");
      return 2;
    }
    auto const* u = reinterpret_cast<unsigned char const*>(data.data() + off);
    std::size_t const len = std::size_t{u[0]} << 24 | std::size_t{u[1]} << 16 | std::size_t{u[2]} << 8 | u[3];
    off += 4;
    if (data.size() - off < len) {
      std::fprintf(stderr, "ei_agree: file ends inside term %zu\n", terms + 1);
      return 2;
    }
    char const* buf = data.data() + off;
    off += len;
    ++terms;

    std::vector<std::string> problems;
    t::decode_failure failure;
    auto v = t::decode(std::span<std::byte const>(reinterpret_cast<std::byte const*>(buf), len), {}, &failure);
    int idx = 0, version = 0;
    if (ei_decode_version(buf, &idx, &version) < 0 || version != 131) {
      problems.push_back("ei_decode_version failed");
    } else if (!v) {
      problems.push_back("enode cannot decode it: " + failure.code.message() + " at byte " +
                         std::to_string(failure.offset));
    } else {
      try {
        walker w(problems);
        w.term(buf, idx, *v, "");
        if (static_cast<std::size_t>(idx) != len)
          problems.push_back("ei walked " + std::to_string(idx) + " of " + std::to_string(len) + " bytes");
      } catch (std::exception const& e) {
        problems.push_back(std::string("walk aborted: ") + e.what());
      }
    }
    if (!problems.empty()) {
      ++mismatches;
      if (reported++ < max_terms_reported) {
        std::printf("term %zu (%zu bytes) %s:\n", terms, len, hex({buf, len}, 48).c_str());
        for (auto const& p : problems) std::printf("  %s\n", p.c_str());
      }
    }
  }
  std::printf("ei_agree: %zu terms, %zu mismatches\n", terms, mismatches);
  return mismatches ? 1 : 0;
}
