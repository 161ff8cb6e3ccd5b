// Who may do what, end to end: the real binary, its HTTP API and its CLI.
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include "tests/support/http_client.hpp"
#include "tests/support/json_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

constexpr const char* kOwnerPassword = "access-owner-pass-1";

class AccessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto init =
            RunYutang({"init", "--data", data_, "--merchant", "权限测试店", "--owner-email", "owner@example.com"},
                      {{"YUTANG_OWNER_PASSWORD", kOwnerPassword}}, out_.path());
        ASSERT_EQ(init.exit.code, 0) << init.err;
        server_ = StartServer(data_, {}, {}, out_.path());
        ASSERT_NE(server_.port, 0);
    }

    // Logs in and returns the Bearer header for the session.
    Headers LoginAs(const std::string& email, const std::string& password) {
        std::string token;
        Headers auth = testing::LoginAs(server_.port, email, password, &token);
        secrets_.push_back(token.substr(token.find('.') + 1));
        return auth;
    }
    HttpResponse Get(const std::string& path, const Headers& auth) {
        return HttpRequest(server_.port, "GET", path, "", auth);
    }
    HttpResponse Post(const std::string& path, const std::string& body, const Headers& auth) {
        return HttpRequest(server_.port, "POST", path, body, auth);
    }
    HttpResponse Send(const std::string& method, const std::string& path, const std::string& body,
                      const Headers& auth) {
        return HttpRequest(server_.port, method, path, body, auth);
    }
    // Stops the server and returns everything it logged.
    std::string StopAndCollectLogs() {
        server_.process->Signal(SIGTERM);
        EXPECT_TRUE(server_.process->Wait(std::chrono::seconds(20)));
        return server_.process->Stdout() + server_.process->Stderr();
    }

    TempDir out_, dir_;
    std::string data_ = dir_.path() + "/data";
    RunningServer server_;
    std::vector<std::string> secrets_ = {kOwnerPassword};
};

