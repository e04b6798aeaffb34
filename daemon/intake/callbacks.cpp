// The status-callback delivery loop: due cases from the outbox, one claimed
// head per case, signed like incoming platform requests, popped only after a
// 2xx (at least once), retried with jittered backoff, parked after
// max_attempts. Bodies and secrets are never logged; only ids and statuses.
#include "intake/callbacks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "config/backoff.hpp"
#include "http/auth.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace caseroute::intake {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr int batch = 100;         // due cases read per pass
constexpr int max_in_flight = 32;  // POSTs at once per replica
constexpr auto poll = 200ms;
constexpr auto parked_refresh = 5s;  // how often the parked gauge is re-read

std::string new_replica_id() {
  std::random_device rd;
  static constexpr char digits[] = "0123456789abcdef";
  std::string id = std::to_string(::getpid()) + "-";
  for (int i = 0; i < 12; ++i) id.push_back(digits[rd() % 16]);
  return id;
}

std::int64_t unix_seconds(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<callback_target> parse_callback_url(std::string_view url) {
  callback_target t;
  if (url.starts_with("https://")) {
    t.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    t.target = std::string(url.substr(slash));
    if (t.target.front() == '?') t.target.insert(0, "/");
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority, port;
  if (authority.front() == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (!port.empty()) {
    int n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || p != port.data() + port.size() || n < 1 || n > 65535) return std::nullopt;
  }
  t.host = std::string(host);
  t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
  return t;
}

callback_worker::callback_worker(api::context& ctx, store::outbox& outbox)
    : ctx_(ctx), outbox_(outbox), wake_(ctx.io), replica_(new_replica_id()), random_(std::random_device{}()) {}

void callback_worker::kick() {
  kicked_ = true;
  wake_.cancel();
}

void callback_worker::stop() {
  stopping_ = true;
  wake_.cancel();
}

asio::awaitable<void> callback_worker::run() {
  auto next_gauge = std::chrono::steady_clock::now();
  while (!stopping_) {
    kicked_ = false;
    if (ctx_.redis.connected() && !ctx_.shutting_down) {
      auto ids = co_await outbox_.due(now(), batch);
      if (ids) {
        for (auto& id : *ids) {
          if (static_cast<int>(in_flight_.size()) >= max_in_flight) break;
          if (!in_flight_.insert(id).second) continue;
          asio::co_spawn(ctx_.io, deliver(id), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
          });
        }
      }
      if (std::chrono::steady_clock::now() >= next_gauge) {
        next_gauge = std::chrono::steady_clock::now() + parked_refresh;
        if (auto n = co_await outbox_.parked_count())
          ctx_.metrics.set("caseroute_callbacks_parked", {}, static_cast<double>(*n));
      }
    }
    if (stopping_) break;
    if (kicked_) continue;
    wake_.expires_after(poll);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> callback_worker::deliver(std::string case_id) {
  struct release {
    std::set<std::string>& set;
    const std::string& id;
    ~release() { set.erase(id); }
  } done{in_flight_, case_id};

  const auto cfg = ctx_.cfg;  // one config for this attempt, whatever reloads meanwhile
  const config::callback_settings defaults = cfg->callbacks;
  // The lease outlives the longest POST, so it never lapses mid-delivery.
  std::chrono::milliseconds longest = defaults.timeout;
  for (const auto& p : cfg->platforms)
    if (p.callbacks) longest = std::max(longest, p.callbacks->timeout);
  auto claimed = co_await outbox_.claim(case_id, replica_, 2 * longest + std::chrono::milliseconds(5000));
  if (!claimed || !*claimed) co_return;
  store::outbox_head head = std::move(**claimed);
  const v1::StatusCallback& cb = head.callback;

  const config::platform* p = cfg->find_platform(cb.platform_id());
  const config::callback_settings s = p && p->callbacks ? *p->callbacks : defaults;
  std::string problem;
  if (p == nullptr || p->callback_url.empty()) {
    problem = "the platform has no callback_url";
  } else if (auto to = parse_callback_url(p->callback_url); !to) {
    problem = "callback_url cannot be parsed";
  } else {
    const std::string body = http::to_json(cb);
    auto headers = http::sign_request(p->id, p->secret, unix_seconds(now()), "POST", to->target, body);
    headers.emplace_back("X-Event-Id", cb.event_id());
    const auto started = std::chrono::steady_clock::now();
    auto answer = co_await post_callback(*to, std::move(headers), body, s.timeout);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (answer.status >= 200 && answer.status < 300) {
      auto ok = co_await outbox_.delivered(case_id, replica_, std::move(head.bytes), now());
      ctx_.metrics.inc("caseroute_callbacks_total", {{"result", "delivered"}});
      log::info("callback.delivered", {{"case_id", case_id},
                                       {"event_id", cb.event_id()},
                                       {"type", cb.type()},
                                       {"status", answer.status},
                                       {"attempts", head.attempts + 1},
                                       {"seconds", secs}});
      // Redis down after the 2xx: the callback stays and is sent again later
      // (at least once; the platform deduplicates on event_id).
      if (!ok) log::warn("callback.ack_not_stored", {{"case_id", case_id}, {"event_id", cb.event_id()}});
      kick();
      co_return;
    }
    problem = answer.status != 0 ? "HTTP " + std::to_string(answer.status) : answer.error;
  }

  const int failures = head.attempts + 1;
  const auto now = caseroute::now();
  const auto retry_at = now + config::backoff{s.initial_backoff, s.max_backoff}.delay(failures, random_());
  const std::string event_id = cb.event_id(), type = cb.type();
  auto parked = co_await outbox_.failed(case_id, replica_, std::move(head), problem, now, retry_at, s.max_attempts);
  if (parked && *parked) {
    ctx_.metrics.inc("caseroute_callbacks_total", {{"result", "parked"}});
    log::error(
        "callback.parked",
        {{"case_id", case_id}, {"event_id", event_id}, {"type", type}, {"attempts", failures}, {"error", problem}});
    if (auto n = co_await outbox_.parked_count())
      ctx_.metrics.set("caseroute_callbacks_parked", {}, static_cast<double>(*n));
    kick();
    co_return;
  }
  ctx_.metrics.inc("caseroute_callbacks_total", {{"result", "failed"}});
  log::warn("callback.failed", {{"case_id", case_id},
                                {"event_id", event_id},
                                {"type", type},
                                {"attempts", failures},
                                {"error", problem},
                                {"retry_in_ms", (retry_at - now).count()}});
}

}  // namespace caseroute::intake
