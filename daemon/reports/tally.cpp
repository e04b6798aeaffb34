// Replays a case's history into day counters. Mirrors tally() and
// tally_groups() of lua/common.lua line by line: a change there is a change
// here (tests/integration/reports compares both on a random history).
#include "reports/tally.hpp"

#include <map>

namespace caseroute::reports {

namespace {

std::string value(const std::string& v) {
  std::string out = v;
  for (char& c : out)
    if (c == '|' || c == '=' || static_cast<unsigned char>(c) < 32 || c == 127) c = '_';
  return out;
}

std::string bucket(std::int64_t ms) {
  for (auto b : bucket_bounds)
    if (ms <= b * 1000) return "le" + std::to_string(b);
  return "inf";
}

std::int64_t ms_of(const v1::Event& e) { return e.at().seconds() * 1000 + e.at().nanos() / 1000000; }

const std::map<std::string, std::string>& reported() {
  static const std::map<std::string, std::string> m = {
      {"case.created", "referrals"}, {"case.offered", "offers"},         {"case.accepted", "accepts"},
      {"case.declined", "declines"}, {"case.offer_expired", "expiries"}, {"case.escalated", "escalations"},
      {"case.released", "releases"}, {"case.resolved", "resolutions"},   {"case.cancelled", "cancellations"}};
  return m;
}

bool by_counselor(const std::string& metric) {
  return metric == "offers" || metric == "accepts" || metric == "declines" || metric == "expiries" ||
         metric == "releases" || metric == "resolutions";
}

}  // namespace

void tally_case(const case_facts& c, const std::vector<v1::Event>& history,
                const std::function<std::string(time_point)>& day_of, day_map& out) {
  std::string report_site;
  std::map<std::string, std::string>
      offer_site;  // counselor -> site of their latest offer (the case's 'site' at accept)
  bool offered = false, accepted = false;
  int escalation = 0;
  std::int64_t accepted_at = -1;  // the latest accept (ms), -1: none since a release
  for (const auto& e : history) {
    auto it = reported().find(e.type());
    if (it == reported().end()) continue;
    const std::string& metric = it->second;
    const std::int64_t now = ms_of(e);
    auto& day = out[day_of(time_point(std::chrono::milliseconds(now)))];
    if (metric == "referrals")
      for (int g : c.groups)
        day["group_referrals|group=" + std::to_string(g) + "|county=" + value(c.county) +
            "|concern=" + value(c.concern) + "|risk=" + std::to_string(c.risk) + "|mode=" + std::to_string(c.mode) +
            "|platform=" + value(c.platform)] += 1;
    std::string site = report_site;
    if (metric == "offers") {
      site = e.site_id();
      offer_site[e.counselor_id()] = e.site_id();
    }
    if (metric == "accepts")
      if (auto s = offer_site.find(e.counselor_id()); s != offer_site.end()) site = s->second;
    report_site = site;
    const std::string dims = "|site=" + value(site) + "|county=" + value(c.county) + "|concern=" + value(c.concern) +
                             "|risk=" + std::to_string(c.risk) + "|mode=" + std::to_string(c.mode) +
                             "|outcome=" + std::to_string(static_cast<int>(e.outcome())) +
                             "|platform=" + value(c.platform);
    auto add = [&](const std::string& name) { day[name + dims] += 1; };
    if (metric == "escalations")
      add("escalations_" + std::to_string(e.escalation_level()));
    else
      add(metric);
    if (metric == "escalations") escalation = std::max(escalation, e.escalation_level());
    if (metric == "offers" && !offered) {
      offered = true;
      add("t_offer_" + bucket(now - c.created_ms));
    } else if (metric == "accepts" && !accepted) {
      accepted = true;
      add("t_accept_" + bucket(now - c.created_ms));
      if (c.risk == v1::RISK_CRISIS) add(escalation > 0 ? "crisis_accepts_escalated" : "crisis_accepts_direct");
    } else if (metric == "resolutions" && accepted_at >= 0) {
      add("t_resolve_" + bucket(now - accepted_at));
    }
    if (metric == "accepts") accepted_at = now;
    if (metric == "releases") accepted_at = -1;
    if (by_counselor(metric) && !e.counselor_id().empty()) {
      day[counselor_field(metric, e.counselor_id())] += 1;
      if (metric == "accepts" && c.risk == v1::RISK_CRISIS)
        day[counselor_field("crisis_accepts", e.counselor_id())] += 1;
    }
  }
}

std::string counselor_field(const std::string& metric, const std::string& counselor_id) {
  return metric + "|counselor=" + value(counselor_id);
}

}  // namespace caseroute::reports
