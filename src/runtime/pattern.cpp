#include <enode/runtime/pattern.hpp>

#include <enode/term/parse.hpp>

#include <stdexcept>
#include <string>

namespace enode::runtime {

namespace {

/// 0 for no variable, N for the atom '$N' (N >= 1).
std::size_t variable_number(term::atom a) noexcept {
  auto name = a.name();
  if (name.size() < 2 || name[0] != '$') return 0;
  std::size_t n = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9' || n > 100000) return 0;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

bool is_wildcard(term::atom a) noexcept { return a.name() == "_"; }

// Scans the pattern for wildcards and the highest variable.
void survey(term::value const& p, std::size_t& vars, bool& wild) {
  switch (p.type()) {
    case term::kind::atom:
      if (is_wildcard(p.as_atom()))
        wild = true;
      else if (auto n = variable_number(p.as_atom())) {
        wild = true;
        if (n > vars) vars = n;
      }
      return;
    case term::kind::tuple:
      for (auto const& e : p.elements()) survey(e, vars, wild);
      return;
    case term::kind::list:
      for (auto const& e : p.list_elements()) survey(e, vars, wild);
      survey(p.list_tail(), vars, wild);
      return;
    case term::kind::map:
      for (auto const& e : p.map_entries()) survey(e.val, vars, wild);
      return;
    default: return;
  }
}

struct bindings {
  std::vector<term::value> values;
  std::vector<bool> set;
};

bool unify(term::value const& p, term::value const& t, bindings* bound) {
  switch (p.type()) {
    case term::kind::atom: {
      auto a = p.as_atom();
      if (is_wildcard(a)) return true;
      if (auto n = variable_number(a)) {
        if (!bound) return true;
        if (!bound->set[n - 1]) {
          bound->set[n - 1] = true;
          bound->values[n - 1] = t;
          return true;
        }
        return bound->values[n - 1] == t; // a variable used twice matches equal terms
      }
      return p == t;
    }
    case term::kind::tuple: {
      if (!t.is_tuple() || t.arity() != p.arity()) return false;
      for (std::size_t i = 0; i < p.arity(); ++i)
        if (!unify(p[i], t[i], bound)) return false;
      return true;
    }
    case term::kind::list: {
      if (!t.is_list() || t.is_nil()) return false;
      auto pe = p.list_elements();
      auto te = t.list_elements();
      if (te.size() < pe.size()) return false;
      for (std::size_t i = 0; i < pe.size(); ++i)
        if (!unify(pe[i], te[i], bound)) return false;
      // The pattern's tail matches what remains of the term.
      term::value rest = te.size() == pe.size() ? t.list_tail() : term::list_of(te.subspan(pe.size()), t.list_tail());
      return unify(p.list_tail(), rest, bound);
    }
    case term::kind::map: {
      if (!t.is_map()) return false;
      for (auto const& e : p.map_entries()) {
        auto const* v = t.find(e.key);
        if (!v || !unify(e.val, *v, bound)) return false;
      }
      return true;
    }
    default: return p == t;
  }
}

} // namespace

pattern::pattern(term::value p) : p_(std::move(p)) { survey(p_, variables_, wild_); }

pattern::pattern(std::string_view text)
    : pattern([&] {
        auto v = term::parse(text);
        if (!v) throw std::invalid_argument("runtime::pattern: " + v.error().message() + ": " + std::string(text));
        return *v;
      }()) {}

result<pattern> pattern::parse(std::string_view text) {
  auto v = term::parse(text);
  if (!v) return unexpected(v.error());
  return pattern(*v);
}

bool pattern::matches(term::value const& t) const {
  if (!wild_) return p_ == t;
  if (variables_ == 0) return unify(p_, t, nullptr);
  return match(t).has_value();
}

std::optional<std::vector<term::value>> pattern::match(term::value const& t) const {
  bindings b{std::vector<term::value>(variables_), std::vector<bool>(variables_, false)};
  if (!wild_) {
    if (p_ == t) return std::move(b.values);
    return std::nullopt;
  }
  if (!unify(p_, t, &b)) return std::nullopt;
  return std::move(b.values);
}

} // namespace enode::runtime
