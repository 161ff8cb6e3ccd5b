// kill -9 while writes are being committed: after a restart the store is intact and every
// write that was acknowledged is there.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include "yutang/base/crypto.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

constexpr const char* kPassword = "crash-test-pass-1";

std::string IntegrityCheck(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return "cannot open";
    std::string result;
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
            *static_cast<std::string*>(out) += values[0] ? values[0] : "";
            return 0;
        },
        &result, nullptr);
    sqlite3_close(db);
    return result;
}

TEST(CrashTest, AcknowledgedWritesSurviveKill9) {
    TempDir out, dir;
    const std::string data = dir.path() + "/data";
    const auto init =
        RunYutang({"init", "--data", data, "--merchant", "崩溃测试店", "--owner-email", "owner@example.com"},
                  {{"YUTANG_OWNER_PASSWORD", kPassword}}, out.path());
    ASSERT_EQ(init.exit.code, 0) << init.err;

    auto server = StartServer(data, {}, {}, out.path());
    ASSERT_NE(server.port, 0);

    // Each successful login commits a session row before it answers; the cookie is the proof
    // of an acknowledged write.
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    std::atomic<bool> stop{false};
    std::atomic<int> attempts{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
        writers.emplace_back([&] {
            while (!stop.load()) {
                attempts.fetch_add(1);
                const auto r =
                    HttpRequest(server.port, "POST", "/api/v1/auth/login",
                                R"({"email":"owner@example.com","password":")" + std::string(kPassword) + "\"}");
                if (r.status != 200) continue;
                const auto cookie = r.Header("Set-Cookie");
                if (!cookie) continue;
                std::lock_guard lock(mutex);
                acknowledged.push_back(cookie->substr(0, cookie->find(';')));
            }
        });
    }
    // Let writes flow, then kill in the middle of them.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(mutex);
            if (acknowledged.size() >= 20) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    server.process->Signal(SIGKILL);
    const auto killed = server.process->Wait(std::chrono::seconds(10));
    stop.store(true);
    for (auto& w : writers) w.join();
    ASSERT_TRUE(killed);
    EXPECT_EQ(killed->signal, SIGKILL);
    ASSERT_GE(acknowledged.size(), 20u) << "too few writes before the kill (" << attempts.load() << " attempts)";

    // Recovery happens when the store is opened again.
    auto restarted = StartServer(data, {}, {}, out.path());
    ASSERT_NE(restarted.port, 0);
    EXPECT_EQ(IntegrityCheck(data + "/yutang.db"), "ok");
    size_t present = 0;
    for (const std::string& cookie : acknowledged) {
        const auto me = HttpRequest(restarted.port, "GET", "/api/v1/me", "", {{"Cookie", cookie}});
        if (me.status == 200) ++present;
    }
    EXPECT_EQ(present, acknowledged.size()) << "acknowledged sessions lost in the crash";
}

std::set<std::string> StoredMessageIds(const std::string& path, int64_t& rows) {
    std::set<std::string> ids;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return ids;
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT message_id FROM events", -1, &stmt, nullptr);
    rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        ++rows;
        ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return ids;
}

TEST(CrashTest, AcknowledgedBatchesSurviveKill9OnceEach) {
    TempDir out, dir;
    const std::string data = dir.path() + "/data";
    ASSERT_EQ(RunYutang({"init", "--data", data, "--merchant", "埋点店", "--owner-email", "owner@example.com"},
                        {{"YUTANG_OWNER_PASSWORD", kPassword}}, out.path())
                  .exit.code,
              0);
    const auto key =
        RunYutang({"apikey", "create", "--data", data, "--merchant", "1", "--name", "sdk"}, {}, out.path());
    ASSERT_EQ(key.exit.code, 0) << key.err;
    const size_t at = key.out.find("ytw_");
    const std::string write_key = key.out.substr(at, key.out.find('\n', at) - at);
    const std::pair<std::string, std::string> auth{"Authorization", "Basic " + Base64Encode(write_key + ":")};

    auto server = StartServer(data, {}, {}, out.path());
    ASSERT_NE(server.port, 0);
    auto batch_body = [](int writer, int batch) {
        std::string body = R"({"sentAt":"2026-11-23T03:54:27Z","batch":[)";
        for (int i = 0; i < 100; ++i) {
            if (i) body += ",";
            const std::string id =
                "w" + std::to_string(writer) + "-b" + std::to_string(batch) + "-" + std::to_string(i);
            body += R"({"type":"track","event":"Product Viewed","userId":"u)" + std::to_string(i % 37) +
                    R"(","messageId":")" + id + R"(","timestamp":"2026-11-23T03:54:20Z","properties":{"sku":"S)" +
                    std::to_string(i) + R"("}})";
        }
        return body + "]}";
    };
    std::mutex mutex;
    std::vector<std::pair<int, int>> acknowledged;  // (writer, batch)
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
        writers.emplace_back([&, w] {
            for (int b = 0; !stop.load(); ++b) {
                const auto r = HttpRequest(server.port, "POST", "/v1/batch", batch_body(w, b), {auth});
                if (r.status != 200) continue;
                std::lock_guard lock(mutex);
                acknowledged.emplace_back(w, b);
            }
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(mutex);
            if (acknowledged.size() >= 30) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server.process->Signal(SIGKILL);
    ASSERT_TRUE(server.process->Wait(std::chrono::seconds(10)));
    stop.store(true);
    for (auto& w : writers) w.join();
    ASSERT_GE(acknowledged.size(), 30u);

    int64_t rows = 0;
    const auto stored = StoredMessageIds(data + "/yutang.db", rows);
    EXPECT_EQ(IntegrityCheck(data + "/yutang.db"), "ok");
    EXPECT_EQ(static_cast<size_t>(rows), stored.size()) << "an event stored twice";
    size_t missing = 0;
    for (const auto& [w, b] : acknowledged) {
        for (int i = 0; i < 100; ++i) {
            if (!stored.count("w" + std::to_string(w) + "-b" + std::to_string(b) + "-" + std::to_string(i))) ++missing;
        }
    }
    EXPECT_EQ(missing, 0u) << "acknowledged events lost in the crash";

    // A client that retries an acknowledged batch after the restart changes nothing.
    auto restarted = StartServer(data, {}, {}, out.path());
    ASSERT_NE(restarted.port, 0);
    const auto retry = HttpRequest(restarted.port, "POST", "/v1/batch",
                                   batch_body(acknowledged[0].first, acknowledged[0].second), {auth});
    ASSERT_EQ(retry.status, 200) << retry.body;
    EXPECT_NE(retry.body.find("\"duplicates\":100"), std::string::npos) << retry.body;
}

}  // namespace
}  // namespace yutang::testing
