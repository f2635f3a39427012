#include <enode/http/prometheus.hpp>

#include <charconv>
#include <cmath>

namespace enode::http::prometheus {

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void writer::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) out_ += c == '\n' ? ' ' : c;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void writer::head(std::string_view name, labels const& l) {
  out_ += name;
  if (!l.empty()) {
    out_ += '{';
    bool first = true;
    for (auto const& [k, v] : l) {
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      out_ += escape_label(v);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void writer::sample(std::string_view name, labels const& l, double value) {
  head(name, l);
  if (std::isnan(value)) {
    out_ += "NaN";
  } else if (std::isinf(value)) {
    out_ += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, end);
  }
  out_ += '\n';
}

void writer::sample(std::string_view name, labels const& l, std::uint64_t value) {
  head(name, l);
  out_ += std::to_string(value);
  out_ += '\n';
}

} // namespace enode::http::prometheus
