#include "tests/support/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace yutang::testing {
namespace {

bool IEquals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::optional<std::string> HttpResponse::Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (IEquals(k, name)) return v;
    }
    return std::nullopt;
}

HttpConnection::HttpConnection(uint16_t port, std::chrono::milliseconds timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

HttpConnection::~HttpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::SendRaw(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

bool HttpConnection::ClosedByPeer(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::poll(&p, 1, 50) > 0) {
            char c;
            const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
            // Data (e.g. a 408 response) before the close: consume and keep waiting.
            char sink[4096];
            if (::recv(fd_, sink, sizeof sink, 0) == 0) return true;
        }
    }
    return false;
}

HttpResponse HttpConnection::ReadResponse() {
    HttpResponse response;
    auto fill = [&]() {
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    };
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return response;
    }
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() >= 12) response.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
        const size_t start = line_end + 2;
        line_end = head.find("\r\n", start);
        const std::string line =
            head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response.headers.emplace_back(line.substr(0, colon), value);
    }
    if (auto length = response.Header("Content-Length")) {
        const size_t n = std::stoul(*length);
        while (buffer_.size() < n) {
            if (!fill()) break;
        }
        response.body = buffer_.substr(0, n);
        buffer_.erase(0, std::min(n, buffer_.size()));
    } else {
        while (fill()) {
        }
        response.body = std::move(buffer_);
        buffer_.clear();
    }
    return response;
}

HttpResponse HttpConnection::Request(const std::string& method, const std::string& target, const std::string& body,
                                     const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool has_type = false;
    for (const auto& [k, v] : headers) {
        request += k + ": " + v + "\r\n";
        if (IEquals(k, "Content-Type")) has_type = true;
    }
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        if (!has_type) request += "Content-Type: application/json\r\n";
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    if (!SendRaw(request)) return {};
    return ReadResponse();
}

HttpResponse HttpRequest(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    HttpConnection connection(port);
    if (!connection.connected()) return {};
    return connection.Request(method, target, body, headers);
}

Headers LoginAs(uint16_t port, const std::string& email, const std::string& password, std::string* token) {
    const auto r = HttpRequest(port, "POST", "/api/v1/auth/login",
                               R"({"email":")" + email + R"(","password":")" + password + "\"}");
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string cookie = r.Header("Set-Cookie").value_or("");
    const size_t eq = cookie.find('=');
    const std::string session = eq == std::string::npos ? "" : cookie.substr(eq + 1, cookie.find(';') - eq - 1);
    if (token != nullptr) *token = session;
    return {{"Authorization", "Bearer " + session}};
}

}  // namespace yutang::testing
