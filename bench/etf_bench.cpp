// enode_bench_etf: the ETF codec of enode against erl_interface (ei), on one corpus.
//
// usage: enode_bench_etf [--runs N] [--min-time SECONDS] CORPUS.etf...
// A corpus holds terms as 4-byte big-endian lengths, each followed by that many bytes of
// an uncompressed external-format term (version byte 131 first); bench/etf_corpus.escript
// writes one. For each corpus, in one process and on the same bytes, it times:
//
//   ei decode     a full walk of every term with ei_get_type and ei_decode_*, every value
//                 extracted into locals (atoms into a char buffer, binaries and strings
//                 copied into a scratch buffer, pids/ports/refs into their structs);
//   enode decode  enode::term::decode of each term, held in a term::binary as the node
//                 receives it, into a navigable term::value, then its destruction;
//   ei encode     the same bytes rebuilt with ei_x_encode_* calls driven by a flat list of
//                 encode instructions prepared beforehand, into an ei_x_buff that is reset,
//                 not reallocated, between terms;
//   enode encode  encoded_size + encode_body of the decoded values into a preallocated buffer.
//
// Before timing it checks that both encoders rebuild the corpus byte for byte (enode
// sorts map keys, so maps of more than 32 keys, which BEAM writes in hash order, are
// checked by decoding instead). Each figure is the best of --runs runs (default 5), each
// run repeating the whole corpus for at least --min-time seconds (default 0.5).
// --only NAME ("ei decode", "enode decode", "ei encode", "enode encode") runs just that
// one for --runs x --min-time seconds and prints no figures: a target for a profiler.

#include <enode/term/decode.hpp>
#include <enode/term/encode.hpp>

#include <ei.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace t = enode::term;

[[noreturn]] void die(std::string const& msg) {
  std::fprintf(stderr, "enode_bench_etf: %s\n", msg.c_str());
  std::exit(1);
}

struct corpus {
  std::string path;
  std::vector<char> data;
  std::vector<std::span<char const>> terms;
  std::size_t bytes = 0;
  std::size_t max_term = 0;
};

corpus load(std::string const& path) {
  corpus c;
  c.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot open " + path);
  c.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::size_t off = 0;
  while (off < c.data.size()) {
    if (c.data.size() - off < 4) die(path + ": truncated length prefix");
    auto const* u = reinterpret_cast<unsigned char const*>(c.data.data() + off);
    std::size_t const len = std::size_t{u[0]} << 24 | std::size_t{u[1]} << 16 | std::size_t{u[2]} << 8 | u[3];
    off += 4;
    if (c.data.size() - off < len) die(path + ": truncated term");
    if (len < 2 || static_cast<unsigned char>(c.data[off]) != 131) die(path + ": a term without version byte 131");
    if (static_cast<unsigned char>(c.data[off + 1]) == 80) die(path + ": compressed terms are not supported");
    c.terms.emplace_back(c.data.data() + off, len);
    c.bytes += len;
    c.max_term = std::max(c.max_term, len);
    off += len;
  }
  if (c.terms.empty()) die(path + ": no terms");
  return c;
}

std::span<std::byte const> as_bytes(std::span<char const> s) {
  return {reinterpret_cast<std::byte const*>(s.data()), s.size()};
}

// --- ei decode: a full walk -----------------------------------------------------------

struct ei_walker {
  std::vector<char> scratch;
  std::uint64_t sink = 0;

