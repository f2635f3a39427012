#include <enode/term/atom.hpp>

#include <enode/term/error.hpp>

#include "utf8.hpp"

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace enode::term {

constinit detail::atom_entry const detail::empty_atom_entry{0, 0, 0, 0, {'\0'}};

namespace {

std::uint64_t load_partial(char const* p, std::size_t n) noexcept {
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  return w;
}

std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

std::uint64_t hash_name(std::string_view s) noexcept {
  // Word at a time, then an avalanche: atoms are short, and this only has to spread
  // them over the table and the per-thread lookup cache.
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) h = (h ^ load_partial(s.data() + i, 8)) * 0x100000001b3ull;
  if (i < s.size()) h = (h ^ load_partial(s.data() + i, s.size() - i)) * 0x100000001b3ull;
  return mix(h);
}

bool is_ascii(std::string_view s) noexcept {
  std::uint64_t acc = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) acc |= load_partial(s.data() + i, 8);
  if (i < s.size()) acc |= load_partial(s.data() + i, s.size() - i);
  return (acc & 0x8080808080808080ull) == 0;
}

std::uint64_t name_prefix(std::string_view s) noexcept {
  return __builtin_bswap64(load_partial(s.data(), s.size() < 8 ? s.size() : 8));
}

struct name_hash {
  std::size_t operator()(std::string_view s) const noexcept { return static_cast<std::size_t>(hash_name(s)); }
};

// The table: sharded so that threads interning different atoms rarely contend.
// Entries are never freed; the table itself lives until the process ends.
struct table {
  static constexpr std::size_t shard_count = 64;
  struct shard {
    std::mutex mutex;
    std::unordered_map<std::string_view, detail::atom_entry const*, name_hash> map;
  };
  std::array<shard, shard_count> shards;
  std::atomic<std::size_t> count{0};
};

table& the_table() {
  static table* t = [] {
    auto* made = new table; // intentionally immortal: atoms outlive static destructors
    std::string_view const empty("", 0);
    made->shards[(hash_name(empty) >> 40) % table::shard_count].map.emplace(empty, &detail::empty_atom_entry);
    made->count = 1;
    return made;
  }();
  return *t;
}

// Per-thread direct-mapped cache of recent lookups: decoding interns the same few
// atoms over and over, and this saves the shard lock for almost all of them.
struct cache_slot {
  std::uint64_t hash = 0;
  detail::atom_entry const* entry = nullptr;
};
thread_local std::array<cache_slot, 1024> lookup_cache;

detail::atom_entry* new_entry(std::string_view s, std::uint64_t h, std::size_t length) {
  void* mem = std::malloc(offsetof(detail::atom_entry, text) + s.size() + 1);
  if (!mem) throw std::bad_alloc();
  auto* e = static_cast<detail::atom_entry*>(mem);
  e->hash = h;
  e->prefix = name_prefix(s);
  e->size = static_cast<std::uint16_t>(s.size());
  e->length = static_cast<std::uint16_t>(length);
  std::memcpy(e->text, s.data(), s.size());
  e->text[s.size()] = '\0';
  return e;
}

// Finds or (when `create`) interns `s`, which is known to be valid UTF-8 of `length`
// characters when `create` is set.
result<detail::atom_entry const*> intern(std::string_view s, std::size_t length, bool create) noexcept {
  if (s.data() == nullptr) s = std::string_view("", 0); // memcmp/memcpy want a pointer even for 0 bytes
  std::uint64_t const h = hash_name(s);
  cache_slot& slot = lookup_cache[h & (lookup_cache.size() - 1)];
  if (slot.entry && slot.hash == h && slot.entry->size == s.size() &&
      std::memcmp(slot.entry->text, s.data(), s.size()) == 0)
    return slot.entry;

  table& t = the_table();
  auto& sh = t.shards[(h >> 40) % table::shard_count];
  std::lock_guard lock(sh.mutex);
  if (auto it = sh.map.find(s); it != sh.map.end()) {
    slot = {h, it->second};
    return it->second;
  }
  if (!create) return error::unknown_atom;
  if (t.count.load(std::memory_order_relaxed) >= atom::limit()) return error::atom_table_full;
  try {
    auto* e = new_entry(s, h, length);
    sh.map.emplace(std::string_view{e->text, e->size}, e);
    t.count.fetch_add(1, std::memory_order_relaxed);
    slot = {h, e};
    return e;
  } catch (std::bad_alloc const&) {
    return error::atom_table_full;
  }
}

} // namespace

std::optional<std::size_t> utf8_length(std::string_view s) noexcept {
  std::size_t n = 0;
  auto const* p = reinterpret_cast<unsigned char const*>(s.data());
  auto const* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
    } else {
      std::size_t len;
      std::uint32_t cp;
      if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
      } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
      } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
      } else {
        return std::nullopt;
      }
      if (static_cast<std::size_t>(end - p) < len) return std::nullopt;
      for (std::size_t i = 1; i < len; ++i) {
        if ((p[i] & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (p[i] & 0x3Fu);
      }
      // Reject overlong forms, surrogates and values past U+10FFFF.
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF))
        return std::nullopt;
      p += len;
    }
    ++n;
  }
  return n;
}

atom::atom(std::string_view utf8) {
  auto r = make(utf8);
  if (!r) throw std::invalid_argument("invalid atom name: " + r.error().message());
  e_ = r->e_;
}

result<atom> atom::make(std::string_view utf8) noexcept {
  // Fast path: ASCII names are valid and one byte per character.
  std::size_t length = utf8.size();
  if (utf8.size() > 255 || !is_ascii(utf8)) {
    auto n = utf8_length(utf8);
    if (!n) return error::bad_utf8;
    length = *n;
  }
  if (length > 255) return error::atom_too_long;
  auto e = intern(utf8, length, true);
  if (!e) return unexpected(e.error());
  return atom{*e};
}

result<atom> atom::make_latin1(std::string_view latin1) noexcept {
  if (latin1.size() > 255) return error::atom_too_long;
  char buf[512];
  std::size_t const n = detail::latin1_to_utf8(latin1, buf);
  auto e = intern({buf, n}, latin1.size(), true);
  if (!e) return unexpected(e.error());
  return atom{*e};
}

std::optional<atom> atom::existing(std::string_view utf8) noexcept {
  auto e = intern(utf8, 0, false);
  if (!e) return std::nullopt;
  return atom{*e};
}

std::size_t atom::count() noexcept { return the_table().count.load(std::memory_order_relaxed); }

} // namespace enode::term
