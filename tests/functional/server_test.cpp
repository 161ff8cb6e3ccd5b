// The real binary, started as a user would start it, talked to over HTTP and the CLI.
#include <filesystem>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/http_client.hpp"
#include "tests/support/json_helpers.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

constexpr const char* kPassword = "test-owner-pass-1";

class ServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto init =
            RunYutang({"init", "--data", data_, "--merchant", "测试店", "--owner-email", "owner@example.com"},
                      {{"YUTANG_OWNER_PASSWORD", kPassword}}, out_.path());
        ASSERT_TRUE(init.exit.exited && init.exit.code == 0) << init.out << init.err;
        EXPECT_NE(init.out.find("Created merchant"), std::string::npos) << init.out;
        EXPECT_EQ(init.out.find(kPassword), std::string::npos) << "a given password must not be echoed";
    }
    RunningServer Start(const std::map<std::string, std::string>& env = {}) {
        return StartServer(data_, {}, env, out_.path());
    }
    std::string Login(uint16_t port) {
        const auto r = HttpRequest(port, "POST", "/api/v1/auth/login",
                                   R"({"email":"owner@example.com","password":")" + std::string(kPassword) + "\"}");
        EXPECT_EQ(r.status, 200) << r.body;
        const auto cookie = r.Header("Set-Cookie");
        if (!cookie) return "";
        return cookie->substr(0, cookie->find(';'));
    }

    TempDir out_;
    TempDir data_dir_;
    std::string data_ = data_dir_.path() + "/data";
};

