#include <enode/node/functions.hpp>

#include <algorithm>
#include <mutex>

namespace enode::node {

std::size_t functions::key_hash::operator()(key const& k) const noexcept {
  std::size_t h = std::hash<term::atom>{}(k.module);
  h = h * 31 + std::hash<term::atom>{}(k.function);
  return h * 31 + k.arity;
}

void functions::add(term::atom module, term::atom function, std::size_t arity, function_body body) {
  auto p = std::make_shared<function_body const>(std::move(body));
  std::unique_lock g(mutex_);
  table_.insert_or_assign(key{module, function, arity}, std::move(p));
}

bool functions::remove(term::atom module, term::atom function, std::size_t arity) {
  std::unique_lock g(mutex_);
  return table_.erase(key{module, function, arity}) > 0;
}

std::shared_ptr<function_body const> functions::find(term::atom module, term::atom function, std::size_t arity) const {
  std::shared_lock g(mutex_);
  auto it = table_.find(key{module, function, arity});
  return it == table_.end() ? nullptr : it->second;
}

std::vector<std::tuple<term::atom, term::atom, std::size_t>> functions::list() const {
  std::vector<std::tuple<term::atom, term::atom, std::size_t>> out;
  {
    std::shared_lock g(mutex_);
    for (auto const& [k, v] : table_) out.emplace_back(k.module, k.function, k.arity);
  }
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) {
    auto na = std::get<0>(a).name(), nb = std::get<0>(b).name();
    if (na != nb) return na < nb;
    auto fa = std::get<1>(a).name(), fb = std::get<1>(b).name();
    if (fa != fb) return fa < fb;
    return std::get<2>(a) < std::get<2>(b);
  });
  return out;
}

} // namespace enode::node
