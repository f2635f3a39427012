#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Prometheus's text exposition format (version 0.0.4), written out.
namespace enode::http::prometheus {

/// The content type of the text format.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

using labels = std::vector<std::pair<std::string_view, std::string>>;

/// Families of samples, one after the other:
///
///     prometheus::writer w;
///     w.family("enode_processes", "gauge", "Processes alive.");
///     w.sample("enode_processes", {}, 12);
class writer {
public:
  /// Begins a family: its `# HELP` and `# TYPE` lines (`counter`, `gauge`, `untyped`).
  void family(std::string_view name, std::string_view type, std::string_view help);
  /// One sample; label values are escaped as the format wants.
  void sample(std::string_view name, labels const& l, double value);
  void sample(std::string_view name, labels const& l, std::uint64_t value);
  std::string const& text() const noexcept { return out_; }

private:
  void head(std::string_view name, labels const& l);
  std::string out_;
};

/// A label value with `\`, `"` and newlines escaped.
std::string escape_label(std::string_view v);

} // namespace enode::http::prometheus

#pragma GCC visibility pop
