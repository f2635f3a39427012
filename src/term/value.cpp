#include <enode/term/value.hpp>

#include "big_node.hpp"
#include "heap.hpp"
#include "node_alloc.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

namespace enode::term {
namespace detail {
namespace {

template <class T>
void free_boxed(node* n) noexcept {
  auto* t = static_cast<T*>(n);
  t->~T();
  node_deallocate(t, sizeof(T));
}

void free_node(node* n) noexcept {
  switch (n->type) {
    case node_type::big: free_boxed<big_node>(n); return;
    case node_type::pid: free_boxed<pid_node>(n); return;
    case node_type::port: free_boxed<port_node>(n); return;
    case node_type::reference: free_boxed<reference_node>(n); return;
    case node_type::fun: free_boxed<fun_node>(n); return;
    case node_type::external_fun: free_boxed<external_fun_node>(n); return;
    case node_type::tuple: {
      auto* t = static_cast<tuple_node*>(n);
      std::size_t const arity = t->arity;
      std::destroy_n(t->elements(), arity);
      t->~tuple_node();
      node_deallocate(t, sizeof(tuple_node) + arity * sizeof(value));
      return;
    }
    case node_type::list: {
      auto* l = static_cast<list_node*>(n);
      std::size_t const count = l->count;
      std::destroy_n(l->elements(), count);
      l->~list_node();
      node_deallocate(l, sizeof(list_node) + count * sizeof(value));
      return;
    }
    case node_type::map: {
      auto* m = static_cast<map_node*>(n);
      std::size_t const count = m->count;
      std::destroy_n(m->entries(), count);
      m->~map_node();
      node_deallocate(m, sizeof(map_node) + count * sizeof(map_entry));
      return;
    }
    case node_type::binary: {
      auto* b = static_cast<binary_node*>(n);
      node* owner = b->owner;
      std::size_t const bytes = owner ? sizeof(binary_node) : sizeof(binary_node) + b->size;
      b->~binary_node();
      node_deallocate(b, bytes);
      if (owner) release(owner);
      return;
    }
    case node_type::heap: free_heap(static_cast<heap_node*>(n)); return;
  }
}

// Children released while a node is freed are queued here instead of being freed
// recursively, so that dropping a deeply nested term cannot overflow the stack.
thread_local std::vector<node*> pending;
thread_local bool draining = false;

} // namespace

void destroy(node* n) noexcept {
  if (draining) {
    pending.push_back(n);
    return;
  }
  draining = true;
  free_node(n);
  while (!pending.empty()) {
    node* x = pending.back();
    pending.pop_back();
    free_node(x);
  }
  draining = false;
}

namespace {
// The first blocks of recently freed heaps, kept per thread for the next decode: a
// message decoded after another then writes to memory that is still in the cache.
// Under AddressSanitizer every block goes back to the allocator instead.
#if !defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kept_blocks = 4;
constexpr std::size_t kept_capacity = std::size_t{64} << 10;
#else
constexpr std::size_t kept_blocks = 0;
constexpr std::size_t kept_capacity = 0;
#endif
struct kept_block {
  void* mem;
  std::size_t capacity;
};
struct block_cache {
  std::array<kept_block, kept_blocks> blocks;
  std::size_t count;
  bool closed;
};
thread_local block_cache heap_blocks{};
struct block_flusher {
  ~block_flusher() {
    for (std::size_t i = 0; i < heap_blocks.count; ++i) ::operator delete(heap_blocks.blocks[i].mem);
    heap_blocks.count = 0;
    heap_blocks.closed = true;
  }
};
thread_local block_flusher flush_heap_blocks;

void* take_block(std::size_t& capacity) {
  for (std::size_t i = heap_blocks.count; i-- > 0;) {
    if (heap_blocks.blocks[i].capacity >= capacity) {
      void* mem = heap_blocks.blocks[i].mem;
      capacity = heap_blocks.blocks[i].capacity;
      heap_blocks.blocks[i] = heap_blocks.blocks[--heap_blocks.count];
      return mem;
    }
  }
  return nullptr;
}

void give_block(void* mem, std::size_t capacity) noexcept {
  if (capacity <= kept_capacity && !heap_blocks.closed) {
    (void)&flush_heap_blocks; // returns the kept blocks when the thread ends
    if (heap_blocks.count < kept_blocks) {
      heap_blocks.blocks[heap_blocks.count++] = {mem, capacity};
      return;
    }
  }
  ::operator delete(mem);
}
} // namespace

heap_node* heap_node::create(std::size_t capacity) {
  capacity = (capacity + 15) & ~std::size_t{15};
  static_assert(sizeof(heap_node) % 16 == 0 && sizeof(chunk) % 16 == 0);
  void* mem = take_block(capacity);
  if (!mem) mem = ::operator new(sizeof(heap_node) + sizeof(chunk) + capacity);
  auto* h = new (mem) heap_node;
  auto* c = reinterpret_cast<chunk*>(h + 1);
  c->next = nullptr;
  c->capacity = capacity;
  c->used = 0;
  h->chunks = c;
  return h;
}

heap_node::chunk* heap_node::grow(std::size_t bytes) {
  // Chunks double up to 1 MiB; a larger node gets a chunk of its own.
  constexpr std::size_t max_chunk = std::size_t{1} << 20;
  std::size_t capacity = std::min(chunks->capacity * 2, max_chunk);
  if (capacity < bytes) capacity = (bytes + 15) & ~std::size_t{15};
  auto* c = static_cast<chunk*>(::operator new(sizeof(chunk) + capacity));
  c->next = chunks;
  c->capacity = capacity;
  c->used = 0;
  chunks = c;
  return c;
}

void free_heap(heap_node* h) noexcept {
  for (auto* f = h->finalizers; f; f = f->next) {
    node* n = f->n;
    switch (n->type) {
      case node_type::big: static_cast<big_node*>(n)->~big_node(); break;
      case node_type::fun: {
        // Its values refer into this heap, uncounted: forget them, then free the vector.
        auto& fn = static_cast<fun_node*>(n)->data;
        value_access::forget(fn.old_index);
        value_access::forget(fn.old_uniq);
        value_access::forget(fn.pid);
        for (auto& v : fn.free_vars) value_access::forget(v);
        static_cast<fun_node*>(n)->~fun_node();
        break;
      }
      case node_type::binary: release(static_cast<binary_node*>(n)->owner); break;
      default: break;
    }
  }
  // The first chunk was allocated with the heap itself.
  heap_node::chunk* c = h->chunks;
  while (c->next) {
    heap_node::chunk* next = c->next;
    ::operator delete(c);
    c = next;
  }
  std::size_t const capacity = c->capacity;
  h->~heap_node();
  give_block(h, capacity);
}

binary_node* make_inline_binary(std::size_t n) {
  void* mem = node_allocate(sizeof(binary_node) + n);
  auto* b = new (mem) binary_node;
  b->data = reinterpret_cast<std::byte const*>(b + 1);
  b->size = n;
  return b;
}

binary_node* make_shared_binary(node* owner, std::byte const* data, std::size_t size) {
  auto* b = new (node_allocate(sizeof(binary_node))) binary_node;
  retain(owner);
  b->owner = owner;
  b->data = data;
  b->size = size;
  return b;
}

tuple_node* alloc_tuple(std::size_t arity) {
  void* mem = node_allocate(sizeof(tuple_node) + arity * sizeof(value));
  auto* t = new (mem) tuple_node;
  t->arity = static_cast<std::uint32_t>(arity);
  std::uninitialized_default_construct_n(t->elements(), arity);
  return t;
}

list_node* alloc_list(std::size_t count) {
  void* mem = node_allocate(sizeof(list_node) + count * sizeof(value));
  auto* l = new (mem) list_node;
  l->count = static_cast<std::uint32_t>(count);
  std::uninitialized_default_construct_n(l->elements(), count);
  return l;
}

map_node* alloc_map(std::size_t count) {
  void* mem = node_allocate(sizeof(map_node) + count * sizeof(map_entry));
  auto* m = new (mem) map_node;
  m->count = static_cast<std::uint32_t>(count);
  std::uninitialized_default_construct_n(m->entries(), count);
  return m;
}

namespace {
// Map key order, with the common keys (atoms, small integers) compared inline.
bool key_less(value const& a, value const& b) noexcept {
  if (a.is_atom() && b.is_atom()) return compare_names(a.as_atom().entry(), b.as_atom().entry()) < 0;
  if (a.is_small() && b.is_small()) return a.as_int() < b.as_int();
  return a < b;
}
} // namespace

// Sorts the entries of a map by key: small (kind, prefix, index) records are sorted
// (kinds are declared in term order; atoms order by their name prefix, then name;
// other keys by the full comparison), then the entries are permuted once, moved as raw
// bytes (a bitwise move of a value is a move).
void sort_entries(map_entry* e, std::size_t n) {
  struct key {
    std::uint64_t prefix;
    std::uint32_t index;
    std::uint8_t kind;
  };
  // Stack room for the usual sizes; the heap for the rest.
  constexpr std::size_t on_stack = 64;
  std::array<key, on_stack> key_room;
  std::vector<key> key_heap(n > on_stack ? n : 0);
  std::span<key> keys = n > on_stack ? std::span<key>(key_heap) : std::span<key>(key_room.data(), n);
  for (std::size_t i = 0; i < n; ++i) {
    value const& k = e[i].key;
    keys[i] = {k.is_atom() ? k.as_atom().entry()->prefix : 0, static_cast<std::uint32_t>(i),
               static_cast<std::uint8_t>(k.type())};
  }
  std::sort(keys.begin(), keys.end(), [e](key const& a, key const& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.kind == static_cast<std::uint8_t>(kind::atom)) {
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      return compare_names(e[a.index].key.as_atom().entry(), e[b.index].key.as_atom().entry()) < 0;
    }
    return key_less(e[a.index].key, e[b.index].key);
  });
  alignas(map_entry) std::array<std::byte, on_stack * sizeof(map_entry)> entry_room;
  std::unique_ptr<std::byte[]> entry_heap(n > on_stack ? new std::byte[n * sizeof(map_entry)] : nullptr);
  void* room = n > on_stack ? static_cast<void*>(entry_heap.get()) : static_cast<void*>(entry_room.data());
  std::memcpy(room, static_cast<void const*>(e), n * sizeof(map_entry));
  auto const* from = static_cast<map_entry const*>(room);
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(static_cast<void*>(e + i), static_cast<void const*>(from + keys[i].index), sizeof(map_entry));
}

bool sort_map(map_node* m) {
  map_entry* e = m->entries();
  std::size_t n = m->count;
  bool sorted = true;
  for (std::size_t i = 1; i < n && sorted; ++i) sorted = key_less(e[i - 1].key, e[i].key);
  if (sorted) return true;
  sort_entries(e, n);
  // Sorted ascending: neighbours are equal exactly when the first is not less.
  for (std::size_t i = 1; i < n; ++i)
    if (!key_less(e[i - 1].key, e[i].key)) return false;
  return true;
}

} // namespace detail

