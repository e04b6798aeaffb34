// The router: eligibility, then ranking, over one counselor index prepared
// per pass; crisis broadcasts and continuity waits when the options ask.
// Decisions are values; the store applies them atomically.
#include "routing/routing.hpp"

#include <algorithm>
#include <cassert>

#include "routing/candidates.hpp"
#include "routing/ranking.hpp"

namespace caseroute::routing {

namespace {

offer make_offer(const queued_case& c, const candidate& who, rule by, bool relaxed) {
  offer o;
  o.case_id = c.id;
  o.counselor_id = who.profile->id;
  o.site_id = offer_site(c, who);
  o.chosen_by = by;
  o.relaxed_rule5 = relaxed;
  return o;
}

}  // namespace

const char* to_string(rule r) {
  switch (r) {
    case rule::only:
      return "only";
    case rule::continuity:
      return "continuity";
    case rule::skill:
      return "skill";
    case rule::load:
      return "load";
    case rule::idle:
      return "idle";
    case rule::id:
      return "id";
    case rule::broadcast:
      return "broadcast";
  }
  return "unknown";
}

struct duty_index::parts {
  const config::config* cfg;
  std::vector<schedule::duty_slot> on_duty;
  candidate_index index;

  parts(const config::config& c, std::vector<schedule::duty_slot> slots)
      : cfg(&c), on_duty(std::move(slots)), index(cfg, on_duty) {}
};

duty_index::duty_index(const config::config& cfg, std::vector<schedule::duty_slot> on_duty)
    : parts_(std::make_unique<parts>(cfg, std::move(on_duty))) {}

duty_index::~duty_index() = default;
duty_index::duty_index(duty_index&&) noexcept = default;
duty_index& duty_index::operator=(duty_index&&) noexcept = default;

const config::config& duty_index::cfg() const { return *parts_->cfg; }

const std::vector<schedule::duty_slot>& duty_index::on_duty() const { return parts_->on_duty; }

router::router(const snapshot& s, time_point now, plan_options options)
    : snap_(s), now_(now), options_(options), owned_(std::make_unique<candidate_index>(s, now)), index_(owned_.get()) {}

router::router(const snapshot& s, time_point now, duty_index& duty, plan_options options)
    : snap_(s), now_(now), options_(options), index_(&duty.parts_->index) {
  assert(s.cfg == duty.parts_->cfg && s.on_duty.size() == duty.parts_->on_duty.size());
  index_->begin_pass(s, now);
}

router::~router() = default;

decision router::route(const queued_case& c) { return decide(c, false); }

decision router::route_and_count(const queued_case& c) { return decide(c, true); }

std::vector<decision> router::plan(const std::vector<queued_case>& queue) {
  std::vector<decision> decisions;
  decisions.reserve(queue.size());
  const config::routing_settings settings = snap_.cfg ? snap_.cfg->routing : config::routing_settings{};
  const std::vector<const queued_case*> order = queue_order(queue, now_, settings);
  // Speed only. Queue order visits the cases out of memory order, and most
  // cases cost little more than reading them: fetch the ones a few places
  // ahead (their record, then their concerns) while deciding this one. Kept
  // inline: g++ 12 deletes a helper holding only __builtin_prefetch calls.
  constexpr std::size_t ahead = 8;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 2 * ahead < order.size()) {
      const char* next = reinterpret_cast<const char*>(order[i + 2 * ahead]);
      for (std::size_t line = 0; line < sizeof(queued_case); line += 64) __builtin_prefetch(next + line);
    }
    if (i + ahead < order.size() && !order[i + ahead]->concerns.empty()) {
      __builtin_prefetch(order[i + ahead]->concerns.data());
    }
    decisions.push_back(decide(*order[i], true));
  }
  return decisions;
}

bool router::anyone_free() const { return index_->anyone_free(); }

bool router::could_serve(const queued_case& c) { return index_->could_serve(c); }

std::string router::wait_reason(const queued_case& c) {
  eligibility found = index_->find_eligible(c);
  if (found.eligible.empty()) return found.reason;
  return "a counselor on duty is eligible; the next routing pass offers it";
}