  void walk(char const* b, int* i) {
    int type = 0, size = 0;
    if (ei_get_type(b, i, &type, &size) < 0) die("ei_get_type failed");
    int rc = 0;
    switch (static_cast<unsigned char>(b[*i])) {
      case ERL_SMALL_INTEGER_EXT:
      case ERL_INTEGER_EXT: {
        long l = 0;
        rc = ei_decode_long(b, i, &l);
        sink += static_cast<std::uint64_t>(l);
        break;
      }
      case ERL_SMALL_BIG_EXT:
      case ERL_LARGE_BIG_EXT: {
        long long ll = 0;
        unsigned long long ull = 0;
        int j = *i;
        if (ei_decode_longlong(b, &j, &ll) == 0) {
          sink += static_cast<std::uint64_t>(ll);
        } else if (j = *i; ei_decode_ulonglong(b, &j, &ull) == 0) {
          sink += ull;
        } else {
          rc = ei_skip_term(b, &j); // beyond 64 bits: ei offers nothing short of GMP
        }
        *i = j;
        break;
      }
      case ERL_FLOAT_EXT:
      case NEW_FLOAT_EXT: {
        double d = 0;
        rc = ei_decode_double(b, i, &d);
        sink += static_cast<std::uint64_t>(d);
        break;
      }
      case ERL_ATOM_EXT:
      case ERL_SMALL_ATOM_EXT:
      case ERL_ATOM_UTF8_EXT:
      case ERL_SMALL_ATOM_UTF8_EXT: {
        char name[MAXATOMLEN_UTF8];
        erlang_char_encoding was{}, res{};
        rc = ei_decode_atom_as(b, i, name, sizeof name, ERLANG_UTF8, &was, &res);
        sink += static_cast<unsigned char>(name[0]);
        break;
      }
      case ERL_SMALL_TUPLE_EXT:
      case ERL_LARGE_TUPLE_EXT: {
        int arity = 0;
        rc = ei_decode_tuple_header(b, i, &arity);
        for (int k = 0; k < arity; ++k) walk(b, i);
        break;
      }
      case ERL_NIL_EXT: {
        int n = 0;
        rc = ei_decode_list_header(b, i, &n);
        break;
      }
      case ERL_STRING_EXT:
        rc = ei_decode_string(b, i, scratch.data());
        sink += static_cast<unsigned char>(scratch[0]);
        break;
      case ERL_LIST_EXT: {
        int n = 0;
        rc = ei_decode_list_header(b, i, &n);
        for (int k = 0; k < n; ++k) walk(b, i);
        walk(b, i); // the tail
        break;
      }
      case ERL_MAP_EXT: {
        int n = 0;
        rc = ei_decode_map_header(b, i, &n);
        for (int k = 0; k < 2 * n; ++k) walk(b, i);
        break;
      }
      case ERL_BINARY_EXT: {
        long len = 0;
        rc = ei_decode_binary(b, i, scratch.data(), &len);
        sink += static_cast<std::uint64_t>(len);
        break;
      }
      case ERL_BIT_BINARY_EXT: {
        char const* p = nullptr;
        unsigned int off = 0;
        std::size_t bits = 0;
        rc = ei_decode_bitstring(b, i, &p, &off, &bits);
        std::memcpy(scratch.data(), p, (bits + 7) / 8);
        sink += bits;
        break;
      }
      case ERL_PID_EXT:
      case ERL_NEW_PID_EXT: {
        erlang_pid p;
        rc = ei_decode_pid(b, i, &p);
        sink += p.num;
        break;
      }
      case ERL_PORT_EXT:
      case ERL_NEW_PORT_EXT:
      case ERL_V4_PORT_EXT: {
        erlang_port p;
        rc = ei_decode_port(b, i, &p);
        sink += p.id;
        break;
      }
      case ERL_REFERENCE_EXT:
      case ERL_NEW_REFERENCE_EXT:
      case ERL_NEWER_REFERENCE_EXT: {
        erlang_ref r;
        rc = ei_decode_ref(b, i, &r);
        sink += r.n[0];
        break;
      }
      case ERL_NEW_FUN_EXT:
      case ERL_EXPORT_EXT: {
        erlang_fun f;
        rc = ei_decode_fun(b, i, &f);
        if (rc == 0 && f.type == erlang_fun::EI_FUN_CLOSURE) {
          int j = 0;
          for (long k = 0; k < f.u.closure.n_free_vars; ++k) walk(f.u.closure.free_vars, &j);
        }
        if (rc == 0) free_fun(&f);
        break;
      }
      default: die("ei walk: unexpected tag " + std::to_string(static_cast<unsigned char>(b[*i])));
    }
    if (rc < 0) die("ei decode failed");
  }
};

// --- ei encode: a flat list of instructions ---------------------------------------------

enum class opk : std::uint8_t {
  long_,
  longlong,
  ulonglong,
  double_,
  atom,
  string,
  binary,
  bitstring,
  tuple,
  list,
  nil,
  map,
  pid,
  port,
  ref,
  fun,
  raw,
};

struct op {
  opk k;
  std::size_t n = 0; // length, arity, bit count
  char const* p = nullptr;
  long long i = 0;
  unsigned long long u = 0;
  double d = 0;
};

struct ei_program {
  std::vector<op> ops;
  std::vector<std::size_t> starts; // per term, into ops; one past the end last
  std::deque<std::string> atoms;
  std::deque<erlang_pid> pids;
  std::deque<erlang_port> ports;
  std::deque<erlang_ref> refs;
  std::deque<erlang_fun> funs;

