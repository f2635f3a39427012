#include <enode/term/convert.hpp>

#include <enode/term/integer.hpp>
#include <enode/term/print.hpp>

#include "utf8.hpp"

namespace enode::term {
namespace {

// A printed term, cut short: an error message names the term, it need not hold all of it.
std::string shown(value const& v) {
  auto s = to_string(v);
  constexpr std::size_t limit = 200;
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

} // namespace

namespace detail {
std::optional<std::uint64_t> big_to_uint64(value const& v) noexcept {
  auto b = to_big_int(v);
  if (b < 0 || b > big_int(std::numeric_limits<std::uint64_t>::max())) return std::nullopt;
  return static_cast<std::uint64_t>(b);
}
double big_to_double(value const& v) noexcept { return to_big_int(v).convert_to<double>(); }
} // namespace detail

bad_conversion::bad_conversion(std::string_view expected, value const& got)
    : std::invalid_argument("expected " + std::string(expected) + ", got " + shown(got)), expected_(expected),
      got_(got) {}

namespace detail {

std::string describe_map(std::span<std::string_view const> keys) {
  if (keys.empty()) return "a map";
  std::string out = keys.size() == 1 ? "a map with key " : "a map with keys ";
  for (auto k : keys) out.append(k).append(", ");
  out.resize(out.size() - 2);
  return out;
}

std::string describe_record(std::string_view tag, std::span<std::string_view const> fields) {
  // As an Erlang pattern would match it: {stats, Mean, Max}.
  auto out = "a record {" + std::string(tag);
  for (auto f : fields) {
    out.append(", ");
    if (!f.empty() && f[0] >= 'a' && f[0] <= 'z') {
      out.push_back(static_cast<char>(f[0] - 'a' + 'A'));
      f.remove_prefix(1);
    }
    out.append(f);
  }
  return out + "}";
}

void throw_in_field(bad_conversion const& e, std::string_view field, std::string const& whole) {
  throw bad_conversion(e.expected() + " in field " + std::string(field) + " of " + whole, e.got());
}

} // namespace detail

std::string convert<std::string>::from(value const& v) {
  if (v.is_binary()) {
    auto b = v.bytes();
    return {reinterpret_cast<char const*>(b.data()), b.size()};
  }
  if (v.is_atom()) return std::string(v.as_atom().name());
  if (!v.is_proper_list()) throw bad_conversion("a string", v);
  std::string out;
  out.reserve(v.list_elements().size());
  for (auto const& e : v.list_elements()) {
    auto const cp = e.is_small() ? e.as_int() : -1;
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw bad_conversion("a string", v);
    detail::append_utf8(static_cast<std::uint32_t>(cp), out);
  }
  return out;
}

} // namespace enode::term
