#include <enode/dist/packet.hpp>

#include <enode/core/endian.hpp>
#include <enode/term/decode.hpp>
#include <enode/term/encode.hpp>

#include <cstring>

namespace enode::dist {
namespace {

constexpr std::byte version{131};
constexpr std::byte pass_through{112};
constexpr std::byte normal_header{68};
constexpr std::byte fragment_header{69};
constexpr std::byte fragment_cont{70};

} // namespace

packet_reader::packet_reader(bool header_mode, limits lim) : header_mode_(header_mode), lim_(lim) {}

// The atom cache part of a 'D' or 'E' header (§4.3), from NumberOfAtomCacheRefs on.
// Fills `refs` with this header's atoms; returns the bytes taken.
result<std::size_t> packet_reader::read_header(std::span<std::byte const> in, term::atom_cache& refs) {
  refs.clear();
  if (in.empty()) return error::bad_packet;
  std::size_t const n = endian::load_u8(in.data());
  std::size_t pos = 1;
  if (n == 0) return pos;
  std::size_t const flag_bytes = n / 2 + 1;
  if (in.size() < pos + flag_bytes) return error::bad_packet;
  auto const* flags = in.data() + pos;
  pos += flag_bytes;
  auto nibble = [&](std::size_t i) {
    auto b = endian::load_u8(flags + i / 2);
    return (i % 2 == 0) ? (b & 0x0F) : (b >> 4);
  };
  bool const long_atoms = (nibble(n) & 1) != 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto const f = nibble(i);
    bool const is_new = (f & 8) != 0;
    std::size_t const segment = f & 7;
    if (in.size() < pos + 1) return error::bad_packet;
    std::size_t const slot = segment * 256 + endian::load_u8(in.data() + pos);
    pos += 1;
    if (is_new) {
      std::size_t len = 0;
      if (long_atoms) {
        if (in.size() < pos + 2) return error::bad_packet;
        len = endian::load_u16(in.data() + pos);
        pos += 2;
      } else {
        if (in.size() < pos + 1) return error::bad_packet;
        len = endian::load_u8(in.data() + pos);
        pos += 1;
      }
      if (in.size() < pos + len) return error::bad_packet;
      auto a = term::atom::make(std::string_view(reinterpret_cast<char const*>(in.data() + pos), len));
      if (!a) return error::bad_packet;
      pos += len;
      cache_[slot] = *a;
      cached_.set(slot);
    } else if (!cached_.test(slot)) {
      return error::bad_packet; // a reference to a slot never filled
    }
    refs.set(static_cast<std::uint8_t>(i), cache_[slot]);
  }
  return pos;
}

result<std::optional<wire_message>> packet_reader::finish(std::span<std::byte const> body, term::atom_cache const* refs,
                                                          term::binary const* owner) {
  term::decode_options opts;
  opts.atom_refs = refs;
  auto ctl = term::decode_prefix(body, false, opts, owner);
  if (!ctl) return error::bad_packet;
  wire_message m;
  m.control = std::move(ctl->term);
  auto rest = body.subspan(ctl->size);
  if (!rest.empty()) {
    auto pl = term::decode_prefix(rest, false, opts, owner);
    if (!pl || pl->size != rest.size()) return error::bad_packet;
    m.payload = std::move(pl->term);
  }
  return std::optional<wire_message>(std::move(m));
}

