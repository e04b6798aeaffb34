// The standard process_* gauges, read from /proc (Linux). Never fails: a value
// that cannot be read keeps its last sample.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "metrics/metrics.hpp"

namespace caseroute::metrics {

// Boot time plus the process's start in clock ticks after boot; now when
// /proc cannot tell (the registry is built at start-up).
double process_start_time() {
  const auto fallback = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return fallback();
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  // rest starts at field 3 (state); starttime is field 22.
  for (int i = 3; i < 22 && (rest >> field); ++i) {
  }
  unsigned long long start_ticks = 0;
  if (!(rest >> start_ticks)) return fallback();
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.rfind("btime ", 0) != 0) continue;
    const double boot = std::stod(line.substr(6));
    const long ticks = sysconf(_SC_CLK_TCK);
    if (ticks <= 0) return fallback();
    return boot + static_cast<double>(start_ticks) / static_cast<double>(ticks);
  }
  return fallback();
}

void registry::sample_process() {
  std::ifstream statm("/proc/self/statm");
  unsigned long long size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    set("process_resident_memory_bytes", {},
        static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  // The directory listing itself held one descriptor.
  if (!ec && fds > 0) set("process_open_fds", {}, static_cast<double>(fds - 1));
}

}  // namespace caseroute::metrics
