// The HTTP/1.1 server: Boost.Beast on Asio threads, with request limits, timeouts, request ids,
// metrics, static files for the console, and graceful shutdown. Beast stays in server.cpp.
//
//   Router router;
//   AddApiRoutes(router, services);
//   YT_ASSIGN_OR_RETURN(auto server, Server::Create({.port = 8080}, router, [&] { return store.Ping(); }));
//   std::thread signals([&] { WaitForSigterm(); server->Stop(); });
//   server->Run();  // returns after Stop has drained in-flight requests
//
// Every response carries X-Request-Id and X-Content-Type-Options: nosniff; JSON under /api/
// also carries Cache-Control: no-store. A handler that throws produces a 500 internal error.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "yutang/base/status.hpp"
#include "yutang/http/metrics.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

namespace internal {
struct ServerCore;  // server.cpp
}  // namespace internal

struct ServerSettings {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;                 // 0 = pick a free port (see Server::port())
    unsigned threads = 0;                 // 0 = std::thread::hardware_concurrency()
    size_t max_header_bytes = 16 * 1024;  // request line + headers; beyond → 431 (RFC 6585 §5)
    // Beyond → 413 (RFC 9110 §15.5.14), decided from Content-Length before the body is read, and
    // while reading a chunked body. A route may set its own limit (RouteInfo::max_body_bytes).
    size_t max_body_bytes = 1024 * 1024;
    // Where the bodies of routes with RouteInfo::spool_body are written (files upload-*.part,
    // mode 0600; the dir is created with mode 0700). "" = such bodies are read into memory.
    std::string spool_dir;
    // From the first byte of a request until its headers are complete; then 408 and close.
    std::chrono::seconds header_timeout{10};
    // For reading the body (a spooled body: between two reads, so that large uploads may take
    // longer as long as bytes keep coming), and for writing the response to a slow reader.
    std::chrono::seconds body_timeout{30};
    // An idle keep-alive connection (no bytes of a next request) is closed after this.
    std::chrono::seconds keep_alive_timeout{60};
    // Take the client address from the last X-Forwarded-For entry: only behind a reverse proxy
    // that sets it (otherwise clients could pick their own address).
    bool trust_forwarded_for = false;
    std::string static_dir;  // the console's files; "" = none (those paths answer 404)
    std::string version = "dev";
    std::string commit = "unknown";  // both shown by yutang_build_info
};

class Server {
  public:
    // Adds the system routes (AddSystemRoutes) to `router`, binds and listens. `router` must
    // outlive the server and must not change afterwards. `readiness` is called by GET /readyz
    // (empty = always ready). unavailable "cannot listen on 127.0.0.1:8080: address already in
    // use" when the address is taken, "cannot resolve …" for an unknown host, or when spool_dir
    // cannot be created; not_found when static_dir does not exist; invalid_argument for zero
    // limits.
    static Result<std::unique_ptr<Server>> Create(ServerSettings settings, Router& router,
                                                  std::function<Status()> readiness);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // The bound port (the chosen one when settings.port was 0).
    uint16_t port() const;
    // "127.0.0.1:8080" ("[::1]:8080" for IPv6).
    std::string endpoint() const;

    // Serves on settings.threads threads (the caller's thread is one of them) and returns when
    // Stop() has completed. Call once. A handler that never returns keeps Run() from returning.
    void Run();

    // Graceful shutdown; returns at once (Run() returns when it is done). Stops accepting, closes
    // idle keep-alive connections, lets requests already being read or handled finish and get
    // their responses (with Connection: close), and after `grace` closes whatever is left.
    // Thread-safe; any call after the first is ignored; may come before Run().
    void Stop(std::chrono::seconds grace = std::chrono::seconds(10));

    // The server's metrics (also served at /metrics). Thread-safe.
    Metrics& metrics();

  private:
    explicit Server(std::unique_ptr<internal::ServerCore> impl);
    std::unique_ptr<internal::ServerCore> impl_;
};

}  // namespace yutang::http
