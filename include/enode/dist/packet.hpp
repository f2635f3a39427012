#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/result.hpp>
#include <enode/dist/error.hpp>
#include <enode/term/atom_cache.hpp>
#include <enode/term/binary.hpp>
#include <enode/term/encode.hpp>
#include <enode/term/value.hpp>

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

/// Distribution packets after the handshake (protocol sheet §4): the pass-through form
/// (112), the normal header with its atom cache ('D') and fragmented messages ('E', 'F').
/// Pure: the connection feeds whole packets in and writes what comes out.
namespace enode::dist {

/// One message off the wire: the control tuple and the payload, if any.
struct wire_message {
  term::value control;
  std::optional<term::value> payload;
};

/// The receiving half of one connection's packet state: the atom cache the peer fills
/// through its headers, and the fragmented messages in progress. One per connection,
/// used in order.
class packet_reader {
public:
  struct limits {
    /// Largest message accepted (a fragmented one in total).
    std::size_t max_message = std::size_t{1} << 31;
    /// Most fragmented messages in progress at once.
    std::size_t max_sequences = 65536;
  };

  /// `header_mode`: DIST_HDR_ATOM_CACHE or FRAGMENTS was negotiated, so every packet
  /// starts with 131 and a header; otherwise with 112 (pass-through).
  explicit packet_reader(bool header_mode, limits lim);
  explicit packet_reader(bool header_mode) : packet_reader(header_mode, limits{}) {}

  /// Reads one packet (not a tick). Returns the message, or nullopt after a fragment that
  /// does not complete one. `bad_packet` for anything malformed (BEAM then drops the
  /// connection), `too_large` past the limit. When `owner` is the binary that `packet`
  /// lies in, large binaries of the message share it; otherwise they are copied.
  [[nodiscard]] result<std::optional<wire_message>> read(std::span<std::byte const> packet,
                                                         term::binary const* owner = nullptr);

  /// Fragmented messages in progress.
  std::size_t sequences() const noexcept { return sequences_.size(); }

private:
  struct sequence {
    std::uint64_t next_fragment = 0;
    term::value control;
    std::unique_ptr<term::atom_cache> refs;
    // The payload gathered in place: a binary sized for all fragments (untouched pages of
    // a large allocation cost no memory), which the message's binaries then share.
    term::binary buffer;
    std::size_t used = 0;
  };
  static void append(sequence& s, std::span<std::byte const> chunk);
  result<std::size_t> read_header(std::span<std::byte const> in, term::atom_cache& refs);
  result<std::optional<wire_message>> finish(std::span<std::byte const> body, term::atom_cache const* refs,
                                             term::binary const* owner);

  bool header_mode_;
  limits lim_;
  std::array<term::atom, 2048> cache_{};
  std::bitset<2048> cached_;
  term::atom_cache refs_;
  std::unordered_map<std::uint64_t, sequence> sequences_;
};

/// The bytes of one outgoing message: a single packet, or fragments made on demand so
/// that a large message leaves in slices between other traffic. Its large binaries are
/// not copied: it holds them and gives them out as pieces of its packets.
class outgoing {
public:
  /// Whole packets of this message not yet taken (1 for an unfragmented message).
  std::size_t remaining() const noexcept { return total_ - next_; }
  bool done() const noexcept { return next_ == total_; }
  /// Whether some of its bytes are binaries it refers to rather than holds as bytes.
  bool gathered() const noexcept { return !splices_.empty(); }
  /// Appends the next packet (with its u32 length) to `out` and returns its size.
  std::size_t take(std::vector<std::byte>& out);
  /// The next packet without copying its body: its header (u32 length and, for a
  /// fragment, the fragment header) is appended to `heads`, and the body to `pieces` as
  /// views of this object's storage and of the binaries it holds, valid while the object
  /// lives. Returns the body's size.
  std::size_t take_view(std::vector<std::byte>& heads, std::vector<std::span<std::byte const>>& pieces);
  /// The message's size: control, payload and, unfragmented, its packet header.
  std::size_t bytes() const noexcept { return size_; }

private:
  friend class packet_writer;
  // Appends bytes [from, from + len) of the message to `out`, the splices in their places.
  // Slices are asked for in order; each starts where the previous one's walk stopped.
  void pieces(std::size_t from, std::size_t len, std::vector<std::span<std::byte const>>& out);

  std::vector<std::byte> body_;       // header-less control + payload, or the whole packet when total_ == 1,
                                      // less the splices' bytes
  std::vector<term::splice> splices_; // positions counted in the whole message
  std::size_t size_ = 0;              // body_ and the splices
  std::size_t control_size_ = 0;      // bytes of the message that the control term takes
  std::size_t fragment_size_ = 0;
  std::uint64_t sequence_ = 0;
  std::size_t total_ = 1, next_ = 0;
  std::size_t offset_ = 0;
  std::size_t walk_splice_ = 0, walk_at_ = 0, walk_held_ = 0; // where pieces() resumes
};

/// Encodes messages for one connection: the pass-through form, or a header with no
/// cached atoms ('D', 131 68 0), fragmented into `fragment_size` slices ('E', 'F') when
/// the peer takes fragments. Thread-safe: it holds no state but its settings.
class packet_writer {
public:
  packet_writer(bool header_mode, bool fragments, std::size_t fragment_size = 64 * 1024) noexcept
      : header_mode_(header_mode), fragments_(fragments), fragment_size_(fragment_size) {}

  /// Appends one unfragmented packet to `out` (with its u32 length).
  void write(term::value const& control, term::value const* payload, std::vector<std::byte>& out) const;
  /// The same, with the encoded sizes of control and payload already known.
  void write(term::value const& control, term::value const* payload, std::size_t control_size, std::size_t payload_size,
             std::vector<std::byte>& out) const;
  /// The message as an `outgoing`, fragmented when it is larger than a fragment and the
  /// peer takes fragments, its binaries of `splice_threshold` bytes or more referred to. `sequence` must be unique
  /// among this sender's messages in flight.
  outgoing make(term::value const& control, term::value const* payload, std::uint64_t sequence) const;
  /// Whether a message of `body_size` bytes would be fragmented.
  bool fragments(std::size_t body_size) const noexcept { return fragments_ && body_size > fragment_size_; }
  /// Binaries of at least this size leave from where they lie: `make` refers to them.
  static constexpr std::size_t splice_threshold = 16 * 1024;
  /// Whether `make` would refer to binaries of `payload` (of `payload_size` bytes encoded).
  static bool gathers(term::value const* payload, std::size_t payload_size) {
    return payload && payload_size >= splice_threshold && term::spliced_size(*payload, splice_threshold) > 0;
  }

private:
  // Bytes of an unfragmented packet with a control term of `cs` bytes and a payload of
  // `ps`, if any, less its u32 length.
  std::size_t packet_size(std::size_t cs, term::value const* payload, std::size_t ps) const noexcept {
    return (header_mode_ ? 3 : 2) + cs + (payload ? ps + (header_mode_ ? 0 : 1) : 0);
  }
  // Writes such a packet's length, header and control term at `p`, and the version byte
  // before a payload that the pass-through form needs; returns where the payload goes.
  std::byte* put_front(std::byte* p, term::value const& control, std::size_t cs, term::value const* payload,
                       std::size_t ps) const noexcept;

  bool header_mode_, fragments_;
  std::size_t fragment_size_;
};

} // namespace enode::dist

#pragma GCC visibility pop
