// Supervisor endpoints for status callbacks the platform never acknowledged:
// list the parked ones and requeue one. Callbacks carry ids and states only,
// so nothing personal is shown here.
#include "supervisor/supervisor.hpp"

#include <boost/asio/awaitable.hpp>

#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::supervisor {
namespace {

using api::context;
using api::fail;
using api::require_supervisor;

namespace asio = boost::asio;

constexpr int max_listed = 1000;

asio::awaitable<http::response> list_parked(context& ctx, store::outbox& outbox, http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  auto list = co_await outbox.parked(max_listed);
  if (!list) co_return fail(req, list.error());
  co_return http::encode(req, *list);
}

asio::awaitable<http::response> retry_parked(context& ctx, store::outbox& outbox, std::function<void()> kick,
                                             http::request req) {
  auto who = require_supervisor(ctx, req);
  if (auto* r = std::get_if<http::response>(&who)) co_return std::move(*r);
  const std::string event_id = req.params["eventId"];
  auto requeued = co_await outbox.retry_parked(event_id, caseroute::now());
  if (!requeued) co_return fail(req, requeued.error());
  if (!*requeued) co_return fail(req, http::not_found("no parked callback has this event id"));
  log::info(
      "callback.requeued",
      {{"event_id", event_id}, {"case_id", (*requeued)->case_id()}, {"supervisor", std::get<http::principal>(who).id}});
  if (kick) kick();
  co_return http::encode(req, **requeued);
}

}  // namespace

void add_parked_callback_routes(http::router& r, context& ctx, store::outbox& outbox, std::function<void()> kick) {
  r.add("GET", "/v1/callbacks/parked", "/v1/callbacks/parked",
        [&ctx, &outbox](http::request req) { return list_parked(ctx, outbox, std::move(req)); });
  r.add("POST", "/v1/callbacks/parked/{eventId}/retry", "/v1/callbacks/parked/{eventId}/retry",
        [&ctx, &outbox, kick](http::request req) { return retry_parked(ctx, outbox, kick, std::move(req)); });
}

}  // namespace caseroute::supervisor