result<std::optional<wire_message>> packet_reader::read(std::span<std::byte const> in, term::binary const* packet) {
  if (in.empty()) return error::bad_packet;
  if (!header_mode_) {
    // 112, then 131 Control [131 Payload].
    if (in[0] != pass_through || in.size() < 2) return error::bad_packet;
    term::decode_options opts;
    auto body = in.subspan(1);
    auto ctl = term::decode_prefix(body, true, opts, packet);
    if (!ctl) return error::bad_packet;
    wire_message m;
    m.control = std::move(ctl->term);
    auto rest = body.subspan(ctl->size);
    if (!rest.empty()) {
      auto pl = term::decode_prefix(rest, true, opts, packet);
      if (!pl || pl->size != rest.size()) return error::bad_packet;
      m.payload = std::move(pl->term);
    }
    return std::optional<wire_message>(std::move(m));
  }
  if (in.size() < 3 || in[0] != version) return error::bad_packet;
  auto const kind = in[1];
  if (kind == normal_header) {
    auto h = read_header(in.subspan(2), refs_);
    if (!h) return unexpected(h.error());
    return finish(in.subspan(2 + *h), &refs_, packet);
  }
  if (kind != fragment_header && kind != fragment_cont) return error::bad_packet;
  if (in.size() < 18) return error::bad_packet;
  std::uint64_t const seq = endian::load_u64(in.data() + 2);
  std::uint64_t const frag = endian::load_u64(in.data() + 10);
  if (frag == 0) return error::bad_packet;
  if (kind == fragment_header) {
    if (sequences_.contains(seq)) return error::bad_packet; // a sequence still in progress
    auto refs = std::make_unique<term::atom_cache>();
    auto h = read_header(in.subspan(18), *refs);
    if (!h) return unexpected(h.error());
    auto body = in.subspan(18 + *h);
    if (frag == 1) return finish(body, refs.get(), packet);
    // The control term must fit in the first fragment; the payload is gathered.
    term::decode_options opts;
    opts.atom_refs = refs.get();
    auto ctl = term::decode_prefix(body, false, opts, packet);
    if (!ctl) return error::bad_packet;
    if (sequences_.size() >= lim_.max_sequences) return error::too_large;
    sequence s;
    s.next_fragment = frag - 1;
    s.control = std::move(ctl->term);
    s.refs = std::move(refs);
    auto rest = body.subspan(ctl->size);
    // Room for every fragment as large as this one; grown if a later one is larger.
    std::size_t const estimate = frag > lim_.max_message / std::max<std::size_t>(in.size(), 1)
                                     ? lim_.max_message
                                     : static_cast<std::size_t>(frag) * in.size();
    // (At most 64 MiB reserved up front, whatever the first fragment claims.)
    s.buffer = term::binary::uninitialized(std::min({estimate, lim_.max_message, std::size_t{64} << 20}));
    append(s, rest);
    sequences_.emplace(seq, std::move(s));
    return std::optional<wire_message>{};
  }
  auto it = sequences_.find(seq);
  if (it == sequences_.end() || it->second.next_fragment != frag) return error::bad_packet;
  auto& s = it->second;
  auto chunk = in.subspan(18);
  if (s.used + chunk.size() > lim_.max_message) return error::too_large;
  append(s, chunk);
  if (frag > 1) {
    s.next_fragment = frag - 1;
    return std::optional<wire_message>{};
  }
  // The last fragment: decode the gathered payload with the first fragment's atoms.
  sequence done = std::move(s);
  sequences_.erase(it);
  term::decode_options opts;
  opts.atom_refs = done.refs.get();
  wire_message m;
  m.control = std::move(done.control);
  if (done.used > 0) {
    auto pl = term::decode_prefix(done.buffer.bytes().first(done.used), false, opts, &done.buffer);
    if (!pl || pl->size != done.used) return error::bad_packet;
    m.payload = std::move(pl->term);
  }
  return std::optional<wire_message>(std::move(m));
}

void packet_reader::append(sequence& s, std::span<std::byte const> chunk) {
  if (s.used + chunk.size() > s.buffer.size()) {
    auto bigger = term::binary::uninitialized(std::max(s.buffer.size() * 2, s.used + chunk.size()));
    if (s.used) std::memcpy(bigger.mutable_data(), s.buffer.bytes().data(), s.used);
    s.buffer = std::move(bigger);
  }
  if (!chunk.empty()) std::memcpy(s.buffer.mutable_data() + s.used, chunk.data(), chunk.size());
  s.used += chunk.size();
}

// --- writing --------------------------------------------------------------------------------

void packet_writer::write(term::value const& control, term::value const* payload, std::vector<std::byte>& out) const {
  write(control, payload, term::encoded_size(control), payload ? term::encoded_size(*payload) : 0, out);
}

std::byte* packet_writer::put_front(std::byte* p, term::value const& control, std::size_t cs,
                                    term::value const* payload, std::size_t ps) const noexcept {
  endian::store_be(p, static_cast<std::uint32_t>(packet_size(cs, payload, ps)));
  p += 4;
  if (header_mode_) {
    *p++ = version, *p++ = normal_header, *p++ = std::byte{0};
  } else {
    *p++ = pass_through, *p++ = version;
  }
  p += term::encode_body(control, {p, cs});
  if (payload && !header_mode_) *p++ = version;
  return p;
}

void packet_writer::write(term::value const& control, term::value const* payload, std::size_t cs, std::size_t ps,
                          std::vector<std::byte>& out) const {
  std::size_t const at = out.size();
  out.resize(at + 4 + packet_size(cs, payload, ps));
  std::byte* p = put_front(out.data() + at, control, cs, payload, ps);
  if (payload) term::encode_body(*payload, {p, ps});
}