  // Decodes a pid, port, ref or fun into `store` (a deque: its elements stay put) and
  // points the instruction at it.
  template <class T, class Decode>
  static int keep(std::deque<T>& store, Decode decode, char const* b, int* i, op& o, opk kind) {
    int const rc = decode(b, i, &store.emplace_back());
    o.k = kind;
    o.p = reinterpret_cast<char const*>(&store.back());
    return rc;
  }
  std::size_t raw_bignums = 0;

  ei_program() = default;
  ei_program(ei_program const&) = delete;
  ei_program& operator=(ei_program const&) = delete;
  ~ei_program() {
    for (auto& f : funs) free_fun(&f);
  }

  void compile(char const* b, int* i) {
    int type = 0, size = 0;
    if (ei_get_type(b, i, &type, &size) < 0) die("ei_get_type failed");
    int const start = *i;
    int rc = 0;
    op o{};
    switch (static_cast<unsigned char>(b[*i])) {
      case ERL_SMALL_INTEGER_EXT:
      case ERL_INTEGER_EXT: {
        long l = 0;
        rc = ei_decode_long(b, i, &l);
        o.k = opk::long_;
        o.i = l;
        break;
      }
      case ERL_SMALL_BIG_EXT:
      case ERL_LARGE_BIG_EXT: {
        int j = *i;
        if (ei_decode_longlong(b, &j, &o.i) == 0) {
          o.k = opk::longlong;
        } else if (j = *i; ei_decode_ulonglong(b, &j, &o.u) == 0) {
          o.k = opk::ulonglong;
        } else {
          rc = ei_skip_term(b, &j);
          o.k = opk::raw;
          o.p = b + start;
          o.n = static_cast<std::size_t>(j - start);
          ++raw_bignums;
        }
        *i = j;
        break;
      }
      case ERL_FLOAT_EXT:
      case NEW_FLOAT_EXT:
        rc = ei_decode_double(b, i, &o.d);
        o.k = opk::double_;
        break;
      case ERL_ATOM_EXT:
      case ERL_SMALL_ATOM_EXT:
      case ERL_ATOM_UTF8_EXT:
      case ERL_SMALL_ATOM_UTF8_EXT: {
        char name[MAXATOMLEN_UTF8];
        erlang_char_encoding was{}, res{};
        rc = ei_decode_atom_as(b, i, name, sizeof name, ERLANG_UTF8, &was, &res);
        atoms.emplace_back(name);
        o.k = opk::atom;
        o.p = atoms.back().data();
        o.n = atoms.back().size();
        break;
      }
      case ERL_SMALL_TUPLE_EXT:
      case ERL_LARGE_TUPLE_EXT: {
        int arity = 0;
        rc = ei_decode_tuple_header(b, i, &arity);
        ops.push_back({opk::tuple, static_cast<std::size_t>(arity)});
        for (int k = 0; k < arity; ++k) compile(b, i);
        if (rc < 0) die("ei decode failed");
        return;
      }
      case ERL_NIL_EXT: {
        int n = 0;
        rc = ei_decode_list_header(b, i, &n);
        o.k = opk::nil;
        break;
      }
      case ERL_STRING_EXT:
        o.k = opk::string;
        o.p = b + start + 3;
        o.n = static_cast<std::size_t>(size);
        rc = ei_skip_term(b, i);
        break;
      case ERL_LIST_EXT: {
        int n = 0;
        rc = ei_decode_list_header(b, i, &n);
        ops.push_back({opk::list, static_cast<std::size_t>(n)});
        for (int k = 0; k < n; ++k) compile(b, i);
        compile(b, i);
        if (rc < 0) die("ei decode failed");
        return;
      }
      case ERL_MAP_EXT: {
        int n = 0;
        rc = ei_decode_map_header(b, i, &n);
        ops.push_back({opk::map, static_cast<std::size_t>(n)});
        for (int k = 0; k < 2 * n; ++k) compile(b, i);
        if (rc < 0) die("ei decode failed");
        return;
      }
      case ERL_BINARY_EXT:
        o.k = opk::binary;
        o.p = b + start + 5;
        o.n = static_cast<std::size_t>(size);
        rc = ei_skip_term(b, i);
        break;
      case ERL_BIT_BINARY_EXT: {
        unsigned int off = 0;
        rc = ei_decode_bitstring(b, i, &o.p, &off, &o.n);
        o.k = opk::bitstring;
        break;
      }
      case ERL_PID_EXT:
      case ERL_NEW_PID_EXT: rc = keep(pids, ei_decode_pid, b, i, o, opk::pid); break;
      case ERL_PORT_EXT:
      case ERL_NEW_PORT_EXT:
      case ERL_V4_PORT_EXT: rc = keep(ports, ei_decode_port, b, i, o, opk::port); break;
      case ERL_REFERENCE_EXT:
      case ERL_NEW_REFERENCE_EXT:
      case ERL_NEWER_REFERENCE_EXT: rc = keep(refs, ei_decode_ref, b, i, o, opk::ref); break;
      case ERL_NEW_FUN_EXT:
      case ERL_EXPORT_EXT: rc = keep(funs, ei_decode_fun, b, i, o, opk::fun); break;
      default: die("ei compile: unexpected tag " + std::to_string(static_cast<unsigned char>(b[*i])));
    }
    if (rc < 0) die("ei decode failed");
    ops.push_back(o);
  }

