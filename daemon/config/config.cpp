// Look-ups on a loaded config. Linear scans: a city has tens of entries and
// callers on hot paths build their own indexes (schedule/, routing/).
#include "config/config.hpp"

#include <algorithm>

namespace caseroute::config {
namespace {

template <class T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
  const auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.id == id; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const counselor* config::find_counselor(const std::string& id) const { return find_by_id(counselors, id); }

const supervisor* config::find_supervisor(const std::string& id) const { return find_by_id(supervisors, id); }

const viewer* config::find_viewer(const std::string& id) const { return find_by_id(viewers, id); }

const platform* config::find_platform(const std::string& id) const { return find_by_id(platforms, id); }

const site* config::find_site(const std::string& id) const { return find_by_id(sites, id); }

bool config::has_specialty(const std::string& code) const {
  return std::any_of(specialties.begin(), specialties.end(), [&](const specialty& s) { return s.code == code; });
}

bool config::has_county(const std::string& code) const {
  return std::any_of(counties.begin(), counties.end(), [&](const county& c) { return c.code == code; });
}

}  // namespace caseroute::config
