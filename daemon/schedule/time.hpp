// The one time type of the daemon: milliseconds on the system clock, what
// Redis stores and every event carries. Pure code (routing, schedule) takes
// the time as an argument and never calls now(); the loops and handlers read
// the clock once per pass or request and pass that instant down.
#pragma once

#include <chrono>

namespace caseroute {

using time_point = std::chrono::sys_time<std::chrono::milliseconds>;

inline time_point now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace caseroute
