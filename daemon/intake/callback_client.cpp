// The status callbacks' HTTP client: one POST per call over Beast (the second
// Beast translation unit; Beast stays out of headers), plain TCP or TLS with
// the system's CA store and host-name checks. Whole-exchange deadline; the
// answer's body is read within a limit and dropped, never logged.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "intake/callbacks.hpp"

namespace caseroute::intake {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint64_t max_answer_bytes = 64 * 1024;

callback_answer broken(const char* step, boost::system::error_code ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) return {0, "timeout"};
  return {0, std::string(step) + ": " + ec.message()};
}

asio::ssl::context& tls_context() {
  static asio::ssl::context ctx = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(asio::ssl::verify_peer);
    return c;
  }();
  return ctx;
}

template <class Stream>
asio::awaitable<callback_answer> exchange(Stream& stream, bhttp::request<bhttp::string_body> req) {
  auto [we, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (we) co_return broken("send", we);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_answer_bytes);
  auto [re, rn] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  // An answer whose body is too long still has its status.
  if (re && !(re == bhttp::error::body_limit && parser.is_header_done())) co_return broken("answer", re);
  co_return callback_answer{static_cast<int>(parser.get().result_int()), {}};
}

}  // namespace

asio::awaitable<callback_answer> post_callback(callback_target to,
                                               std::vector<std::pair<std::string, std::string>> headers,
                                               std::string body, std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + timeout;

  // The resolver has no deadline of its own: race it against a timer.
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex);
  timer.expires_at(deadline);
  auto raced = co_await (resolver.async_resolve(to.host, to.port, asio::as_tuple(asio::use_awaitable)) ||
                         timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (raced.index() == 1) co_return callback_answer{0, "timeout"};
  auto [rec, endpoints] = std::get<0>(std::move(raced));
  if (rec) co_return broken("resolve", rec);

  bhttp::request<bhttp::string_body> req{bhttp::verb::post, to.target, 11};
  const bool default_port = to.port == (to.tls ? "443" : "80");
  req.set(bhttp::field::host, default_port ? to.host : to.host + ":" + to.port);
  req.set(bhttp::field::user_agent, "caseroute-callbacks");
  req.set(bhttp::field::content_type, "application/json");
  for (auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  req.keep_alive(false);

  if (!to.tls) {
    beast::tcp_stream stream(ex);
    stream.expires_at(deadline);
    auto [ce, ep] = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    if (ce) co_return broken("connect", ce);
    auto answer = co_await exchange(stream, std::move(req));
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return answer;
  }

  beast::ssl_stream<beast::tcp_stream> stream(ex, tls_context());
  if (!SSL_set_tlsext_host_name(stream.native_handle(), to.host.c_str())) co_return callback_answer{0, "tls: SNI"};
  stream.set_verify_callback(asio::ssl::host_name_verification(to.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [ce, ep] =
      co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (ce) co_return broken("connect", ce);
  auto [he] = co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (he) co_return broken("tls", he);
  co_return co_await exchange(stream, std::move(req));
}

}  // namespace caseroute::intake
