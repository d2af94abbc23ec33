#include "static_http.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace live {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t kMaxHead = 8192;
constexpr auto kRequestTimeout = 10s;

std::string content_type_of(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

bool safe_path(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.find("..") != std::string_view::npos)
    return false;
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string status_response(int code, std::string_view reason) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}\n",
      code, reason, reason.size() + 1, reason);
}

// One connection: read the head (bounded in size and time), answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpRoutes& routes)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buf_(kMaxHead),
        routes_(routes) {}

  void start() {
    timer_.expires_after(kRequestTimeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->socket_.close(ec);
    });
    asio::async_read_until(
        socket_, buf_, "\r\n\r\n", [self = shared_from_this()](std::error_code ec, std::size_t) {
          self->answer(ec ? status_response(400, "Bad Request") : self->respond());
        });
  }

 private:
  std::string respond() {
    std::istream in(&buf_);
    std::string method, target, version;
    in >> method >> target >> version;
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return status_response(400, "Bad Request");
    if (method != "GET" && method != "HEAD") return status_response(405, "Method Not Allowed");
    std::string_view path = target;
    path = path.substr(0, path.find('?'));
    auto found = routes_(path);
    if (!found) return status_response(404, "Not Found");
    auto head = fmt::format(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
        "Connection: close\r\n\r\n",
        found->content_type, found->body.size());
    return method == "HEAD" ? head : head + found->body;
  }

  void answer(std::string response) {
    out_ = std::move(response);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](std::error_code, std::size_t) {
                        std::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                        self->socket_.close(ignored);
                        self->timer_.cancel();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buf_;
  const HttpRoutes& routes_;
  std::string out_;
};

}  // namespace

struct StaticHttpServer::Impl {
  Impl(const std::string& host, unsigned short port, HttpRoutes r)
      : routes(std::move(r)), acceptor(io, tcp::endpoint(asio::ip::make_address(host), port)) {}

  void accept() {
    acceptor.async_accept([this](std::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), routes)->start();
      accept();
    });
  }

  HttpRoutes routes;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

StaticHttpServer::StaticHttpServer(const std::string& host, unsigned short port, HttpRoutes routes)
    : impl_(std::make_unique<Impl>(host, port, std::move(routes))) {
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

StaticHttpServer::~StaticHttpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

unsigned short StaticHttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::optional<HttpResponse> serve_file(const std::string& dir, std::string_view path) {
  if (!safe_path(path)) return std::nullopt;
  std::string file = dir + std::string(path == "/" ? "/index.html" : path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  return HttpResponse{content_type_of(file), body.str()};
}

}  // namespace live
