// The live-notifications demo server: a few records that web pages show
// and edit. Pages send edits as REQ/REP requests over ws:// (path /rpc);
// every change is published on a PUB socket by topic "record/<id> " over
// ws:// (path /events, for the pages) and over tcp:// (for anything that
// is not a browser: `nanocat --sub` printing "e-mail alerts"). The page
// itself, and the JavaScript client it imports, are served over HTTP by
// this process too. See README.md.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <sprocket/sprocket.hpp>

#include "records.hpp"
#include "static_http.hpp"

namespace {

using namespace std::chrono_literals;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) {
  g_stop = 1;
}

struct Settings {
  std::string host = "127.0.0.1";
  unsigned short http_port = 8480;
  unsigned short ws_port = 8481;
  unsigned short tcp_port = 8482;
  std::string web_dir = LIVE_WEB_DIR;        // the page (web/)
  std::string client_dir = LIVE_CLIENT_DIR;  // the JavaScript client (clients/js/src)
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(
      stderr,
      "live-notifications-server: %s\n"
      "usage: live-notifications-server [--host ADDR] [--http-port P] [--ws-port P]\n"
      "                                 [--tcp-port P] [--web DIR] [--client DIR]\n"
      "       (a port of 0 means any free port)\n",
      what.c_str());
  std::exit(1);
}

unsigned short parse_port(std::string_view flag, const char* value) {
  char* end = nullptr;
  long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < 0 || v > 65535)
    usage_error(fmt::format("{} takes a port number 0..65535, not '{}'", flag, value));
  return static_cast<unsigned short>(v);
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) usage_error(fmt::format("unknown option or missing value: '{}'", flag));
    const char* value = argv[++i];
    if (flag == "--host")
      s.host = value;
    else if (flag == "--http-port")
      s.http_port = parse_port(flag, value);
    else if (flag == "--ws-port")
      s.ws_port = parse_port(flag, value);
    else if (flag == "--tcp-port")
      s.tcp_port = parse_port(flag, value);
    else if (flag == "--web")
      s.web_dir = value;
    else if (flag == "--client")
      s.client_dir = value;
    else
      usage_error(fmt::format("unknown option '{}'", flag));
  }
  return s;
}

// Listens on `url`, or ends the program with a line naming it.
sprocket::Listener listen_or_exit(sprocket::Socket& s, const std::string& url) {
  try {
    return s.listen(url);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "live-notifications-server: cannot listen on %s: %s\n", url.c_str(),
                 e.what());
    std::exit(3);
  }
}

live::HttpRoutes routes(const Settings& s, unsigned short ws_port) {
  return [s, ws_port](std::string_view path) -> std::optional<live::HttpResponse> {
    if (path == "/config.json")
      return live::HttpResponse{"application/json", fmt::format(R"({{"wsPort":{}}})", ws_port)};
    constexpr std::string_view client = "/sprocket/";
    if (path.substr(0, client.size()) == client)
      return live::serve_file(s.client_dir, path.substr(client.size() - 1));
    return live::serve_file(s.web_dir, path);
  };
}

// Answers requests until SIGINT/SIGTERM; publishes every change.
void serve(sprocket::Socket& rep, sprocket::Socket& pub) {
  live::RecordStore store;
  rep.set_recv_timeout(200ms);  // to look at g_stop now and then
  while (!g_stop) {
    std::error_code ec;
    sprocket::Message request = rep.recv(ec);
    if (ec == sprocket::errc::timed_out) continue;
    if (ec) {
      std::fprintf(stderr, "live-notifications-server: recv: %s\n", ec.message().c_str());
      return;
    }
    live::Outcome outcome = store.handle(request.str());
    rep.send(outcome.reply, ec);  // a requester that has gone is not our problem
    if (outcome.event) {
      pub.send(*outcome.event, ec);
      std::printf("event: %.*s\n",
                  static_cast<int>(std::min<std::size_t>(outcome.event->size(), 160)),
                  outcome.event->c_str());
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings = parse(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  sprocket::Socket rep{sprocket::rep};
  sprocket::Listener rpc =
      listen_or_exit(rep, fmt::format("ws://{}:{}/rpc", settings.host, settings.ws_port));
  const unsigned short ws_port = rpc.port();
  sprocket::Socket pub{sprocket::pub};
  listen_or_exit(pub, fmt::format("ws://{}:{}/events", settings.host, ws_port));
  sprocket::Listener tcp =
      listen_or_exit(pub, fmt::format("tcp://{}:{}", settings.host, settings.tcp_port));

  std::unique_ptr<live::StaticHttpServer> http;
  try {
    http = std::make_unique<live::StaticHttpServer>(settings.host, settings.http_port,
                                                    routes(settings, ws_port));
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "live-notifications-server: cannot serve http://%s:%u/: %s\n",
                 settings.host.c_str(), settings.http_port, e.what());
    return 3;
  }

  std::printf("live-notifications server\n");
  std::printf("  page:            http://%s:%u/\n", settings.host.c_str(), http->port());
  std::printf("  edits (REP):     ws://%s:%u/rpc\n", settings.host.c_str(), ws_port);
  std::printf("  events (PUB):    ws://%s:%u/events\n", settings.host.c_str(), ws_port);
  std::printf("  events (PUB):    tcp://%s:%u\n", settings.host.c_str(), tcp.port());
  std::printf("ready\n");
  std::fflush(stdout);

  serve(rep, pub);
  std::printf("stopping\n");
  return 0;
}