decision router::decide(const queued_case& c, bool count) {
  eligibility found = index_->find_eligible(c);
  if (found.eligible.empty()) {
    // Nobody now: the case stays queued, waiting (with a recorded wait) for
    // an off-duty continuity counselor when one is due within the limit.
    if (options_.continuity_roster != nullptr)
      if (auto wait = continuity_wait(c)) return std::move(*wait);
    return keep_queued{c.id, std::move(found.reason), !index_->could_serve(c)};
  }
  const std::vector<const candidate*> continuity = continuity_of(c, snap_, *index_);

  // Continuity across shifts: wait for an off-duty continuity counselor
  // unless one is eligible now (then the ranking offers it to them).
  std::string note;
  const auto served_before = [&](const candidate* who) {
    return std::find(continuity.begin(), continuity.end(), who) != continuity.end();
  };
  if (options_.continuity_roster != nullptr &&
      std::none_of(found.eligible.begin(), found.eligible.end(), served_before)) {
    if (auto wait = continuity_wait(c)) return std::move(*wait);
    note = continuity_note(c);
  }

  const bool crisis = c.level == risk::crisis;

  if (crisis && options_.crisis_broadcast) {
    broadcast all{c.id, {}};
    for (const choice& ranked : rank_all(c, found.eligible, continuity, *index_, rule::broadcast)) {
      all.offers.push_back(make_offer(c, *ranked.winner, ranked.chosen_by, found.relaxed_rule5));
      all.offers.back().note = note;
      if (count) index_->record_offer(*ranked.winner, now_, true);
    }
    return all;
  }
  const choice best = choose(c, found.eligible, continuity, *index_);
  // Count the planned offer so this pass neither overfills nor always picks
  // the same counselor.
  if (count) index_->record_offer(*best.winner, now_, crisis);
  offer chosen = make_offer(c, *best.winner, best.chosen_by, found.relaxed_rule5);
  chosen.note = std::move(note);
  return chosen;
}

std::optional<wait_for_counselor> router::continuity_wait(const queued_case& c) {
  const config::routing_settings settings = snap_.cfg ? snap_.cfg->routing : config::routing_settings{};
  if (snap_.cfg == nullptr || settings.continuity_wait.count() <= 0) return std::nullopt;
  if (c.level != risk::low && c.level != risk::medium) return std::nullopt;  // higher risk never waits
  if (c.youth_ref.empty()) return std::nullopt;
  auto served = snap_.continuity.find(c.youth_ref);
  if (served == snap_.continuity.end()) return std::nullopt;
  const time_point deadline = c.created_at + settings.continuity_wait;

  std::optional<wait_for_counselor> best;
  for (const std::string& id : served->second) {                            // by id: ties go to the smaller id
    if (index_->find(id) != nullptr || c.excluded.count(id) > 0) continue;  // on duty now, or declined it
    const config::counselor* who = profile(id);
    if (who == nullptr) continue;
    const std::vector<schedule::duty_slot>& next = next_duty(id);
    if (next.empty() || next.front().shift_start > deadline || !can_serve(c, *who, next)) continue;
    if (best && best->until <= next.front().shift_start) continue;
    best = wait_for_counselor{
        c.id, id, next.front().shift_start,
        "waiting for continuity counselor " + id + ", whose next shift starts within " + "routing.continuity_wait"};
  }
  return best;
}

std::string router::continuity_note(const queued_case& c) {
  if (snap_.cfg == nullptr || c.youth_ref.empty()) return {};
  auto served = snap_.continuity.find(c.youth_ref);
  if (served == snap_.continuity.end()) return {};
  for (const std::string& id : served->second) {                            // by id: the note names the smallest
    if (index_->find(id) != nullptr || c.excluded.count(id) > 0) continue;  // on duty now, or declined it
    const config::counselor* who = profile(id);
    if (who == nullptr) continue;
    const std::string off = "continuity counselor " + id + " is off duty; ";
    if (c.level == risk::high) return off + "a RISK_HIGH case never waits";
    if (c.level == risk::crisis) return off + "a RISK_CRISIS case never waits";
    if (snap_.cfg->routing.continuity_wait.count() <= 0) return off + "routing.continuity_wait is 0 (do not wait)";
    const std::vector<schedule::duty_slot>& next = next_duty(id);
    if (next.empty() || next.front().shift_start > c.created_at + snap_.cfg->routing.continuity_wait)
      return off + "their next shift does not start within routing.continuity_wait";
    if (!can_serve(c, *who, next)) return off + "they could not take the case in their next shift";
  }
  return {};
}

const std::vector<schedule::duty_slot>& router::next_duty(const std::string& counselor_id) {
  static const std::vector<schedule::duty_slot> none;
  if (!next_duties_) next_duties_ = options_.continuity_roster->next_duties(now_);
  auto it = next_duties_->find(counselor_id);
  return it == next_duties_->end() ? none : it->second;
}

const config::counselor* router::profile(const std::string& counselor_id) {
  if (profiles_.empty())
    for (const config::counselor& c : snap_.cfg->counselors) profiles_.emplace(c.id, &c);
  auto it = profiles_.find(counselor_id);
  return it == profiles_.end() ? nullptr : it->second;
}

decision route_one(const queued_case& c, const snapshot& s, time_point now) { return router(s, now).route(c); }

decision route_one(const queued_case& c, const snapshot& s, time_point now, const plan_options& options) {
  return router(s, now, options).route(c);
}

std::vector<decision> plan(const std::vector<queued_case>& queue, const snapshot& s, time_point now,
                           const plan_options& options) {
  return router(s, now, options).plan(queue);
}

std::string wait_reason(const queued_case& c, const snapshot& s, time_point now) {
  return router(s, now).wait_reason(c);
}

}  // namespace caseroute::routing
