// A small HTTP/1.1 server for the demo's static files: GET and HEAD only,
// one request per connection, files from a fixed table of routes. It lets
// the demo run as one process with nothing else installed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace live {

struct HttpResponse {
  std::string content_type;
  std::string body;
};

/// Maps a request path ("/", "/app.js", ...) to a response; nullopt is a 404.
using HttpRoutes = std::function<std::optional<HttpResponse>(std::string_view path)>;

class StaticHttpServer {
 public:
  /// Binds host:port (port 0: any free one) and serves on a thread of its
  /// own. Throws std::system_error when the address cannot be bound.
  StaticHttpServer(const std::string& host, unsigned short port, HttpRoutes routes);
  /// Stops serving; connections in progress are closed.
  ~StaticHttpServer();

  StaticHttpServer(const StaticHttpServer&) = delete;
  StaticHttpServer& operator=(const StaticHttpServer&) = delete;

  unsigned short port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Routes that serve files of `dir` named in `path` (letters, digits, '.',
/// '_', '-' and '/', no ".."): "/" is index.html. Content types by extension.
std::optional<HttpResponse> serve_file(const std::string& dir, std::string_view path);

}  // namespace live