TEST_F(AccessTest, EveryPrivilegedActionLandsInTheAuditLog) {
    EXPECT_EQ(Post("/api/v1/auth/login", R"({"email":"owner@example.com","password":"not-the-password"})", {}).status,
              401);
    const Headers owner = LoginAs("owner@example.com", kOwnerPassword);

    const auto created = Post("/api/v1/staff", R"({"email":"guide@example.com","role":"guide"})", owner);
    ASSERT_EQ(created.status, 201) << created.body;
    const auto created_body = ParseObject(created.body);
    const std::string guide_password(created_body.at("password").as_string());
    const int64_t guide_id = created_body.at("staff").as_object().at("id").as_int64();
    secrets_.push_back(guide_password);
    const Headers guide = LoginAs("guide@example.com", guide_password);
    EXPECT_EQ(Get("/api/v1/audit-log", guide).status, 403) << "a guide does not read the audit log";

    const std::string staff_path = "/api/v1/staff/" + std::to_string(guide_id);
    EXPECT_EQ(Send("PATCH", staff_path, R"({"role":"operator"})", owner).status, 200);
    const auto revealed = Post(staff_path + "/reveal-email", "", owner);
    EXPECT_EQ(revealed.status, 200);
    EXPECT_EQ(ParseObject(revealed.body).at("email").as_string(), "guide@example.com");

    const auto key = Post("/api/v1/api-keys", R"({"name":"BI","kind":"admin","scopes":["stores.read"]})", owner);
    ASSERT_EQ(key.status, 201) << key.body;
    const auto key_body = ParseObject(key.body);
    const std::string token(key_body.at("token").as_string());
    secrets_.push_back(token);
    const Headers key_auth = {{"Authorization", "Bearer " + token}};
    EXPECT_EQ(Get("/api/v1/stores", key_auth).status, 200);
    EXPECT_EQ(Get("/api/v1/staff", key_auth).status, 403) << "the key holds stores.read only";
    const int64_t key_id = key_body.at("api_key").as_object().at("id").as_int64();
    EXPECT_EQ(Send("DELETE", "/api/v1/api-keys/" + std::to_string(key_id), "", owner).status, 204);
    EXPECT_EQ(Get("/api/v1/stores", key_auth).status, 401) << "a revoked key stops working at once";

    // A customer arrives through the tracking API; exporting and erasing them are audited too.
    const auto write_key = Post("/api/v1/api-keys", R"({"name":"SDK","kind":"write"})", owner);
    ASSERT_EQ(write_key.status, 201) << write_key.body;
    const std::string sdk_token(ParseObject(write_key.body).at("token").as_string());
    secrets_.push_back(sdk_token);
    ASSERT_EQ(Post("/v1/identify", R"({"userId":"u-77","traits":{"email":"c77@example.com"}})",
                   {{"Authorization", "Bearer " + sdk_token}})
                  .status,
              200);
    const auto found = Get("/api/v1/customers?q=c77@example.com", owner);
    ASSERT_EQ(found.status, 200) << found.body;
    const auto found_body = ParseObject(found.body);
    ASSERT_EQ(found_body.at("items").as_array().size(), 1u) << found.body;
    const std::string customer_path =
        "/api/v1/customers/" + std::to_string(found_body.at("items").as_array()[0].as_object().at("id").as_int64());
    // (The former guide is an operator by now: operators read and export, only owners and admins erase.)
    EXPECT_EQ(Send("DELETE", customer_path, "", guide).status, 403);
    const auto exported = Post(customer_path + "/export", "", owner);
    EXPECT_EQ(exported.status, 200);
    EXPECT_NE(exported.body.find("c77@example.com"), std::string::npos);
    EXPECT_EQ(Send("DELETE", customer_path, "", owner).status, 204);
    EXPECT_EQ(ParseObject(Get("/api/v1/customers?q=c77@example.com", owner).body).at("items").as_array().size(), 0u);

    EXPECT_EQ(Send("PATCH", staff_path, R"({"active":false})", owner).status, 200);
    EXPECT_EQ(Get("/api/v1/me", guide).status, 401) << "disabling ends the account's sessions at once";

    const auto log = Get("/api/v1/audit-log?limit=200", owner);
    ASSERT_EQ(log.status, 200) << log.body;
    std::set<std::string> actions;
    const auto log_body = ParseObject(log.body);
    for (const auto& entry : log_body.at("items").as_array()) {
        actions.insert(std::string(entry.as_object().at("action").as_string()));
        EXPECT_EQ(entry.as_object().at("client_address").as_string(), "127.0.0.1");
    }
    for (const char* action : {"auth.login", "auth.login_failed", "staff.created", "staff.role_changed", "pii.viewed",
                               "apikey.created", "apikey.revoked", "staff.disabled", "data.exported", "data.deleted"}) {
        EXPECT_TRUE(actions.count(action)) << action << " missing from " << log.body;
    }
    const auto only_keys = Get("/api/v1/audit-log?action=apikey.", owner);
    EXPECT_EQ(ParseObject(only_keys.body).at("items").as_array().size(), 3u) << only_keys.body;

    // No password, session secret or key secret reaches the logs.
    const std::string logs = StopAndCollectLogs();
    for (const std::string& secret : secrets_) EXPECT_EQ(logs.find(secret), std::string::npos) << "leaked into logs";
}

TEST_F(AccessTest, TwentyWrongPasswordsLockTheAccountWithoutAnOracle) {
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(Post("/api/v1/auth/login", R"({"email":"owner@example.com","password":"wrong-password"})", {}).status,
                  401);
    }
    const auto locked = Post("/api/v1/auth/login",
                             R"({"email":"owner@example.com","password":")" + std::string(kOwnerPassword) + "\"}", {});
    EXPECT_EQ(locked.status, 429);
    EXPECT_EQ(ErrorCodeOf(locked.body), "resource_exhausted");
    EXPECT_FALSE(locked.Header("Set-Cookie")) << "no session during the lock-out";
}

TEST_F(AccessTest, CookieWritesNeedTheConsoleHeaderAndOurOrigin) {
    const auto login = Post("/api/v1/auth/login",
                            R"({"email":"owner@example.com","password":")" + std::string(kOwnerPassword) + "\"}", {});
    const std::string set_cookie = login.Header("Set-Cookie").value_or("");
    const Headers cookie = {{"Cookie", set_cookie.substr(0, set_cookie.find(';'))}};
    const std::string body = R"({"name":"一号店","code":"S1"})";
    EXPECT_EQ(Post("/api/v1/stores", body, cookie).status, 403);
    Headers cross_site = cookie;
    cross_site.emplace_back("X-Requested-With", "XMLHttpRequest");
    cross_site.emplace_back("Origin", "https://evil.example");
    EXPECT_EQ(Post("/api/v1/stores", body, cross_site).status, 403);
    Headers console = cookie;
    console.emplace_back("X-Requested-With", "XMLHttpRequest");
    EXPECT_EQ(Post("/api/v1/stores", body, console).status, 201);
    EXPECT_EQ(Get("/api/v1/stores", cookie).status, 200) << "reads need no header";
}

