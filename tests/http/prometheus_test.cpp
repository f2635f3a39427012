#include <enode/http/prometheus.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

namespace enode::http::prometheus {

TEST_SUITE("http") {

  TEST_CASE("prometheus: families with HELP and TYPE, samples with escaped labels") {
    writer w;
    w.family("enode_processes", "gauge", "Processes alive.");
    w.sample("enode_processes", {}, std::uint64_t{12});
    w.family("enode_dist_bytes_sent_total", "counter", "Bytes sent\nto the peer.");
    w.sample("enode_dist_bytes_sent_total", {{"peer", "a@h"}, {"odd", "q\"u\\o\nte"}}, std::uint64_t{7});
    w.sample("enode_dist_bytes_sent_total", {{"peer", "b@h"}}, 0.5);
    CHECK(w.text() == "# HELP enode_processes Processes alive.\n"
                      "# TYPE enode_processes gauge\n"
                      "enode_processes 12\n"
                      "# HELP enode_dist_bytes_sent_total Bytes sent to the peer.\n"
                      "# TYPE enode_dist_bytes_sent_total counter\n"
                      "enode_dist_bytes_sent_total{peer=\"a@h\",odd=\"q\\\"u\\\\o\\nte\"} 7\n"
                      "enode_dist_bytes_sent_total{peer=\"b@h\"} 0.5\n");
  }

  TEST_CASE("prometheus: special float values as the format spells them") {
    writer w;
    w.sample("x", {}, std::numeric_limits<double>::infinity());
    w.sample("y", {}, -std::numeric_limits<double>::infinity());
    w.sample("z", {}, std::nan(""));
    CHECK(w.text() == "x +Inf\ny -Inf\nz NaN\n");
  }
}

} // namespace enode::http::prometheus
