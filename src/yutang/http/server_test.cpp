#include "yutang/http/server.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yutang/base/temp_file.hpp"
#include "yutang/http/errors.hpp"

namespace yutang::http {
namespace {

using namespace std::chrono_literals;

struct RawResponse {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string Header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

// A tiny blocking HTTP/1.1 client over a raw socket, so tests see exactly what goes on the wire.
class Client {
  public:
    explicit Client(uint16_t port) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
            throw std::runtime_error("connect failed");
        }
    }
    ~Client() { close(fd_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool Send(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

    // Reads one response; nullopt on EOF/error/timeout before it is complete.
    std::optional<RawResponse> Read(bool head_request = false, std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        size_t header_end;
        while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill(deadline)) return std::nullopt;
        }
        RawResponse response;
        std::string head = buffer_.substr(0, header_end);
        buffer_.erase(0, header_end + 4);
        size_t line_end = head.find("\r\n");
        std::string status_line = head.substr(0, line_end);
        if (status_line.size() < 12) return std::nullopt;
        response.status = static_cast<unsigned>(std::stoul(status_line.substr(9, 3)));
        size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            size_t end = head.find("\r\n", pos);
            if (end == std::string::npos) end = head.size();
            std::string line = head.substr(pos, end - pos);
            size_t colon = line.find(':');
            std::string name = line.substr(0, colon);
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            response.headers[name] = value;
            pos = end + 2;
        }
        if (response.status == 100) return Read(head_request, timeout);
        size_t length =
            head_request
                ? 0
                : std::stoul(response.Header("content-length").empty() ? "0" : response.Header("content-length"));
        while (buffer_.size() < length) {
            if (!Fill(deadline)) return std::nullopt;
        }
        response.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return response;
    }

    // True when the server closes the connection (EOF or reset) within `timeout`.
    bool WaitForClose(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            int left = static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                    .count());
            if (left <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, left) <= 0) return false;
            char chunk[4096];
            ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
            if (n <= 0) return true;
            buffer_.append(chunk, static_cast<size_t>(n));
        }
    }

    // Reads until `text` has arrived and drops everything up to and including it.
    bool Expect(std::string_view text, std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        size_t at;
        while ((at = buffer_.find(text)) == std::string::npos) {
            if (!Fill(deadline)) return false;
        }
        buffer_.erase(0, at + text.size());
        return true;
    }

    const std::string& buffered() const { return buffer_; }

    // From now on, waits `pause` before each read of at most 16 KiB, with a receive buffer of
    // 64 KiB: a slow reader.
    void ReadSlowly(std::chrono::milliseconds pause) {
        pause_ = pause;
        int bytes = 64 * 1024;
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }

  private:
    bool Fill(std::chrono::steady_clock::time_point deadline) {
        if (pause_ > 0ms) std::this_thread::sleep_for(pause_);
        int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        if (left <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, left) <= 0) return false;
        char chunk[16384];
        ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffer_;
    std::chrono::milliseconds pause_{0};
};