TEST_F(ServerTest, HealthReadinessAndErrorsAsJson) {
    auto server = Start();
    ASSERT_NE(server.port, 0);
    const auto health = HttpRequest(server.port, "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(ParseObject(health.body).at("status").as_string(), "ok");
    EXPECT_EQ(HttpRequest(server.port, "GET", "/readyz").status, 200);

    const auto unknown = HttpRequest(server.port, "GET", "/api/v1/no-such-thing");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(ErrorCodeOf(unknown.body), "not_found");
    EXPECT_NE(unknown.Header("Content-Type").value_or("").find("application/json"), std::string::npos);

    const auto malformed =
        HttpRequest(server.port, "POST", "/api/v1/auth/login", R"({"email": "a@b.c", "password": })");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(ErrorCodeOf(malformed.body), "invalid_argument");
    const auto error = ParseObject(malformed.body).at("error").as_object();
    EXPECT_NE(std::string(error.at("message").as_string()).find("offset 31"), std::string::npos) << malformed.body;
    EXPECT_EQ(error.at("field").as_string(), "body");

    const auto missing = HttpRequest(server.port, "POST", "/api/v1/auth/login", R"({"email": "a@b.c"})");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(ParseObject(missing.body).at("error").as_object().at("field").as_string(), "password");

    const auto metrics = HttpRequest(server.port, "GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("yutang_http_requests_total"), std::string::npos);
    EXPECT_NE(metrics.body.find("yutang_build_info"), std::string::npos);

    const auto openapi = HttpRequest(server.port, "GET", "/api/openapi.json");
    EXPECT_EQ(openapi.status, 200);
    EXPECT_TRUE(ParseObject(openapi.body).contains("paths"));
}

TEST_F(ServerTest, OversizedBodyIs413) {
    auto server = Start({{"YUTANG_MAX_BODY_BYTES", "1024"}});
    ASSERT_NE(server.port, 0);
    const auto r = HttpRequest(server.port, "POST", "/api/v1/auth/login", std::string(4096, ' '));
    EXPECT_EQ(r.status, 413);
    // The server is still fine afterwards.
    EXPECT_EQ(HttpRequest(server.port, "GET", "/healthz").status, 200);
}

TEST_F(ServerTest, LoginSessionAndLogout) {
    auto server = Start();
    ASSERT_NE(server.port, 0);
    const auto wrong = HttpRequest(server.port, "POST", "/api/v1/auth/login",
                                   R"({"email":"owner@example.com","password":"nope-nope-nope"})");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(ErrorCodeOf(wrong.body), "unauthenticated");

    const auto login = HttpRequest(server.port, "POST", "/api/v1/auth/login",
                                   R"({"email":"Owner@Example.com","password":")" + std::string(kPassword) + "\"}");
    ASSERT_EQ(login.status, 200) << login.body;
    const std::string set_cookie = login.Header("Set-Cookie").value_or("");
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

    const auto me = HttpRequest(server.port, "GET", "/api/v1/me", "", {{"Cookie", cookie}});
    ASSERT_EQ(me.status, 200) << me.body;
    const auto body = ParseObject(me.body);
    EXPECT_EQ(body.at("staff").as_object().at("role").as_string(), "owner");
    EXPECT_EQ(body.at("staff").as_object().at("email").as_string(), "o***@example.com");
    EXPECT_EQ(body.at("tenant").as_object().at("name").as_string(), "测试店");
    EXPECT_EQ(me.Header("Cache-Control").value_or(""), "no-store");

    // A cookie-borne state change without the console's X-Requested-With header is refused (CSRF).
    EXPECT_EQ(HttpRequest(server.port, "POST", "/api/v1/auth/logout", "", {{"Cookie", cookie}}).status, 403);
    EXPECT_EQ(HttpRequest(server.port, "GET", "/api/v1/me", "", {{"Cookie", cookie}}).status, 200);
    EXPECT_EQ(HttpRequest(server.port, "POST", "/api/v1/auth/logout", "",
                          {{"Cookie", cookie}, {"X-Requested-With", "XMLHttpRequest"}})
                  .status,
              204);
    EXPECT_EQ(HttpRequest(server.port, "GET", "/api/v1/me", "", {{"Cookie", cookie}}).status, 401);
    EXPECT_EQ(HttpRequest(server.port, "GET", "/api/v1/me").status, 401);

    // Neither the password nor the session secret is ever logged.
    server.process->Signal(SIGTERM);
    ASSERT_TRUE(server.process->Wait(std::chrono::seconds(20)));
    const std::string logs = server.process->Stdout() + server.process->Stderr();
    EXPECT_EQ(logs.find(kPassword), std::string::npos);
    EXPECT_EQ(logs.find(cookie.substr(cookie.find('.') + 1)), std::string::npos);
}

TEST_F(ServerTest, SigtermFinishesInFlightRequestsThenExitsCleanly) {
    auto server = Start();
    ASSERT_NE(server.port, 0);
    // A request whose body is still arriving when SIGTERM comes.
    HttpConnection slow(server.port);
    ASSERT_TRUE(slow.connected());
    const std::string body = R"({"email":"owner@example.com","password":")" + std::string(kPassword) + "\"}";
    ASSERT_TRUE(
        slow.SendRaw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    server.process->Signal(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(server.process->Wait(std::chrono::milliseconds(0))) << "exited before the request finished";
    ASSERT_TRUE(slow.SendRaw(body.substr(10)));
    const auto response = slow.ReadResponse();
    EXPECT_EQ(response.status, 200) << response.body;
    const auto exit = server.process->Wait(std::chrono::seconds(20));
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->exited);
    EXPECT_EQ(exit->code, 0);
    // New connections are refused once it has stopped.
    EXPECT_EQ(HttpRequest(server.port, "GET", "/healthz").status, 0);
}

TEST_F(ServerTest, CliExitCodesScriptsCanTrust) {
    const auto again = RunYutang({"init", "--data", data_, "--merchant", "x", "--owner-email", "a@b.cn"},
                                 {{"YUTANG_OWNER_PASSWORD", kPassword}}, out_.path());
    EXPECT_EQ(again.exit.code, 4) << again.err;
    EXPECT_NE(again.err.find("already initialised"), std::string::npos) << again.err;

    TempDir empty;
    const auto not_initialised =
        RunYutang({"serve", "--data", empty.path() + "/none", "--listen", "127.0.0.1:0"}, {}, out_.path());
    EXPECT_EQ(not_initialised.exit.code, 4) << not_initialised.err;
    EXPECT_NE(not_initialised.err.find("yutang init"), std::string::npos) << not_initialised.err;

    const auto bad_flag = RunYutang({"serve", "--no-such-flag"}, {}, out_.path());
    EXPECT_EQ(bad_flag.exit.code, 2);
    const auto bad_listen = RunYutang({"serve", "--data", data_, "--listen", "nowhere"}, {}, out_.path());
    EXPECT_EQ(bad_listen.exit.code, 2);
    EXPECT_NE(bad_listen.err.find("--listen"), std::string::npos) << bad_listen.err;

    const auto version = RunYutang({"version"}, {}, out_.path());
    EXPECT_EQ(version.exit.code, 0);
    EXPECT_EQ(version.out.rfind("yutang ", 0), 0u) << version.out;

    const auto migrate = RunYutang({"migrate", "--data", data_}, {}, out_.path());
    EXPECT_EQ(migrate.exit.code, 0) << migrate.err;
}

TEST(DemoTest, ServeDemoInitialisesOnceAndPrintsTheLogin) {
    TempDir out, dir;
    const std::string data = dir.path() + "/demo";
    std::string password;
    for (int run = 0; run < 2; ++run) {
        auto server = StartServer(data, {"--demo", "--demo-customers", "300"}, {}, out.path());
        ASSERT_NE(server.port, 0);
        const auto line = server.process->WaitForOutput("log in as demo@yutang.local", std::chrono::seconds(5));
        ASSERT_TRUE(line) << server.process->Stdout();
        const std::string shown = line->substr(line->rfind(' ') + 1);
        if (run == 0) {
            password = shown;
            EXPECT_NE(server.process->Stdout().find("300 people"), std::string::npos) << "the demo is populated";
        }
        EXPECT_EQ(shown, password) << "the demo login must stay the same across restarts";
        const auto login = HttpRequest(server.port, "POST", "/api/v1/auth/login",
                                       R"({"email":"demo@yutang.local","password":")" + password + "\"}");
        EXPECT_EQ(login.status, 200) << login.body;
        server.process->Signal(SIGINT);
        const auto exit = server.process->Wait(std::chrono::seconds(20));
        ASSERT_TRUE(exit);
        EXPECT_EQ(exit->code, 0);
    }
}

