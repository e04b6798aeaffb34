// Supervisor endpoints for status callbacks the platform never acknowledged:
// list the parked ones and requeue one. Callbacks carry ids and states only,
// so nothing personal is shown here.
#include "supervisor/parked_callbacks.hpp"

#include "api/errors.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::supervisor {

namespace asio = boost::asio;

namespace {
constexpr int max_listed = 1000;
}  // namespace

asio::awaitable<http::response> list_parked(api::context& ctx, api::caller, http::request req) {
  auto list = co_await ctx.outbox.parked(max_listed);
  if (!list) co_return api::fail(req, list.error());
  co_return http::encode(req, *list);
}

asio::awaitable<http::response> retry_parked(api::context& ctx, api::caller who, http::request req) {
  const std::string event_id = req.params["eventId"];
  auto requeued = co_await ctx.outbox.retry_parked(event_id, caseroute::now());
  if (!requeued) co_return api::fail(req, requeued.error());
  if (!*requeued) co_return api::fail(req, http::not_found("no parked callback has this event id"));
  log::info("callback.requeued", {{"event_id", event_id}, {"case_id", (*requeued)->case_id()}, {"supervisor", who.id}});
  if (ctx.kick_callbacks) ctx.kick_callbacks();
  co_return http::encode(req, **requeued);
}

}  // namespace caseroute::supervisor