std::string Get(std::string_view path, std::string_view extra_headers = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

class ServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        settings_.port = 0;
        settings_.threads = 2;
        settings_.max_header_bytes = 4 * 1024;
        settings_.max_body_bytes = 1024;
        settings_.header_timeout = 1s;
        settings_.version = "9.9.9";
        router_.Add({Method::kGet, "/hello", "getHello", "public", ""}, [](Request& request) {
            return Response::Json(R"({"hello":")" + std::string(request.QueryParam("name").value_or("world")) +
                                  R"("})");
        });
        router_.Add({Method::kPost, "/api/v1/echo", "postEcho", "public", ""},
                    [](Request& request) { return Response::Json(request.body, 201); });
        router_.Add({Method::kGet, "/api/v1/items/{item_id}", "getItem", "public", ""},
                    [](Request& request) { return Response::Text(std::string(request.PathParam("item_id"))); });
        router_.Add({Method::kGet, "/api/v1/boom", "getBoom", "public", ""},
                    [](Request&) -> Response { throw std::runtime_error("secret failure detail"); });
        router_.Add({Method::kGet, "/slow", "getSlow", "public", ""}, [this](Request&) {
            slow_started_.set_value();
            std::this_thread::sleep_for(700ms);
            return Response::Text("done");
        });
    }

    void Start() {
        auto server = Server::Create(settings_, router_, [this] { return readiness_; });
        ASSERT_TRUE(server.ok()) << server.status().ToString();
        server_ = std::move(server).value();
        thread_ = std::thread([this] {
            server_->Run();
            run_returned_ = true;
        });
    }

    void TearDown() override {
        if (server_) server_->Stop(1s);
        if (thread_.joinable()) thread_.join();
    }

    RawResponse Fetch(const std::string& request, bool head = false) {
        Client client(server_->port());
        EXPECT_TRUE(client.Send(request));
        auto response = client.Read(head);
        EXPECT_TRUE(response.has_value()) << request;
        return response.value_or(RawResponse{});
    }

    ServerSettings settings_;
    Router router_;
    Status readiness_;
    std::promise<void> slow_started_;
    std::unique_ptr<Server> server_;
    std::thread thread_;
    std::atomic<bool> run_returned_{false};
};

TEST_F(ServerTest, ServesRouteWithStandardHeaders) {
    Start();
    RawResponse response = Fetch(Get("/hello?name=yu"));
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, R"({"hello":"yu"})");
    EXPECT_EQ(response.Header("content-type"), "application/json");
    EXPECT_EQ(response.Header("x-content-type-options"), "nosniff");
    EXPECT_EQ(response.Header("x-request-id").size(), 32u);
    EXPECT_EQ(response.Header("cache-control"), "");  // not under /api/
}

TEST_F(ServerTest, TakesAValidClientRequestIdOnly) {
    Start();
    EXPECT_EQ(Fetch(Get("/hello", "X-Request-Id: abc-123.x_y\r\n")).Header("x-request-id"), "abc-123.x_y");
    EXPECT_EQ(Fetch(Get("/hello", "X-Request-Id: bad id<script>\r\n")).Header("x-request-id").size(), 32u);
    EXPECT_EQ(Fetch(Get("/hello", "X-Request-Id: " + std::string(65, 'a') + "\r\n")).Header("x-request-id").size(),
              32u);
}

