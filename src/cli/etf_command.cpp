#include "cli/commands.hpp"

#include "cli/io.hpp"

#include <enode/core/endian.hpp>
#include <enode/term/decode.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/parse.hpp>
#include <enode/term/print.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace enode::cli {
namespace {

constexpr char const* usage = R"(usage: enode etf <decode|encode|roundtrip> [options]

  decode      read one external-format term on stdin, print it in Erlang syntax
  encode      read one term in Erlang syntax on stdin, write its external format
  roundtrip   read one external-format term on stdin, write it re-encoded

options:
  --compressed[=LEVEL]  (encode, roundtrip) zlib-compress as term_to_binary does (level 0..9, default 6)
  --v4-ports            (encode, roundtrip) write every port as V4_PORT_EXT, as OTP 26+ does
                        (default: NEW_PORT_EXT below 2^28, as OTP 25)
  --existing-atoms      (decode, roundtrip) refuse to create atoms, like binary_to_term(B, [safe])
  --max-depth N         (decode, roundtrip) deepest nesting accepted (default 1024)
  --packet 4            (decode, roundtrip) serve a stream of 4-byte length-prefixed terms, as
                        an Erlang port with {packet, 4}: each answer is one packet (decode: the
                        printed text; roundtrip: the re-encoded term). A term that fails to
                        decode is answered with "error: Reason" (decode) or the term
                        {enode_error, Reason} (roundtrip)
)";

struct options {
  std::string mode;
  term::decode_options decode;
  term::encode_options encode;
  bool packet = false;
};

int bad_usage(std::string const& msg) {
  std::fprintf(stderr, "enode etf: %s\n%s", msg.c_str(), usage);
  return 2;
}

std::string describe(term::decode_failure const& f) {
  return f.code.message() + " (at byte " + std::to_string(f.offset) + ")";
}

int decode_cmd(options const& o) {
  auto in = read_all_stdin();
  if (!in) {
    std::perror("enode etf decode: reading stdin");
    return 1;
  }
  term::decode_failure f;
  auto v = term::decode(*in, o.decode, &f);
  if (!v) {
    std::fprintf(stderr, "enode etf decode: %s\n", describe(f).c_str());
    return 1;
  }
  std::string out = term::to_string(*v);
  out += '\n';
  return write_stdout(out) ? 0 : 1;
}

int encode_cmd(options const& o) {
  auto in = read_all_stdin();
  if (!in) {
    std::perror("enode etf encode: reading stdin");
    return 1;
  }
  term::parse_failure f;
  auto v = term::parse(in->view(), &f);
  if (!v) {
    std::fprintf(stderr, "enode etf encode: line %zu, column %zu: %s\n", f.line, f.column,
                 f.message.empty() ? v.error().message().c_str() : f.message.c_str());
    return 1;
  }
  return write_stdout(term::encode(*v, o.encode)) ? 0 : 1;
}

int roundtrip_once(options const& o) {
  auto in = read_all_stdin();
  if (!in) {
    std::perror("enode etf roundtrip: reading stdin");
    return 1;
  }
  term::decode_failure f;
  auto v = term::decode(*in, o.decode, &f);
  if (!v) {
    std::fprintf(stderr, "enode etf roundtrip: %s\n", describe(f).c_str());
    return 1;
  }
  return write_stdout(term::encode(*v, o.encode)) ? 0 : 1;
}

// Serves length-prefixed terms until end of input; `answer` appends the reply to a
// packet whose 4-byte header is already in place.
template <class Answer>
int serve_packets(char const* mode, options const& o, Answer answer) {
  std::vector<std::byte> out;
  while (true) {
    std::byte header[4];
    bool truncated = false;
    if (!read_exact_stdin(header, 4, truncated)) {
      if (truncated) {
        std::fprintf(stderr, "enode etf %s: input ends inside a packet header\n", mode);
        return 1;
      }
      return 0;
    }
    std::size_t const len = endian::load_u32(header);
    term::binary in = term::binary::uninitialized(len);
    if (len && !read_exact_stdin(in.mutable_data(), len, truncated)) {
      std::fprintf(stderr, "enode etf %s: input ends inside a packet\n", mode);
      return 1;
    }
    term::decode_failure f;
    auto v = term::decode(in, o.decode, &f);
    out.assign(4, std::byte{0});
    answer(v, f, out);
    endian::store_be(out.data(), static_cast<std::uint32_t>(out.size() - 4));
    if (!write_stdout(out)) return 1;
  }
}

void append_text(std::string const& s, std::vector<std::byte>& out) {
  auto const* p = reinterpret_cast<std::byte const*>(s.data());
  out.insert(out.end(), p, p + s.size());
}

int decode_packets(options const& o) {
  return serve_packets("decode", o, [](auto const& v, term::decode_failure const& f, std::vector<std::byte>& out) {
    append_text(v ? term::to_string(*v) : "error: " + describe(f), out);
  });
}

int roundtrip_packets(options const& o) {
  return serve_packets("roundtrip", o, [&o](auto const& v, term::decode_failure const& f, std::vector<std::byte>& out) {
    if (v)
      term::encode_append(*v, out, o.encode);
    else
      term::encode_append(term::tuple_of({term::atom("enode_error"), term::string_of(describe(f))}), out);
  });
}

} // namespace

int etf_command(std::span<char const* const> args) {
  if (args.empty()) return bad_usage("missing mode");
  options o;
  o.mode = args[0];
  for (std::string_view a : args) {
    if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    }
  }
  if (o.mode != "decode" && o.mode != "encode" && o.mode != "roundtrip")
    return bad_usage("unknown mode '" + o.mode + "'");
  bool const decodes = o.mode != "encode";
  bool const encodes = o.mode != "decode";
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (encodes && (a == "--compressed" || a.starts_with("--compressed="))) {
      o.encode.compression_level = 6;
      if (a.size() > 12) {
        auto l = parse_size(a.substr(13));
        if (!l || *l > 9) return bad_usage("compression level must be 0..9");
        o.encode.compression_level = static_cast<int>(*l);
      }
    } else if (encodes && a == "--v4-ports") {
      o.encode.v4_ports = true;
    } else if (decodes && a == "--existing-atoms") {
      o.decode.existing_atoms_only = true;
    } else if (decodes && a == "--max-depth") {
      if (++i == args.size()) return bad_usage("--max-depth needs a value");
      auto d = parse_size(args[i]);
      if (!d || *d == 0) return bad_usage("--max-depth needs a positive number");
      o.decode.max_depth = *d;
    } else if (decodes && a == "--packet") {
      if (++i == args.size() || std::string_view(args[i]) != "4") return bad_usage("--packet takes 4");
      o.packet = true;
    } else {
      return bad_usage("unknown option '" + std::string(a) + "' for " + o.mode);
    }
  }
  if (o.mode == "decode") return o.packet ? decode_packets(o) : decode_cmd(o);
  if (o.mode == "encode") return encode_cmd(o);
  return o.packet ? roundtrip_packets(o) : roundtrip_once(o);
}

} // namespace enode::cli
