// Keeps open offers in line with the roster: an offer to a counselor who is
// no longer configured or no longer on duty is withdrawn and the case queued
// again. Reads the given config and roster; routes nothing itself.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "config/config.hpp"
#include "schedule/schedule.hpp"
#include "store/case_store.hpp"

namespace caseroute::dispatch {

// Withdraws every open offer whose counselor is missing from cfg or not in
// roster->on_duty(now) (event case.offer_withdrawn; the counselor is not
// excluded). Returns how many were withdrawn; fails only when Redis is
// unavailable. Safe on any replica at any time: each withdrawal is one script
// that re-checks the case is still offered to that counselor. The caller
// kicks routing so the cases are offered again.
boost::asio::awaitable<boost::system::result<int>> withdraw_off_duty_offers(
    store::case_store& store, std::shared_ptr<const config::config> cfg, std::shared_ptr<const schedule::roster> roster,
    time_point now);

}  // namespace caseroute::dispatch