TEST_F(ServerTest, ApiJsonIsNotCached) {
    Start();
    RawResponse response = Fetch("POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    EXPECT_EQ(response.status, 201u);
    EXPECT_EQ(response.body, R"({"a":1})");
    EXPECT_EQ(response.Header("cache-control"), "no-store");
}

TEST_F(ServerTest, UnknownRouteIs404Json) {
    Start();
    RawResponse response = Fetch(Get("/api/v1/nothing"));
    EXPECT_EQ(response.status, 404u);
    EXPECT_EQ(boost::json::parse(response.body).at("error").at("code").as_string(), "not_found");
    EXPECT_EQ(Fetch(Get("/no-static-dir-configured")).status, 404u);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
    Start();
    RawResponse response = Fetch("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.Header("allow"), "GET, HEAD");
    EXPECT_EQ(response.Header("content-type"), "application/json");
}

TEST_F(ServerTest, HeadGetsHeadersWithoutBody) {
    Start();
    Client client(server_->port());
    ASSERT_TRUE(client.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/hello")));
    auto head = client.Read(true);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(head->Header("content-length"), "17");
    auto get = client.Read();  // the next response starts right after HEAD's headers
    ASSERT_TRUE(get.has_value());
    EXPECT_EQ(get->body, R"({"hello":"world"})");
}

TEST_F(ServerTest, PathParametersReachTheHandler) {
    Start();
    EXPECT_EQ(Fetch(Get("/api/v1/items/a%2Fb")).body, "a/b");
}

TEST_F(ServerTest, HandlerExceptionIs500WithoutDetail) {
    Start();
    RawResponse response = Fetch(Get("/api/v1/boom"));
    EXPECT_EQ(response.status, 500u);
    EXPECT_EQ(response.body, R"({"error":{"code":"internal","message":"internal error"}})");
    EXPECT_EQ(Fetch(Get("/hello")).status, 200u);  // and the server lives on
}

TEST_F(ServerTest, BodyOverLimitIs413BeforeReadingIt) {
    Start();
    Client client(server_->port());
    ASSERT_TRUE(client.Send("POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413u);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_EQ(boost::json::parse(response->body).at("error").at("field").as_string(), "body");
    EXPECT_TRUE(client.WaitForClose(3s));
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
    Start();
    Client client(server_->port());
    std::string chunk(600, 'x');
    ASSERT_TRUE(client.Send("POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" +
                            chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413u);
}

TEST_F(ServerTest, BodyWithinLimitAndExpectContinue) {
    Start();
    Client client(server_->port());
    ASSERT_TRUE(
        client.Send("POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
    // RFC 9110 §10.1.1: the client waits for 100 (Continue) before sending the content.
    ASSERT_TRUE(client.Expect("HTTP/1.1 100 Continue\r\n\r\n", 2s));
    ASSERT_TRUE(client.Send("{}"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 201u);
    EXPECT_EQ(response->body, "{}");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
    Start();
    Client client(server_->port());
    ASSERT_TRUE(client.Send(Get("/hello", "X-Big: " + std::string(5000, 'a') + "\r\n")));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 431u);
    EXPECT_TRUE(client.WaitForClose(3s));
}

TEST_F(ServerTest, SlowHeaderIsCutOffAfterHeaderTimeout) {
    Start();
    Client client(server_->port());
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(client.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Partial: "));
    auto response = client.Read(false, 4s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 408u);
    EXPECT_TRUE(client.WaitForClose(3s));
    auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, 4s);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
    settings_.keep_alive_timeout = 1s;
    Start();
    Client client(server_->port());
    ASSERT_TRUE(client.Send(Get("/hello")));
    ASSERT_TRUE(client.Read().has_value());
    EXPECT_TRUE(client.WaitForClose(3s));
    EXPECT_TRUE(client.buffered().empty());  // closed silently, no 408 for an idle connection
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    Start();
    Client client(server_->port());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.Send(Get("/hello")));
        auto response = client.Read();
        ASSERT_TRUE(response.has_value()) << i;
        EXPECT_EQ(response->status, 200u);
        EXPECT_NE(response->Header("connection"), "close");
    }
    // Pipelined: two requests in one write.
    ASSERT_TRUE(client.Send(Get("/hello?name=a") + Get("/hello?name=b")));
    EXPECT_EQ(client.Read()->body, R"({"hello":"a"})");
    EXPECT_EQ(client.Read()->body, R"({"hello":"b"})");
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
    Start();
    Client idle(server_->port());  // an idle keep-alive connection: closed at once by Stop
    ASSERT_TRUE(idle.Send(Get("/hello")));
    ASSERT_TRUE(idle.Read().has_value());

    Client client(server_->port());
    ASSERT_TRUE(client.Send(Get("/slow")));
    ASSERT_EQ(slow_started_.get_future().wait_for(5s), std::future_status::ready);
    server_->Stop(5s);
    EXPECT_TRUE(idle.WaitForClose(2s));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200u);
    EXPECT_EQ(response->body, "done");
    EXPECT_EQ(response->Header("connection"), "close");
    thread_.join();
    EXPECT_TRUE(run_returned_);
    // No longer accepting.
    EXPECT_THROW(Client(server_->port()), std::runtime_error);
}

// Routes that answer later, through Request::defer: the test answers them from its own thread.
class DeferredTest : public ServerTest {
  protected:
    void SetUp() override {
        ServerTest::SetUp();
        settings_.threads = 1;  // the one thread must stay free while an answer is awaited
        router_.Add({Method::kGet, "/later", "getLater", "public", ""}, [this](Request& request) {
            std::lock_guard lock(mutex_);
            replies_.push_back(request.defer());
            arrived_.notify_all();
            return Response::Deferred();
        });
        router_.Add({Method::kGet, "/dropped", "getDropped", "public", ""}, [](Request& request) {
            Reply ignored = request.defer();
            return Response::Deferred();
        });
        router_.Add({Method::kGet, "/at-once", "getAtOnce", "public", ""}, [this](Request& request) {
            std::lock_guard lock(mutex_);
            replies_.push_back(request.defer());
            return Response::Text("at once");
        });
    }

    // The reply of the n-th deferred request (from 1), once it has arrived.
    Reply WaitForReply(size_t n) {
        std::unique_lock lock(mutex_);
        EXPECT_TRUE(arrived_.wait_for(lock, 5s, [&] { return replies_.size() >= n; }));
        return replies_.size() >= n ? replies_[n - 1] : Reply();
    }

    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<Reply> replies_;
};

TEST_F(DeferredTest, TheThreadServesOthersUntilTheAnswerComesFromAnotherThread) {
    Start();
    Client waiting(server_->port());
    ASSERT_TRUE(waiting.Send(Get("/later")));
    Reply reply = WaitForReply(1);
    ASSERT_TRUE(reply);
    EXPECT_EQ(Fetch(Get("/hello")).status, 200u);  // the server's only thread is free
    std::thread([&] { reply(Response::Text("answered later", 202)); }).join();
    auto response = waiting.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 202u);
    EXPECT_EQ(response->body, "answered later");
    EXPECT_EQ(response->Header("x-request-id").size(), 32u);
    // The connection goes on with the next request, and the metrics counted the answer.
    ASSERT_TRUE(waiting.Send(Get("/metrics")));
    auto metrics = waiting.Read();
    ASSERT_TRUE(metrics.has_value());
    EXPECT_NE(metrics->body.find("yutang_http_requests_total{route=\"getLater\",method=\"GET\",status=\"202\"} 1\n"),
              std::string::npos)
        << metrics->body;
    EXPECT_NE(metrics->body.find("yutang_http_in_flight_requests 1\n"), std::string::npos);
}

TEST_F(DeferredTest, AReplyDroppedUnansweredIs500) {
    Start();
    RawResponse response = Fetch(Get("/dropped"));
    EXPECT_EQ(response.status, 500u);
    EXPECT_EQ(boost::json::parse(response.body).at("error").at("code").as_string(), "internal");
}

TEST_F(DeferredTest, AHandlerThatAnswersAtOnceIsAnsweredOnce) {
    Start();
    Client client(server_->port());
    ASSERT_TRUE(client.Send(Get("/at-once")));
    auto first = client.Read();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->body, "at once");
    WaitForReply(1)(Response::Text("too late"));  // does nothing
    ASSERT_TRUE(client.Send(Get("/hello")));
    auto second = client.Read();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->body, R"({"hello":"world"})");
}

TEST_F(DeferredTest, StopWaitsForADeferredAnswer) {
    Start();
    Client waiting(server_->port());
    ASSERT_TRUE(waiting.Send(Get("/later")));
    Reply reply = WaitForReply(1);
    server_->Stop(5s);
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(run_returned_);  // the server's thread waits for the answer
    reply(Response::Text("done"));
    auto response = waiting.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, "done");
    EXPECT_EQ(response->Header("connection"), "close");
    thread_.join();
    EXPECT_TRUE(run_returned_);
}

TEST_F(DeferredTest, AnAnswerAfterTheGracePeriodIsDropped) {
    Start();
    Client waiting(server_->port());
    ASSERT_TRUE(waiting.Send(Get("/later")));
    Reply reply = WaitForReply(1);
    server_->Stop(1s);
    EXPECT_TRUE(waiting.WaitForClose(5s));  // closed when the grace period ended
    reply(Response::Text("done"));          // sent nowhere; the server's thread may finish
    thread_.join();
    EXPECT_TRUE(run_returned_);
}

TEST_F(ServerTest, StopBeforeRunReturnsPromptly) {
    auto server = Server::Create(settings_, router_, nullptr);
    ASSERT_TRUE(server.ok());
    (*server)->Stop();
    auto started = std::chrono::steady_clock::now();
    (*server)->Run();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(ServerTest, SystemRoutes) {
    readiness_ = Unavailable("store unavailable", "connection refused");
    Start();
    RawResponse health = Fetch(Get("/healthz"));
    EXPECT_EQ(health.status, 200u);
    EXPECT_EQ(health.body, R"({"status":"ok"})");
    RawResponse ready = Fetch(Get("/readyz"));
    EXPECT_EQ(ready.status, 503u);
    EXPECT_EQ(ready.body, R"({"error":{"code":"unavailable","message":"store unavailable"}})");
    RawResponse openapi = Fetch(Get("/api/openapi.json"));
    EXPECT_EQ(openapi.status, 200u);
    EXPECT_EQ(boost::json::parse(openapi.body).at("openapi").as_string(), "3.0.3");
}

TEST_F(ServerTest, MetricsCountRequests) {
    Start();
    Fetch(Get("/hello"));
    Fetch(Get("/hello"));
    Fetch(Get("/nowhere"));
    RawResponse metrics = Fetch(Get("/metrics"));
    EXPECT_EQ(metrics.status, 200u);
    EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(metrics.body.find("yutang_http_requests_total{route=\"getHello\",method=\"GET\",status=\"200\"} 2\n"),
              std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("yutang_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"),
              std::string::npos);
    EXPECT_NE(metrics.body.find("yutang_http_request_duration_seconds_count{route=\"getHello\"} 2\n"),
              std::string::npos);
    EXPECT_NE(metrics.body.find("yutang_build_info{version=\"9.9.9\",commit=\"unknown\"} 1\n"), std::string::npos);
    EXPECT_NE(metrics.body.find("yutang_http_in_flight_requests 1\n"), std::string::npos);  // the /metrics request
}

TEST_F(ServerTest, AddressInUseIsUnavailable) {
    Start();
    Router other;
    ServerSettings settings = settings_;
    settings.port = server_->port();
    auto second = Server::Create(settings, other, nullptr);
    EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
    EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
        << second.status().message();
}

// A route with its own, larger body limit whose body is spooled to a file, and whose callers are
// checked before the body is read.
class UploadTest : public ServerTest {
  protected:
    void SetUp() override {
        ServerTest::SetUp();
        spool_ = std::filesystem::temp_directory_path() / ("yutang_spool_" + std::to_string(getpid()));
        std::filesystem::remove_all(spool_);
        settings_.spool_dir = (spool_ / "spool").string();
        router_.Add(
            {.method = Method::kPost,
             .pattern = "/api/v1/upload",
             .name = "upload",
             .permission = "public",
             .max_body_bytes = 4096,
             .spool_body = true},
            [this](Request& request) {
                ++handled_;
                seen_file_ = request.body_file;
                std::ifstream in(request.body_file, std::ios::binary);
                const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                struct stat info {};
                ::stat(request.body_file.c_str(), &info);
                return Response::Json(R"({"bytes":)" + std::to_string(content.size()) + R"(,"in_memory":)" +
                                      std::to_string(request.body.size()) + R"(,"mode":)" +
                                      std::to_string(info.st_mode & 0777) + "}");
            },
            [](const Request& request) -> std::optional<Response> {
                if (request.Header("X-Key") == std::optional<std::string_view>("open sesame")) return std::nullopt;
                return ErrorResponse(Unauthenticated("sign in"), request.request_id);
            });
    }
    void TearDown() override {
        ServerTest::TearDown();
        std::filesystem::remove_all(spool_);
    }
    static std::string Upload(size_t bytes, std::string_view extra_headers = "X-Key: open sesame\r\n") {
        return "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) +
               "Content-Length: " + std::to_string(bytes) + "\r\n\r\n" + std::string(bytes, 'x');
    }
    std::filesystem::path spool_;
    std::atomic<int> handled_{0};
    std::string seen_file_;
};

TEST_F(UploadTest, ARouteTakesLargerBodiesIntoA0600FileThatIsDeletedAfterTheResponse) {
    Start();
    EXPECT_EQ(std::filesystem::status(settings_.spool_dir).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    RawResponse response = Fetch(Upload(3000));  // over the server's 1024, within the route's 4096
    EXPECT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.body, R"({"bytes":3000,"in_memory":0,"mode":384})");  // 0600
    EXPECT_EQ(std::filesystem::path(seen_file_).parent_path(), std::filesystem::path(settings_.spool_dir));
    EXPECT_FALSE(std::filesystem::exists(seen_file_)) << "the handler did not keep it";
    // Chunked, too.
    std::string chunk(1500, 'y');
    response = Fetch(
        "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nTransfer-Encoding: chunked\r\n\r\n5dc\r\n" +
        chunk + "\r\n5dc\r\n" + chunk + "\r\n0\r\n\r\n");
    EXPECT_EQ(response.body, R"({"bytes":3000,"in_memory":0,"mode":384})");
}

TEST_F(UploadTest, EachRouteKeepsItsOwnLimit) {
    Start();
    Client client(server_->port());
    ASSERT_TRUE(
        client.Send("POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nContent-Length: 4097\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413u);
    EXPECT_NE(response->body.find("larger than 4096 bytes"), std::string::npos) << response->body;
    EXPECT_EQ(handled_, 0);
    // Every other route keeps the server's limit.
    RawResponse echo = Fetch("POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n");
    EXPECT_EQ(echo.status, 413u);
    EXPECT_NE(echo.body.find("larger than 1024 bytes"), std::string::npos) << echo.body;
    // Chunked bodies over the route's limit as well.
    Client chunked(server_->port());
    std::string chunk(3000, 'x');
    ASSERT_TRUE(chunked.Send(
        "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nTransfer-Encoding: chunked\r\n\r\nbb8\r\n" +
        chunk + "\r\nbb8\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto too_long = chunked.Read();
    ASSERT_TRUE(too_long.has_value());
    EXPECT_EQ(too_long->status, 413u);
    EXPECT_EQ(handled_, 0);
    EXPECT_TRUE(std::filesystem::is_empty(settings_.spool_dir)) << "the partial body is deleted";
}

TEST_F(UploadTest, CallersAreRefusedBeforeTheirBodyIsRead) {
    Start();
    Client client(server_->port());
    // With Expect: 100-continue, a refused client never sends its body.
    ASSERT_TRUE(
        client.Send("POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4000\r\nExpect: 100-continue\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 401u);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_TRUE(client.WaitForClose(3s));
    EXPECT_EQ(handled_, 0);
    EXPECT_TRUE(std::filesystem::is_empty(settings_.spool_dir));
    // Admitted: 100 Continue, then the body.
    Client admitted(server_->port());
    ASSERT_TRUE(
        admitted.Send("POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nContent-Length: 2\r\n"
                      "Expect: 100-continue\r\n\r\n"));
    ASSERT_TRUE(admitted.Expect("HTTP/1.1 100 Continue\r\n\r\n", 2s));
    ASSERT_TRUE(admitted.Send("ok"));
    auto done = admitted.Read();
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->body, R"({"bytes":2,"in_memory":0,"mode":384})");
}

TEST_F(UploadTest, ASpooledBodyMayTakeLongerThanTheBodyTimeoutWhileBytesKeepComing) {
    settings_.body_timeout = 1s;
    Start();
    Client steady(server_->port());
    ASSERT_TRUE(
        steady.Send("POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nContent-Length: 600\r\n\r\n"));
    for (int i = 0; i < 6; ++i) {  // 2.4 s in all, never 1 s without a byte
        std::this_thread::sleep_for(400ms);
        ASSERT_TRUE(steady.Send(std::string(100, 'x')));
    }
    auto done = steady.Read();
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->body, R"({"bytes":600,"in_memory":0,"mode":384})");

    Client stalled(server_->port());
    ASSERT_TRUE(
        stalled.Send("POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nContent-Length: 600\r\n\r\n" +
                     std::string(100, 'x')));
    auto timed_out = stalled.Read(false, 4s);
    ASSERT_TRUE(timed_out.has_value());
    EXPECT_EQ(timed_out->status, 408u);
    EXPECT_TRUE(std::filesystem::is_empty(settings_.spool_dir)) << "the partial body is deleted";
}

// A route whose body is a file (Response::body_file), as exports are sent.
class FileBodyTest : public ServerTest {
  protected:
    void SetUp() override {
        ServerTest::SetUp();
        router_.Add({Method::kGet, "/api/v1/file", "getFile", "public", ""}, [](Request& request) {
            const size_t bytes = std::stoul(request.QueryParam("bytes").value_or("0"));
            auto file = AnonymousTempFile("a test body");
            if (!file.ok()) return ErrorResponse(file.status(), request.request_id);
            const std::string content = Content(bytes);
            std::fwrite(content.data(), 1, content.size(), file->get());  // left at its end
            std::fflush(file->get());
            Response response;
            response.content_type = "text/csv; charset=utf-8";
            response.body_file = std::move(*file);
            return response;
        });
    }
    static std::string Content(size_t bytes) {
        std::string content;
        content.reserve(bytes);
        for (size_t i = 0; content.size() < bytes; ++i) content += std::to_string(i) + ",客户\r\n";
        content.resize(bytes);
        return content;
    }
    // The deleted files this process still has open (anonymous temporary files are unlinked).
    static int OpenTemporaryFiles() {
        int open = 0;
        for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
            std::error_code error;
            const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
            if (target.find("/yutang-") != std::string::npos && target.find("(deleted)") != std::string::npos) ++open;
        }
        return open;
    }
    // Waits up to 2 s for the server to close what it sent.
    static bool NoTemporaryFileStaysOpen() {
        for (int i = 0; i < 200 && OpenTemporaryFiles() > 0; ++i) std::this_thread::sleep_for(10ms);
        return OpenTemporaryFiles() == 0;
    }
};

TEST_F(FileBodyTest, TheWholeFileIsSentFromItsStartAndClosedAfterwards) {
    Start();
    Client client(server_->port());
    // Three on one connection: the file, its HEAD, and an empty one.
    ASSERT_TRUE(client.Send(Get("/api/v1/file?bytes=3000000") +
                            "HEAD /api/v1/file?bytes=5000 HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/api/v1/file?bytes=0")));
    auto whole = client.Read();
    ASSERT_TRUE(whole.has_value());
    EXPECT_EQ(whole->status, 200u);
    EXPECT_EQ(whole->Header("content-length"), "3000000");
    EXPECT_EQ(whole->Header("content-type"), "text/csv; charset=utf-8");
    EXPECT_EQ(whole->Header("x-content-type-options"), "nosniff");
    EXPECT_EQ(whole->body, Content(3'000'000));
    auto head = client.Read(true);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->Header("content-length"), "5000");
    auto empty = client.Read();
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->status, 200u);
    EXPECT_EQ(empty->Header("content-length"), "0");
    EXPECT_TRUE(NoTemporaryFileStaysOpen());
}

TEST_F(FileBodyTest, ASlowReaderMayTakeLongerThanTheBodyTimeoutWhileBytesKeepGoing) {
    settings_.body_timeout = 1s;
    Start();
    Client slow(server_->port());
    slow.ReadSlowly(4ms);  // about 4 MB/s: 16 MB take 4 s, far beyond what the socket buffers hold
    ASSERT_TRUE(slow.Send(Get("/api/v1/file?bytes=16000000")));
    auto whole = slow.Read(false, 30s);
    ASSERT_TRUE(whole.has_value()) << "cut off after " << slow.buffered().size() << " bytes";
    EXPECT_EQ(whole->body.size(), 16'000'000u);
    EXPECT_TRUE(whole->body == Content(16'000'000));

    // A reader that stops reading is cut off one body_timeout after the server's last write.
    {
        Client stalled(server_->port());
        stalled.ReadSlowly(0ms);
        ASSERT_TRUE(stalled.Send(Get("/api/v1/file?bytes=16000000")));
        std::this_thread::sleep_for(2500ms);
        EXPECT_TRUE(NoTemporaryFileStaysOpen()) << "the stalled response's file is closed";
    }
}

class StaticFilesTest : public ServerTest {
  protected:
    void SetUp() override {
        ServerTest::SetUp();
        dir_ = std::filesystem::temp_directory_path() / ("yutang_static_" + std::to_string(getpid()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_ / "site" / "assets");
        Write("site/index.html", "<!doctype html><title>Yutang</title>");
        Write("site/assets/index-5f3a2b1c.js", "console.log(1)");
        Write("site/assets/logo.svg", "<svg/>");
        Write("site/favicon.ico", "ico");
        Write("secret.txt", "top secret");
        std::filesystem::create_symlink(dir_ / "secret.txt", dir_ / "site" / "leak.txt");
        settings_.static_dir = (dir_ / "site").string();
    }
    void TearDown() override {
        ServerTest::TearDown();
        std::filesystem::remove_all(dir_);
    }
    void Write(const std::string& relative, const std::string& content) { std::ofstream(dir_ / relative) << content; }
    std::filesystem::path dir_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCaching) {
    Start();
    RawResponse index = Fetch(Get("/"));
    EXPECT_EQ(index.status, 200u);
    EXPECT_EQ(index.body, "<!doctype html><title>Yutang</title>");
    EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.Header("cache-control"), "no-cache");
    EXPECT_NE(index.Header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(index.Header("x-frame-options"), "DENY");
    EXPECT_EQ(index.Header("referrer-policy"), "no-referrer");

    RawResponse script = Fetch(Get("/assets/index-5f3a2b1c.js"));
    EXPECT_EQ(script.status, 200u);
    EXPECT_EQ(script.Header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(script.Header("cache-control"), "public, max-age=31536000, immutable");

    RawResponse logo = Fetch(Get("/assets/logo.svg"));
    EXPECT_EQ(logo.Header("content-type"), "image/svg+xml");
    EXPECT_EQ(logo.Header("cache-control"), "no-cache");  // not content-hashed
    EXPECT_EQ(Fetch(Get("/favicon.ico")).Header("content-type"), "image/x-icon");
    RawResponse head = Fetch("HEAD /favicon.ico HTTP/1.1\r\nHost: t\r\n\r\n", true);
    EXPECT_EQ(head.Header("content-length"), "3");
}

TEST_F(StaticFilesTest, SpaFallbackOnlyForExtensionlessPaths) {
    Start();
    RawResponse route = Fetch(Get("/customers/42"));
    EXPECT_EQ(route.status, 200u);
    EXPECT_EQ(route.body, "<!doctype html><title>Yutang</title>");
    EXPECT_EQ(Fetch(Get("/missing.js")).status, 404u);
    RawResponse api = Fetch(Get("/api/v1/unknown"));
    EXPECT_EQ(api.status, 404u);
    EXPECT_EQ(api.Header("content-type"), "application/json");
    EXPECT_EQ(Fetch(Get("/v1/track")).status, 404u);
    EXPECT_EQ(Fetch("POST /customers HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n").status, 405u);
}

TEST_F(StaticFilesTest, RejectsTraversal) {
    Start();
    for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                             "/assets/%2E%2E/%2E%2E/secret.txt", "/leak.txt", "/a\\..\\secret.txt"}) {
        RawResponse response = Fetch(Get(path));
        EXPECT_NE(response.body, "top secret") << path;
        EXPECT_TRUE(response.status == 404u || response.status == 400u) << path << " → " << response.status;
    }
}

}  // namespace
}  // namespace yutang::http