// The same binary on PostgreSQL: only the --database flag changes.
TEST(PostgresBackendTest, InitServeAndSignInOnPostgres) {
    PostgresServer* postgres = PostgresServer::Shared();
    YT_SKIP_UNLESS_POSTGRES(postgres);
    auto name = postgres->CreateUniqueDatabase("yt_functional");
    ASSERT_TRUE(name.ok()) << name.status().ToString();
    const std::string uri = "postgresql://yutang@127.0.0.1:" + std::to_string(postgres->port()) + "/" + *name;
    TempDir out, dir;
    const std::string data = dir.path() + "/data";
    const auto init = RunYutang(
        {"init", "--data", data, "--database", uri, "--merchant", "云端店", "--owner-email", "owner@example.com"},
        {{"YUTANG_OWNER_PASSWORD", kPassword}}, out.path());
    ASSERT_EQ(init.exit.code, 0) << init.err;

    auto server = StartServer(data, {"--database", uri}, {}, out.path());
    ASSERT_NE(server.port, 0);
    EXPECT_EQ(HttpRequest(server.port, "GET", "/readyz").status, 200);
    const auto login = HttpRequest(server.port, "POST", "/api/v1/auth/login",
                                   R"({"email":"owner@example.com","password":")" + std::string(kPassword) + "\"}");
    ASSERT_EQ(login.status, 200) << login.body;
    const std::string cookie = login.Header("Set-Cookie").value_or("");
    const auto me = HttpRequest(server.port, "GET", "/api/v1/me", "", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(ParseObject(me.body).at("tenant").as_object().at("name").as_string(), "云端店");
    // No SQLite file was created: the store is PostgreSQL.
    EXPECT_FALSE(std::filesystem::exists(data + "/yutang.db"));
    server.process->Signal(SIGTERM);
    const auto exit = server.process->Wait(std::chrono::seconds(20));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->code, 0);
}

}  // namespace
}  // namespace yutang::testing
