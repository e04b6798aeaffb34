// The metric families caseroute exports and their text rendering.
#include "metrics/metrics.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace caseroute::metrics {

std::string format_number(double v) {
  if (v == std::numeric_limits<double>::infinity()) return "+Inf";
  if (v == -std::numeric_limits<double>::infinity()) return "-Inf";
  if (v != v) return "NaN";
  // The shortest text that reads back as the same double: le="0.1", not
  // 0.10000000000000001, so a query for le="0.1" finds the bucket.
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return "NaN";
  return std::string(buf, end);
}

namespace {

std::string escape_label(std::string_view v) {
  std::string out;
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

std::string render_labels(const labels& l, std::string_view extra_key = {}, std::string_view extra_value = {}) {
  if (l.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : l) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape_label(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += std::string(extra_key) + "=\"" + std::string(extra_value) + "\"";
  }
  return out + "}";
}

const std::vector<double> latency_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const std::vector<double> lag_buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
// caseroute.v1.Risk names, the values of every risk label.
constexpr const char* risk_names[] = {"RISK_LOW", "RISK_MEDIUM", "RISK_HIGH", "RISK_CRISIS"};

const std::vector<double> wait_buckets = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400, 86400};

}  // namespace

registry::registry() {
  describe("caseroute_referrals_total", kind::counter,
           "Referrals received, by platform and outcome (created, duplicate, conflict, invalid, unauthenticated, "
           "unavailable).");
  describe("caseroute_cases", kind::gauge, "Cases by state, read from Redis at most every limits.metrics_refresh.");
  describe("caseroute_open_cases", kind::gauge,
           "Open (queued, offered, active) cases by risk, read at most every limits.metrics_refresh.");
  describe("caseroute_referral_to_offer_seconds", kind::histogram, "Time from a case being queued to its first offer.",
           wait_buckets);
  describe("caseroute_offer_to_accept_seconds", kind::histogram, "Time from an offer to its acceptance.", wait_buckets);
  describe("caseroute_offers_total", kind::counter, "Offers made, by rule that chose the counselor.");
  describe("caseroute_offer_conflicts_total", kind::counter,
           "Planned offers another replica or request won first (expected under replicas).");
  describe("caseroute_offers_expired_total", kind::counter, "Offers that expired unanswered.");
  describe("caseroute_cases_purged_total", kind::counter,
           "Closed cases purged after privacy.retention_days (anonymous counts kept).");
  describe("caseroute_escalations_total", kind::counter, "Escalation level rises, by risk.");
  describe("caseroute_continuity_waits_total", kind::counter,
           "Cases left queued for their off-duty continuity counselor (each wait counted once).");
  describe("caseroute_counselors_on_duty", kind::gauge, "Counselors rostered for the current shift.");
  describe("caseroute_counselors_available", kind::gauge, "On-duty counselors signed in with free capacity.");
  describe("caseroute_http_requests_total", kind::counter, "HTTP requests by route pattern, method and status.");
  describe("caseroute_http_request_duration_seconds", kind::histogram, "HTTP request handling time by route.",
           latency_buckets);
  describe("caseroute_redis_up", kind::gauge, "1 when the Redis connection is up.");
  describe("caseroute_event_loop_lag_seconds", kind::histogram,
           "How late the event loop ran a timer that was due (stalls of the one I/O thread).", lag_buckets);
  describe("caseroute_routing_passes_total", kind::counter, "Routing passes run, by result (ok, unavailable).");
  describe("caseroute_routing_reads_total", kind::counter,
           "Reads of the routing state by the dispatcher, by kind (full: every queued case; delta: what the change "
           "feed named).");
  describe("caseroute_routing_cases_total", kind::counter,
           "Queued cases routed by the dispatcher (a pass routes what changed, not the whole queue).");
  describe("caseroute_queue_unservable", kind::gauge,
           "Queued cases nobody on duty can serve (their concern, county or risk), skipped when a slot frees.");
  describe("caseroute_config_reloads_total", kind::counter, "Config reloads by result (ok, rejected).");
  describe("caseroute_callbacks_total", kind::counter,
           "Status callback POSTs by result (delivered, failed: retried later, parked: given up).");
  describe("caseroute_callbacks_parked", kind::gauge,
           "Status callbacks parked after max_attempts (supervisors see them).");
  describe("caseroute_auth_failures_total", kind::counter,
           "Requests refused for a wrong, unknown or missing credential, by kind (signature, bearer, session, link).");
  describe("caseroute_rate_limited_total", kind::counter,
           "Requests answered 429 by a rate limit of config limits:, by limit (address, token, platform).");
  describe("caseroute_oldest_queued_seconds", kind::gauge,
           "Age of the oldest queued case by risk (since it was queued; 0 when none is queued).");
  describe("caseroute_oldest_unaccepted_seconds", kind::gauge,
           "Age of the oldest queued or offered case by risk (since it was queued; 0 when none).");
  describe("caseroute_queue_oldest_age_seconds", kind::gauge,
           "Age of the oldest queued case by risk, in seconds (0 when none is queued); the alerting name of "
           "caseroute_oldest_queued_seconds.");
  describe("caseroute_cases_over_escalation_limit", kind::gauge,
           "Queued or offered cases by risk escalated at least once: unaccepted past their escalation limit.");
  describe("caseroute_build_info", kind::gauge, "Always 1; the version and git commit of this binary as labels.");
  describe("process_start_time_seconds", kind::gauge, "Start time of the process since the Unix epoch, in seconds.");
  describe("process_resident_memory_bytes", kind::gauge, "Resident memory size in bytes.");
  describe("process_open_fds", kind::gauge, "Number of open file descriptors.");

  // Series whose labels are known up front exist from the start at 0, so
  // increase() and rate() see their first event (a series that appears at 1
  // has no earlier sample to compare with).
  for (const char* name : {"caseroute_offers_expired_total", "caseroute_offer_conflicts_total",
                           "caseroute_cases_purged_total", "caseroute_continuity_waits_total"})
    set(name, {}, 0);
  for (const char* result : {"ok", "rejected"}) set("caseroute_config_reloads_total", {{"result", result}}, 0);
  for (const char* result : {"ok", "unavailable"}) set("caseroute_routing_passes_total", {{"result", result}}, 0);
  for (const char* result : {"delivered", "failed", "parked"})
    set("caseroute_callbacks_total", {{"result", result}}, 0);
  for (const char* risk : risk_names) {
    set("caseroute_escalations_total", {{"risk", risk}}, 0);
    set("caseroute_oldest_queued_seconds", {{"risk", risk}}, 0);
    set("caseroute_oldest_unaccepted_seconds", {{"risk", risk}}, 0);
    set("caseroute_queue_oldest_age_seconds", {{"risk", risk}}, 0);
    set("caseroute_cases_over_escalation_limit", {{"risk", risk}}, 0);
  }
  set("caseroute_counselors_on_duty", {}, 0);
  set("caseroute_counselors_available", {}, 0);
  set("caseroute_callbacks_parked", {}, 0);
  set("caseroute_build_info", {{"version", std::string(build_version())}, {"commit", std::string(build_commit())}}, 1);
  set("process_start_time_seconds", {}, process_start_time());
  for (const char* name : {"caseroute_referral_to_offer_seconds", "caseroute_offer_to_accept_seconds",
                           "caseroute_event_loop_lag_seconds"}) {
    histograms_[name][labels{}].counts.assign(find(name).buckets.size(), 0);
  }
}

