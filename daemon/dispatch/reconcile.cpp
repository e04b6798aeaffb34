// Offer reconciliation after a config reload or a shift end: finds open
// offers held by counselors off the roster and withdraws them through the
// store's atomic script. It decides nothing about where the cases go next.
#include "dispatch/reconcile.hpp"

#include <set>
#include <string>

#include "log/log.hpp"

namespace caseroute::dispatch {

boost::asio::awaitable<boost::system::result<int>> withdraw_off_duty_offers(
    store::case_store& store, std::shared_ptr<const config::config> cfg, std::shared_ptr<const schedule::roster> roster,
    time_point now) {
  auto offered = co_await store.offered_cases();
  if (!offered) co_return offered.error();
  if (offered->empty()) co_return 0;

  std::set<std::string> on_duty;
  for (const auto& d : roster->on_duty(now)) on_duty.insert(d.counselor_id);

  int withdrawn = 0;
  for (const auto& [case_id, counselor_id] : *offered) {
    const bool configured = cfg->find_counselor(counselor_id) != nullptr;
    if (configured && on_duty.contains(counselor_id)) continue;
    auto r = co_await store.withdraw(case_id, counselor_id, "counselor no longer on duty", now);
    if (!r) {
      if (r.error() == store::error::unavailable) co_return r.error();
      // Accepted, declined, expired or re-offered meanwhile: nothing to undo.
      continue;
    }
    ++withdrawn;
    log::info("case.offer_withdrawn",
              {{"case_id", case_id}, {"counselor_id", counselor_id}, {"configured", configured}});
  }
  co_return withdrawn;
}

}  // namespace caseroute::dispatch