  void run(std::size_t term, ei_x_buff& x) const {
    x.index = 0;
    int rc = ei_x_encode_version(&x);
    for (std::size_t k = starts[term], end = starts[term + 1]; k < end; ++k) {
      op const& o = ops[k];
      switch (o.k) {
        case opk::long_: rc |= ei_x_encode_long(&x, static_cast<long>(o.i)); break;
        case opk::longlong: rc |= ei_x_encode_longlong(&x, o.i); break;
        case opk::ulonglong: rc |= ei_x_encode_ulonglong(&x, o.u); break;
        case opk::double_: rc |= ei_x_encode_double(&x, o.d); break;
        case opk::atom: rc |= ei_x_encode_atom_len_as(&x, o.p, static_cast<int>(o.n), ERLANG_UTF8, ERLANG_UTF8); break;
        case opk::string: rc |= ei_x_encode_string_len(&x, o.p, static_cast<int>(o.n)); break;
        case opk::binary: rc |= ei_x_encode_binary(&x, o.p, static_cast<int>(o.n)); break;
        case opk::bitstring: rc |= ei_x_encode_bitstring(&x, o.p, 0, o.n); break;
        case opk::tuple: rc |= ei_x_encode_tuple_header(&x, static_cast<long>(o.n)); break;
        case opk::list: rc |= ei_x_encode_list_header(&x, static_cast<long>(o.n)); break;
        case opk::nil: rc |= ei_x_encode_empty_list(&x); break;
        case opk::map: rc |= ei_x_encode_map_header(&x, static_cast<long>(o.n)); break;
        case opk::pid: rc |= ei_x_encode_pid(&x, reinterpret_cast<erlang_pid const*>(o.p)); break;
        case opk::port: rc |= ei_x_encode_port(&x, reinterpret_cast<erlang_port const*>(o.p)); break;
        case opk::ref: rc |= ei_x_encode_ref(&x, reinterpret_cast<erlang_ref const*>(o.p)); break;
        case opk::fun: rc |= ei_x_encode_fun(&x, reinterpret_cast<erlang_fun const*>(o.p)); break;
        case opk::raw: rc |= ei_x_append_buf(&x, o.p, static_cast<int>(o.n)); break;
      }
    }
    if (rc < 0) die("ei encode failed");
  }
};

// --- checks -------------------------------------------------------------------------------

bool has_large_map(t::value const& v) {
  switch (v.type()) {
    case t::kind::map:
      if (v.map_entries().size() > 32) return true;
      for (auto const& e : v.map_entries())
        if (has_large_map(e.key) || has_large_map(e.val)) return true;
      return false;
    case t::kind::tuple:
      for (auto const& x : v.elements())
        if (has_large_map(x)) return true;
      return false;
    case t::kind::list:
      for (auto const& x : v.list_elements())
        if (has_large_map(x)) return true;
      return has_large_map(v.list_tail());
    case t::kind::fun:
      if (v.is_external_fun()) return false;
      for (auto const& x : v.as_fun().free_vars)
        if (has_large_map(x)) return true;
      return false;
    default: return false;
  }
}