TEST_F(AccessTest, PasswordsAreArgon2idAboveTheMinimum) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((data_ + "/yutang.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT password_hash FROM staff", -1, &stmt, nullptr), SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        ++rows;
        const std::string hash(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        std::smatch m;
        ASSERT_TRUE(std::regex_search(hash, m, std::regex(R"(^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=\d+\$)"))) << hash;
        EXPECT_GE(std::stol(m[1]), 19456) << "memory in KiB";
        EXPECT_GE(std::stol(m[2]), 2) << "passes";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    EXPECT_EQ(rows, 1);
}

TEST_F(AccessTest, TheCliManagesMerchantsStaffAndKeys) {
    const auto add = RunYutang(
        {"tenant", "add", "--data", data_, "--name", "第二家店", "--owner-email", "b@example.com"}, {}, out_.path());
    ASSERT_EQ(add.exit.code, 0) << add.err;
    EXPECT_NE(add.out.find("Password"), std::string::npos) << "a generated owner password is printed once";
    const auto list = RunYutang({"tenant", "list", "--data", data_}, {}, out_.path());
    EXPECT_NE(list.out.find("第二家店"), std::string::npos) << list.out;

    const auto staff = RunYutang(
        {"staff", "add", "--data", data_, "--merchant", "第二家店", "--email", "g@example.com", "--role", "auditor"},
        {{"YUTANG_STAFF_PASSWORD", "auditor-pass-1"}}, out_.path());
    ASSERT_EQ(staff.exit.code, 0) << staff.err;
    const auto bad_role =
        RunYutang({"staff", "add", "--data", data_, "--merchant", "2", "--email", "x@example.com", "--role", "boss"},
                  {}, out_.path());
    EXPECT_EQ(bad_role.exit.code, 2) << bad_role.err;
    const auto no_merchant = RunYutang({"staff", "list", "--data", data_, "--merchant", "nope"}, {}, out_.path());
    EXPECT_EQ(no_merchant.exit.code, 3);

    const auto key =
        RunYutang({"apikey", "create", "--data", data_, "--merchant", "第二家店", "--name", "SDK"}, {}, out_.path());
    ASSERT_EQ(key.exit.code, 0) << key.err;
    const std::string token =
        key.out.substr(key.out.find("ytw_"), key.out.find('\n', key.out.find("ytw_")) - key.out.find("ytw_"));
    // The key works against the running server (same data dir), for tracking only.
    EXPECT_EQ(Get("/api/v1/me", {{"Authorization", "Bearer " + token}}).status, 200);
    EXPECT_EQ(Get("/api/v1/stores", {{"Authorization", "Bearer " + token}}).status, 403);
    const auto keys = RunYutang({"apikey", "list", "--data", data_, "--merchant", "2"}, {}, out_.path());
    EXPECT_NE(keys.out.find("SDK"), std::string::npos);
    EXPECT_EQ(keys.out.find(token), std::string::npos) << "the list never shows the secret";
    const auto revoke =
        RunYutang({"apikey", "revoke", "--data", data_, "--merchant", "2", "--id", "1"}, {}, out_.path());
    EXPECT_EQ(revoke.exit.code, 0) << revoke.err;
    EXPECT_EQ(Get("/api/v1/me", {{"Authorization", "Bearer " + token}}).status, 401);

    const auto disable =
        RunYutang({"staff", "disable", "--data", data_, "--merchant", "2", "--id", "1"}, {}, out_.path());
    EXPECT_EQ(disable.exit.code, 4) << "the last owner cannot be disabled: " << disable.err;
    const auto staff_list = RunYutang({"staff", "list", "--data", data_, "--merchant", "2"}, {}, out_.path());
    EXPECT_NE(staff_list.out.find("auditor"), std::string::npos) << staff_list.out;
}

}  // namespace
}  // namespace yutang::testing
