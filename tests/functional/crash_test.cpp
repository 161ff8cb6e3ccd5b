// kill -9 while writes are being committed: after a restart the store is intact and every
// write that was acknowledged is there.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

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

}  // namespace
}  // namespace yutang::testing