namespace {
atom const& atom_true() {
  static atom const a("true");
  return a;
}
atom const& atom_false() {
  static atom const a("false");
  return a;
}
} // namespace

std::string_view to_string(kind k) noexcept {
  switch (k) {
    case kind::integer: return "integer";
    case kind::float_: return "float";
    case kind::atom: return "atom";
    case kind::reference: return "reference";
    case kind::fun: return "fun";
    case kind::port: return "port";
    case kind::pid: return "pid";
    case kind::tuple: return "tuple";
    case kind::map: return "map";
    case kind::nil: return "nil";
    case kind::list: return "list";
    case kind::bitstring: return "bitstring";
  }
  return "unknown";
}

value::value(bool b) noexcept : atom_((b ? atom_true() : atom_false()).entry()), rep_(rep::atom) {}

value::value(double d) : float_(d), rep_(rep::flt) {
  if (!std::isfinite(d)) throw std::invalid_argument("Erlang floats are finite");
}

value::value(binary b) noexcept : node_(b.node()), rep_(rep::boxed) { detail::retain(node_); }
value::value(pid const& p) : node_(pool::make<detail::pid_node>(p)), rep_(rep::boxed) {}
value::value(port const& p) : node_(pool::make<detail::port_node>(p)), rep_(rep::boxed) {}
value::value(reference const& r) : node_(pool::make<detail::reference_node>(r)), rep_(rep::boxed) {}
value::value(fun f) : node_(pool::make<detail::fun_node>(std::move(f))), rep_(rep::boxed) {}
value::value(external_fun const& f) : node_(pool::make<detail::external_fun_node>(f)), rep_(rep::boxed) {}