std::string_view build_version() { return CASEROUTE_VERSION; }
std::string_view build_commit() { return CASEROUTE_COMMIT; }

void registry::describe(std::string name, kind type, std::string help, std::vector<double> buckets) {
  families_.emplace(std::move(name), family{type, std::move(help), std::move(buckets)});
}

const registry::family& registry::find(std::string_view name) const {
  auto it = families_.find(name);
  if (it == families_.end()) throw std::logic_error("unknown metric " + std::string(name));
  return it->second;
}

void registry::inc(std::string_view name, const labels& l, double by) {
  find(name);
  auto& series = values_[std::string(name)];
  series[l] += by;
}

void registry::set(std::string_view name, const labels& l, double value) {
  find(name);
  values_[std::string(name)][l] = value;
}

void registry::clear(std::string_view name) {
  if (auto it = values_.find(name); it != values_.end()) it->second.clear();
}

void registry::observe(std::string_view name, const labels& l, double value) {
  const auto& f = find(name);
  auto& h = histograms_[std::string(name)][l];
  if (h.counts.empty()) h.counts.assign(f.buckets.size(), 0);
  for (std::size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) {
      ++h.counts[i];
      break;
    }
  }
  ++h.count;
  h.sum += value;
}

std::string registry::render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == kind::counter ? "counter" : f.type == kind::gauge ? "gauge" : "histogram";
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + type + "\n";
    if (f.type == kind::histogram) {
      auto it = histograms_.find(name);
      if (it == histograms_.end()) continue;
      for (const auto& [l, h] : it->second) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < f.buckets.size(); ++i) {
          cumulative += h.counts[i];
          out += name + "_bucket" + render_labels(l, "le", format_number(f.buckets[i])) + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += name + "_bucket" + render_labels(l, "le", "+Inf") + " " + std::to_string(h.count) + "\n";
        out += name + "_sum" + render_labels(l) + " " + format_number(h.sum) + "\n";
        out += name + "_count" + render_labels(l) + " " + std::to_string(h.count) + "\n";
      }
      continue;
    }
    auto it = values_.find(name);
    if (it == values_.end()) continue;
    for (const auto& [l, v] : it->second) out += name + render_labels(l) + " " + format_number(v) + "\n";
  }
  return out;
}

}  // namespace caseroute::metrics
