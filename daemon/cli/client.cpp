// The command line's HTTP client (client.hpp): Beast over plain TCP or TLS,
// coroutines on a private io_context, a deadline on every step. Bodies are
// returned to the caller, never logged.
#include "cli/client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/version.hpp>

namespace caseroute::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint64_t max_answer_bytes = 64 * 1024 * 1024;

answer broken(const char* step, boost::system::error_code ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) return {0, {}, "timeout"};
  return {0, {}, std::string(step) + ": " + ec.message()};
}

bool is_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// What one exchange needs besides the stream: the request, and for a
// followed stream its idle limit and the receiver of the body.
struct exchange_plan {
  bhttp::request<bhttp::string_body> request;
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds idle{0};  // 0: read the whole answer
  const std::function<void(std::string_view)>* on_bytes = nullptr;
};

template <class Stream>
asio::awaitable<answer> exchange(Stream& stream, exchange_plan& plan) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(plan.timeout);
  auto [we, wn] = co_await bhttp::async_write(stream, plan.request, asio::as_tuple(asio::use_awaitable));
  if (we) co_return broken("send", we);
  beast::flat_buffer buffer;
  if (plan.on_bytes == nullptr) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_answer_bytes);
    auto [re, rn] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (re) co_return broken("answer", re);
    co_return answer{static_cast<int>(parser.get().result_int()), std::move(parser.get().body()), {}};
  }
  // A stream: the header within the timeout, then the body piece by piece.
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  auto [he, hn] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (he) co_return broken("answer", he);
  const int status = static_cast<int>(parser.get().result_int());
  std::string collected;
  while (!parser.is_done()) {
    char piece[8192];
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    lowest.expires_after(status == 200 ? plan.idle : plan.timeout);
    // read_some: hand over what has come, not wait for a full buffer.
    auto [re, rn] = co_await bhttp::async_read_some(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (re == bhttp::error::need_buffer) re = {};
    const std::string_view got(piece, sizeof piece - parser.get().body().size);
    if (status == 200) {
      (*plan.on_bytes)(got);
    } else if (collected.size() < max_answer_bytes) {
      collected.append(got);
    }
    if (re) {
      if (status != 200) co_return broken("answer", re);
      auto ended = broken("stream", re);
      ended.status = 200;
      co_return ended;
    }
  }
  if (status == 200) co_return answer{200, {}, "stream: the daemon ended it"};
  co_return answer{status, std::move(collected), {}};
}

// `plan` and the answer live in perform's frame, which outlives the io_context's run.
asio::awaitable<answer> run(call_settings settings, exchange_plan* plan) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  // The resolver has no deadline of its own: race it against a timer.
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex);
  timer.expires_after(settings.timeout);
  auto raced =
      co_await (resolver.async_resolve(settings.to.host, settings.to.port, asio::as_tuple(asio::use_awaitable)) ||
                timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (raced.index() == 1) co_return answer{0, {}, "timeout"};
  auto [rec, endpoints] = std::get<0>(std::move(raced));
  if (rec) co_return broken("resolve", rec);

  auto& req = plan->request;
  const bool default_port = settings.to.port == (settings.to.tls ? "443" : "80");
  const bool v6 = settings.to.host.find(':') != std::string::npos;
  const auto host = v6 ? "[" + settings.to.host + "]" : settings.to.host;
  req.set(bhttp::field::host, default_port ? host : host + ":" + settings.to.port);
  req.set(bhttp::field::user_agent, "caseroute-cli");
  req.set(bhttp::field::connection, "close");
  req.prepare_payload();

  if (!settings.to.tls) {
    beast::tcp_stream stream(ex);
    stream.expires_after(settings.timeout);
    auto [ce, ep] = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    if (ce) co_return broken("connect", ce);
    co_return co_await exchange(stream, *plan);
  }

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ve;
  if (settings.cacert.empty()) {
    ctx.set_default_verify_paths(ve);
  } else {
    ctx.load_verify_file(settings.cacert, ve);
  }
  if (ve) co_return answer{0, {}, "TLS trust store: " + ve.message()};
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback(asio::ssl::host_name_verification(settings.to.host));
  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  if (!is_address(settings.to.host)) SSL_set_tlsext_host_name(stream.native_handle(), settings.to.host.c_str());
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(settings.timeout);
  auto [ce, ep] = co_await lowest.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (ce) co_return broken("connect", ce);
  auto [he] = co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (he) co_return broken("TLS handshake", he);
  co_return co_await exchange(stream, *plan);
}

asio::awaitable<void> deliver(call_settings settings, exchange_plan* plan, answer* out) {
  *out = co_await run(std::move(settings), plan);
}

answer perform(const call_settings& settings, exchange_plan& plan) {
  asio::io_context ioc;
  answer result{0, {}, "no answer"};
  asio::co_spawn(ioc, deliver(settings, &plan, &result), asio::detached);
  ioc.run();
  return result;
}

bhttp::request<bhttp::string_body> make_request(std::string_view method, const std::string& target,
                                                const header_list& headers, const std::string& body) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.set(bhttp::field::accept, "application/json");
  return req;
}

}  // namespace

answer call(const call_settings& settings, std::string_view method, const std::string& target,
            const header_list& headers, const std::string& body) {
  exchange_plan plan{make_request(method, target, headers, body), settings.timeout};
  return perform(settings, plan);
}

answer follow(const call_settings& settings, const std::string& target, const header_list& headers,
              std::chrono::milliseconds idle, const std::function<void(std::string_view)>& on_bytes) {
  exchange_plan plan{make_request("GET", target, headers, ""), settings.timeout, idle, &on_bytes};
  plan.request.set(bhttp::field::accept, "text/event-stream");
  return perform(settings, plan);
}

}  // namespace caseroute::cli
