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

const counselor* config::find_counselor(const std::string& id) const {
  if (const auto it = counselor_index.find(id);
      it != counselor_index.end() && it->second < counselors.size() && counselors[it->second].id == id) {
    return &counselors[it->second];
  }
  return find_by_id(counselors, id);
}

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

namespace {

template <class T>
void index_each(const std::vector<T>& people, config::token_role role,
                std::unordered_map<std::string, config::token_holder>& out) {
  for (std::size_t i = 0; i < people.size(); ++i)
    if (!people[i].token_sha256.empty()) out.emplace(people[i].token_sha256, config::token_holder{role, i});
}

// The configured digest held at `h`, or nullptr when the lists are shorter.
const std::string* digest_at(const config& c, config::token_holder h) {
  switch (h.role) {
    case config::token_role::counselor:
      return h.at < c.counselors.size() ? &c.counselors[h.at].token_sha256 : nullptr;
    case config::token_role::supervisor:
      return h.at < c.supervisors.size() ? &c.supervisors[h.at].token_sha256 : nullptr;
    case config::token_role::viewer:
      return h.at < c.viewers.size() ? &c.viewers[h.at].token_sha256 : nullptr;
  }
  return nullptr;
}

template <class T>
std::optional<config::token_holder> scan(const std::vector<T>& people, config::token_role role,
                                         std::string_view digest) {
  for (std::size_t i = 0; i < people.size(); ++i)
    if (!people[i].token_sha256.empty() && people[i].token_sha256 == digest) return config::token_holder{role, i};
  return std::nullopt;
}

}  // namespace

void config::build_indexes() {
  counselor_index.clear();
  for (std::size_t i = 0; i < counselors.size(); ++i) counselor_index.emplace(counselors[i].id, i);
  token_index.clear();
  index_each(counselors, token_role::counselor, token_index);
  index_each(supervisors, token_role::supervisor, token_index);
  index_each(viewers, token_role::viewer, token_index);
}

std::optional<config::token_holder> config::find_token(std::string_view digest) const {
  if (!token_index.empty()) {
    const auto it = token_index.find(std::string(digest));
    if (it == token_index.end()) return std::nullopt;
    if (const auto* held = digest_at(*this, it->second); held != nullptr && *held == digest) return it->second;
  }
  // Never indexed, or edited since: a scan answers right either way.
  if (auto found = scan(counselors, token_role::counselor, digest)) return found;
  if (auto found = scan(supervisors, token_role::supervisor, digest)) return found;
  return scan(viewers, token_role::viewer, digest);
}

}  // namespace caseroute::config