std::size_t first_difference(std::span<char const> a, std::span<char const> b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// --- timing ---------------------------------------------------------------------------------

using clock_type = std::chrono::steady_clock;

struct measure {
  char const* name;
  std::function<void()> pass; // one pass over the corpus
  std::size_t iterations = 1;
  double best = std::numeric_limits<double>::infinity(); // seconds per pass
};

double time_passes(measure const& m, std::size_t n) {
  auto const t0 = clock_type::now();
  for (std::size_t k = 0; k < n; ++k) m.pass();
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct figures {
  double decode_ratio = 0;
  double encode_ratio = 0;
};

figures bench(corpus const& c, int runs, double min_time, std::string const& only) {
  std::size_t const n = c.terms.size();

  // Decoded values, for encoding and checks.
  std::vector<t::value> values;
  values.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    t::decode_failure f;
    auto v = t::decode(as_bytes(c.terms[k]), {}, &f);
    if (!v) die(c.path + ": enode cannot decode term " + std::to_string(k + 1) + ": " + f.code.message());
    values.push_back(std::move(*v));
  }

  // The ei encode program, compiled from an ei walk of the corpus.
  ei_program prog;
  for (std::size_t k = 0; k < n; ++k) {
    prog.starts.push_back(prog.ops.size());
    int idx = 0, version = 0;
    if (ei_decode_version(c.terms[k].data(), &idx, &version) < 0) die("ei_decode_version failed");
    prog.compile(c.terms[k].data(), &idx);
    if (static_cast<std::size_t>(idx) != c.terms[k].size())
      die("ei walk did not consume term " + std::to_string(k + 1));
  }
  prog.starts.push_back(prog.ops.size());

  ei_x_buff x;
  ei_x_new(&x);
  std::vector<std::byte> out(c.max_term + 64);

  // Both encoders must rebuild the corpus.
  std::size_t enode_reordered = 0;
  for (std::size_t k = 0; k < n; ++k) {
    auto const want = c.terms[k];
    prog.run(k, x);
    std::span<char const> got_ei(x.buff, static_cast<std::size_t>(x.index));
    if (!std::equal(want.begin(), want.end(), got_ei.begin(), got_ei.end()))
      die(c.path + ": ei does not rebuild term " + std::to_string(k + 1) + " (bytes differ at offset " +
          std::to_string(first_difference(want, got_ei)) + ")");

    std::size_t const size = t::encoded_size(values[k]);
    if (size + 1 > out.size()) out.resize(size + 1);
    out[0] = std::byte{131};
    std::size_t const w = t::encode_body(values[k], std::span<std::byte>(out.data() + 1, size));
    std::span<char const> got(reinterpret_cast<char const*>(out.data()), w + 1);
    if (w != size || !std::equal(want.begin(), want.end(), got.begin(), got.end())) {
      auto again = t::decode(as_bytes(got));
      if (has_large_map(values[k]) && again && *again == values[k]) {
        ++enode_reordered;
      } else {
        die(c.path + ": enode does not rebuild term " + std::to_string(k + 1) + " (bytes differ at offset " +
            std::to_string(first_difference(want, got)) + ")");
      }
    }
  }

  ei_walker walker;
  walker.scratch.resize(c.max_term + 1);
  std::uint64_t sink = 0;

  std::vector<measure> ms;
  ms.push_back({"ei decode", [&] {
                  for (auto const& term : c.terms) {
                    int idx = 0, version = 0;
                    ei_decode_version(term.data(), &idx, &version);
                    walker.walk(term.data(), &idx);
                  }
                }});
  // As the node decodes what arrives: each term in a reference-counted binary (made
  // here, outside the timing), so that binaries of 64 bytes and more are shared with
  // the input instead of copied.
  std::vector<t::binary> inputs;
  inputs.reserve(c.terms.size());
  for (auto const& term : c.terms) inputs.emplace_back(as_bytes(term));
  ms.push_back({"enode decode", [&] {
                  for (auto const& in : inputs) {
                    auto v = t::decode(in);
                    sink += v ? static_cast<std::uint64_t>(v->type()) : 1000;
                  }
                }});
  ms.push_back({"ei encode", [&] {
                  for (std::size_t k = 0; k < n; ++k) {
                    prog.run(k, x);
                    sink += static_cast<std::uint64_t>(x.index);
                  }
                }});
  ms.push_back({"enode encode", [&] {
                  for (auto const& v : values) {
                    std::size_t const size = t::encoded_size(v);
                    out[0] = std::byte{131};
                    sink += t::encode_body(v, std::span<std::byte>(out.data() + 1, size));
                  }
                }});

  if (!only.empty()) {
    // For profiling: just one of the four, for --runs runs of --min-time.
    auto it = std::find_if(ms.begin(), ms.end(), [&](measure const& m) { return only == m.name; });
    if (it == ms.end()) die("--only takes one of: ei decode, enode decode, ei encode, enode encode");
    auto const t0 = clock_type::now();
    std::size_t passes = 0;
    while (std::chrono::duration<double>(clock_type::now() - t0).count() < min_time * runs) {
      it->pass();
      ++passes;
    }
    std::printf("%s: %zu passes over %s\n", it->name, passes, c.path.c_str());
    ei_x_free(&x);
    return {};
  }

  // Calibrate, then interleave the runs so that a noisy moment hurts all four alike.
  for (auto& m : ms) {
    m.pass(); // warm up
    double const once = std::max(time_passes(m, 1), 1e-9);
    m.iterations = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(min_time / once)));
  }
  for (int r = 0; r < runs; ++r)
    for (auto& m : ms) m.best = std::min(m.best, time_passes(m, m.iterations) / static_cast<double>(m.iterations));

  auto mbps = [&](measure const& m) { return static_cast<double>(c.bytes) / m.best / 1e6; };
  auto tps = [&](measure const& m) { return static_cast<double>(n) / m.best; };
  figures fig{ms[0].best / ms[1].best, ms[2].best / ms[3].best};

  std::printf("\ncorpus %s: %zu terms, %zu bytes (mean %.0f bytes/term)\n", c.path.c_str(), n, c.bytes,
              static_cast<double>(c.bytes) / static_cast<double>(n));
  std::printf("checked: ei and enode rebuild every term byte for byte");
  if (enode_reordered)
    std::printf(" (enode: %zu terms with maps of >32 keys, in sorted key order, checked by decoding)", enode_reordered);
  if (prog.raw_bignums) std::printf("; %zu bignums beyond 64 bits copied raw by ei encode", prog.raw_bignums);
  std::printf("\nbest of %d runs of >= %.2f s each\n\n", runs, min_time);
  std::printf("          %12s %14s %12s %14s %10s\n", "ei MB/s", "ei terms/s", "enode MB/s", "enode terms/s",
              "enode/ei");
  std::printf("decode    %12.1f %14.0f %12.1f %14.0f %10.2f\n", mbps(ms[0]), tps(ms[0]), mbps(ms[1]), tps(ms[1]),
              fig.decode_ratio);
  std::printf("encode    %12.1f %14.0f %12.1f %14.0f %10.2f\n", mbps(ms[2]), tps(ms[2]), mbps(ms[3]), tps(ms[3]),
              fig.encode_ratio);
  std::fflush(stdout);
  ei_x_free(&x);
  if (sink == 42 && walker.sink == 42) std::printf(" \n"); // keep the work observable
  return fig;
}

} // namespace