outgoing packet_writer::make(term::value const& control, term::value const* payload, std::uint64_t sequence) const {
  outgoing o;
  std::size_t const cs = term::encoded_size(control);
  std::size_t const ps = payload ? term::encoded_size(*payload) : 0;
  std::size_t const spliced = payload && ps >= splice_threshold ? term::spliced_size(*payload, splice_threshold) : 0;
  if (!fragments(cs + ps)) {
    o.size_ = 4 + packet_size(cs, payload, ps);
    if (spliced == 0) {
      write(control, payload, cs, ps, o.body_);
      return o;
    }
    // One packet, its large binaries referred to.
    o.body_.resize(o.size_ - spliced);
    std::byte* p = put_front(o.body_.data(), control, cs, payload, ps);
    auto const at = static_cast<std::size_t>(p - o.body_.data());
    term::encode_body_gathered(*payload, {p, ps - spliced}, splice_threshold, o.splices_, at);
    return o;
  }
  o.size_ = cs + ps;
  o.body_.resize(o.size_ - spliced);
  term::encode_body(control, {o.body_.data(), cs});
  if (payload)
    term::encode_body_gathered(*payload, {o.body_.data() + cs, ps - spliced}, splice_threshold, o.splices_, cs);
  o.control_size_ = cs;
  o.fragment_size_ = fragment_size_;
  o.sequence_ = sequence;
  // The first fragment holds the whole control term and as much payload as fits.
  std::size_t const first = std::max(fragment_size_, cs);
  std::size_t const rest = o.size_ > first ? o.size_ - first : 0;
  o.total_ = 1 + (rest + fragment_size_ - 1) / fragment_size_;
  return o;
}

void outgoing::pieces(std::size_t from, std::size_t len, std::vector<std::span<std::byte const>>& out) {
  std::size_t const to = from + len;
  // [at, at + n) of the message lies at `data`: the part of it in [from, to), if any.
  auto emit = [&](std::size_t at, std::byte const* data, std::size_t n) {
    std::size_t const lo = std::max(at, from), hi = std::min(at + n, to);
    if (lo < hi) out.emplace_back(data + (lo - at), hi - lo);
  };
  // Slices are taken in order: start at the first splice the previous one did not pass.
  std::size_t at = walk_at_;
  std::byte const* held = body_.data() + walk_held_;
  for (std::size_t i = walk_splice_; i < splices_.size(); ++i) {
    auto const& s = splices_[i];
    if (at >= to) return;
    emit(at, held, s.at - at);
    held += s.at - at;
    emit(s.at, s.bytes.data(), s.bytes.size());
    at = s.at + s.bytes.size();
    if (at <= to) { // wholly in this slice or before it: the next slices start after it
      walk_splice_ = i + 1;
      walk_at_ = at;
      walk_held_ = static_cast<std::size_t>(held - body_.data());
    }
  }
  emit(at, held, size_ - at);
}

std::size_t outgoing::take_view(std::vector<std::byte>& heads, std::vector<std::span<std::byte const>>& out) {
  if (next_ >= total_) return 0;
  if (total_ == 1 && control_size_ == 0) { // a whole packet, length included
    ++next_;
    pieces(0, size_, out);
    return size_;
  }
  bool const first = next_ == 0;
  std::size_t const len =
      first ? std::min(size_, std::max(fragment_size_, control_size_)) : std::min(fragment_size_, size_ - offset_);
  std::size_t const head = 2 + 8 + 8 + (first ? 1 : 0);
  std::size_t const at = heads.size();
  heads.resize(at + 4 + head);
  std::byte* p = heads.data() + at;
  endian::store_be(p, static_cast<std::uint32_t>(head + len));
  p += 4;
  *p++ = version;
  *p++ = first ? fragment_header : fragment_cont;
  endian::store_be(p, sequence_);
  p += 8;
  endian::store_be(p, static_cast<std::uint64_t>(total_ - next_));
  p += 8;
  if (first) *p = std::byte{0};
  pieces(offset_, len, out);
  offset_ += len;
  ++next_;
  return len;
}

std::size_t outgoing::take(std::vector<std::byte>& out) {
  std::size_t const at = out.size();
  std::vector<std::span<std::byte const>> body;
  take_view(out, body); // the header lands in `out`, the body is copied after it
  for (auto b : body) out.insert(out.end(), b.begin(), b.end());
  if (next_ == total_) {
    body_ = {};
    splices_ = {};
  }
  return out.size() - at;
}

} // namespace enode::dist
