// The test receiver: POSIX sockets, a thread per connection, every wait
// bounded by poll() so a stuck client never hangs the test.
#include "receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace caseroute::testing {

namespace {

// Reads more bytes into `buf`; false on EOF, error or after `ms` without data.
bool read_some(int fd, std::string& buf, int ms, const std::atomic<bool>& stopping) {
  for (int waited = 0; waited < ms && !stopping; waited += 50) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char tmp[4096];
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  return false;
}

}  // namespace

callback_receiver::callback_receiver() : plan_([](int) { return reply_plan{}; }) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("receiver: cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

callback_receiver::~callback_receiver() {
  stopping_ = true;
  acceptor_.join();
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
}

void callback_receiver::set_plan(std::function<reply_plan(int)> plan) {
  std::lock_guard lock(mu_);
  plan_ = std::move(plan);
}

std::vector<received_post> callback_receiver::posts() const {
  std::lock_guard lock(mu_);
  return posts_;
}

bool callback_receiver::wait_for(const std::function<bool(const std::vector<received_post>&)>& pred,
                                 std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred(posts())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred(posts());
}

void callback_receiver::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void callback_receiver::serve(int fd) {
  std::string buf;
  std::size_t end = std::string::npos;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!read_some(fd, buf, 10000, stopping_)) return (void)::close(fd);
  received_post post;
  post.at = std::chrono::steady_clock::now();
  std::size_t line_end = buf.find("\r\n");
  const std::string request_line = buf.substr(0, line_end);
  const auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  post.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t pos = line_end + 2;
  while (pos < end) {
    const auto eol = buf.find("\r\n", pos);
    const std::string line = buf.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    post.headers[name] = value;
  }
  const std::size_t length = std::stoul(post.headers.count("content-length") ? post.headers["content-length"] : "0");
  while (buf.size() < end + 4 + length)
    if (!read_some(fd, buf, 10000, stopping_)) return (void)::close(fd);
  post.body = buf.substr(end + 4, length);

  reply_plan plan;
  {
    std::lock_guard lock(mu_);
    plan = plan_(count_++);
    posts_.push_back(post);
  }
  if (plan.stall) {
    // Hold the connection until the client gives up (or the test ends).
    std::string ignored;
    while (read_some(fd, ignored, 100000, stopping_)) {
    }
    ::close(fd);
    return;
  }
  for (auto waited = std::chrono::milliseconds(0); waited < plan.delay && !stopping_;
       waited += std::chrono::milliseconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string body = plan.status < 300 ? "{}" : "{\"error\":\"planned\"}";
  const std::string answer =
      "HTTP/1.1 " + std::to_string(plan.status) +
      " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  ::close(fd);
}

}  // namespace caseroute::testing