void value::init_unsigned(std::uint64_t u) {
  node_ = pool::make<detail::big_node>(big_int(u));
  rep_ = rep::boxed;
}

bool value::is_boolean() const noexcept {
  return rep_ == rep::atom && (atom_ == atom_true().entry() || atom_ == atom_false().entry());
}

value const* value::find(value const& key) const noexcept {
  auto entries = map_entries();
  auto it = std::lower_bound(entries.begin(), entries.end(), key,
                             [](map_entry const& e, value const& k) { return e.key < k; });
  if (it != entries.end() && it->key == key) return &it->val;
  return nullptr;
}

value tuple_of(std::span<value const> elements) {
  auto* t = detail::alloc_tuple(elements.size());
  std::copy(elements.begin(), elements.end(), t->elements());
  return value::adopt(t);
}

value tuple_of(std::initializer_list<value> elements) {
  return tuple_of(std::span<value const>(elements.begin(), elements.size()));
}

value list_of(std::span<value const> elements, value tail) {
  std::span<value const> more;
  if (tail.is_list()) more = tail.list_elements();
  std::size_t const n = elements.size() + more.size();
  if (n == 0) return tail;
  auto* l = detail::alloc_list(n);
  auto* out = std::copy(elements.begin(), elements.end(), l->elements());
  std::copy(more.begin(), more.end(), out);
  l->tail = tail.is_list() ? tail.list_tail() : tail;
  return value::adopt(l);
}

value list_of(std::initializer_list<value> elements) {
  return list_of(std::span<value const>(elements.begin(), elements.size()));
}

value map_of(std::vector<map_entry> entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](map_entry const& a, map_entry const& b) { return a.key < b.key; });
  // Of equal keys, the last given wins.
  std::vector<map_entry> unique;
  unique.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i].key == entries[i + 1].key) continue;
    unique.push_back(std::move(entries[i]));
  }
  auto* m = detail::alloc_map(unique.size());
  std::move(unique.begin(), unique.end(), m->entries());
  return value::adopt(m);
}

value map_of(std::initializer_list<map_entry> entries) {
  return map_of(std::vector<map_entry>(entries.begin(), entries.end()));
}

value string_of(std::string_view utf8) {
  if (!utf8_length(utf8)) throw std::invalid_argument("string_of: not valid UTF-8");
  std::vector<value> chars;
  chars.reserve(utf8.size());
  detail::for_each_code_point(utf8, [&chars](std::uint32_t cp) { chars.emplace_back(cp); });
  return list_of(chars);
}

value binary_of(std::string_view s) { return value(binary(s)); }
value binary_of(std::span<std::byte const> bytes) { return value(binary(bytes)); }

} // namespace enode::term
