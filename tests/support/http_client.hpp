// A deliberately small blocking HTTP/1.1 client for tests: raw sockets, so tests can also send
// what a well-behaved client never would (oversized headers, half requests, stalls).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace yutang::testing {

struct HttpResponse {
    int status = 0;  // 0: no response (connection failed or closed)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::optional<std::string> Header(const std::string& name) const;  // case-insensitive
};

class HttpConnection {
  public:
    // Connects to 127.0.0.1:port; connected() is false on failure.
    explicit HttpConnection(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    bool connected() const { return fd_ >= 0; }
    // Sends raw bytes. False if the peer has gone.
    bool SendRaw(const std::string& bytes);
    // Reads one response (Content-Length or close-delimited bodies).
    HttpResponse ReadResponse();
    // True when the server has closed the connection (read returns 0) within `wait`.
    bool ClosedByPeer(std::chrono::milliseconds wait);
    HttpResponse Request(const std::string& method, const std::string& target, const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

  private:
    int fd_ = -1;
    std::string buffer_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Signs in through POST /api/v1/auth/login and returns the session as a Bearer header; adds a
// test failure when the login is refused. `token`, when given, receives the session token.
Headers LoginAs(uint16_t port, const std::string& email, const std::string& password, std::string* token = nullptr);

// One request on a fresh connection.
HttpResponse HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace yutang::testing
