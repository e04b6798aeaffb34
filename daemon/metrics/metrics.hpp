// Counters, gauges and latency histograms rendered in the Prometheus text
// format for GET /metrics. Every name starts with caseroute_. Labels carry
// route patterns, states and ids of configuration objects, never case data.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caseroute::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

// A sample value as the text format wants it: the shortest form that reads
// back as the same double (0.1, not 0.10000000000000001), +Inf, -Inf, NaN.
std::string format_number(double v);

// The project version and the git commit the build was configured from
// ("unknown" outside a git checkout); caseroute_build_info's labels.
std::string_view build_version();
std::string_view build_commit();

// When this process started, in seconds since the Unix epoch (from /proc).
double process_start_time();

// Single-threaded: used only from the io_context thread.
class registry {
 public:
  registry();

  void inc(std::string_view name, const labels& l = {}, double by = 1.0);
  void set(std::string_view name, const labels& l, double value);
  void observe(std::string_view name, const labels& l, double value);
  // Drops every series of a gauge (before re-setting a whole family).
  void clear(std::string_view name);

  std::string render() const;

  // process_resident_memory_bytes and process_open_fds from /proc/self
  // (a few system calls: call it where gauges are refreshed, not per event).
  void sample_process();

 private:
  enum class kind { counter, gauge, histogram };
  struct family {
    kind type;
    std::string help;
    std::vector<double> buckets;  // histograms: upper bounds
  };
  struct histogram_series {
    std::vector<std::uint64_t> counts;  // one per bucket, non-cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  void describe(std::string name, kind type, std::string help, std::vector<double> buckets = {});
  const family& find(std::string_view name) const;

  std::map<std::string, family, std::less<>> families_;
  std::map<std::string, std::map<labels, double>, std::less<>> values_;
  std::map<std::string, std::map<labels, histogram_series>, std::less<>> histograms_;
};

}  // namespace caseroute::metrics