int main(int argc, char** argv) {
  int runs = 5;
  double min_time = 0.5;
  std::string only;
  std::vector<std::string> files;
  for (int k = 1; k < argc; ++k) {
    std::string_view a = argv[k];
    if (a == "--runs" && k + 1 < argc) {
      runs = std::atoi(argv[++k]);
    } else if (a == "--min-time" && k + 1 < argc) {
      min_time = std::atof(argv[++k]);
    } else if (a == "--only" && k + 1 < argc) {
      only = argv[++k];
    } else if (a.starts_with("-")) {
      std::fprintf(stderr, "usage: %s [--runs N] [--min-time SECONDS] [--only 'enode decode'] CORPUS.etf...\n",
                   argv[0]);
      return 2;
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty() || runs < 1 || !(min_time > 0)) {
    std::fprintf(stderr, "usage: %s [--runs N] [--min-time SECONDS] CORPUS.etf...\n", argv[0]);
    return 2;
  }
  ei_init();
  std::printf("enode_bench_etf: ratios are enode/ei throughput, higher = enode faster\n");
  std::vector<std::pair<std::string, figures>> all;
  for (auto const& f : files) {
    corpus c = load(f);
    all.emplace_back(f, bench(c, runs, min_time, only));
  }
  if (all.size() > 1 && only.empty()) {
    std::printf("\nsummary, enode/ei (higher = enode faster)\n%-48s %8s %8s\n", "corpus", "decode", "encode");
    for (auto const& [f, fig] : all) {
      std::string name = f.substr(f.find_last_of('/') + 1);
      std::printf("%-48s %8.2f %8.2f\n", name.c_str(), fig.decode_ratio, fig.encode_ratio);
    }
  }
  return 0;
}
