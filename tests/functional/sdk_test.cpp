// The official Segment Node SDK (@segment/analytics-node, from npm) sends to the real server.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

int64_t QueryInt(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    int64_t value = -1;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return value;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

TEST(SegmentSdkTest, OfficialNodeSdkDeliversAndResolvesOnePerson) {
    const std::string sdk_dir = std::string(YT_SOURCE_DIR) + "/tests/sdk";
    if (!std::filesystem::exists(sdk_dir + "/node_modules/@segment/analytics-node")) {
        if (std::string(std::getenv("CI") ? std::getenv("CI") : "") == "true") {
            FAIL() << "tests/sdk/node_modules is missing: scripts/setup.sh installs it";
        }
        GTEST_SKIP() << "run scripts/setup.sh to install the Segment SDK";
    }
    TempDir out, dir;
    const std::string data = dir.path() + "/data";
    ASSERT_EQ(RunYutang({"init", "--data", data, "--merchant", "SDK店", "--owner-email", "owner@example.com"},
                        {{"YUTANG_OWNER_PASSWORD", "sdk-owner-pass-1"}}, out.path())
                  .exit.code,
              0);
    const auto key =
        RunYutang({"apikey", "create", "--data", data, "--merchant", "1", "--name", "node"}, {}, out.path());
    ASSERT_EQ(key.exit.code, 0) << key.err;
    const size_t at = key.out.find("ytw_");
    const std::string write_key = key.out.substr(at, key.out.find('\n', at) - at);

    auto server = StartServer(data, {}, {}, out.path());
    ASSERT_NE(server.port, 0);
    Process node(
        "/usr/bin/env",
        {"node", sdk_dir + "/send_with_segment_sdk.mjs", "http://127.0.0.1:" + std::to_string(server.port), write_key},
        {}, out.path());
    const auto exit = node.Wait(std::chrono::seconds(60));
    ASSERT_TRUE(exit) << "the SDK did not finish";
    EXPECT_EQ(exit->code, 0) << node.Stdout() << node.Stderr();

    const std::string db = data + "/yutang.db";
    EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM events"), 6);
    for (const char* type : {"identify", "track", "page", "alias", "group", "screen"}) {
        EXPECT_EQ(QueryInt(db, std::string("SELECT COUNT(*) FROM events WHERE type = '") + type + "'"), 1) << type;
    }
    EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM events WHERE type = 'track' AND name = 'Order Completed'"), 1);
    // userId, anonymousId (merged by alias), email and phone all lead to one person.
    EXPECT_EQ(QueryInt(db,
                       "SELECT COUNT(DISTINCT COALESCE(c.merged_into, c.customer_id)) FROM events e "
                       "JOIN customers c ON c.tenant_id = e.tenant_id AND c.customer_id = e.customer_id"),
              1);
    EXPECT_EQ(QueryInt(db, "SELECT COUNT(DISTINCT kind) FROM customer_identities"), 4);
    EXPECT_EQ(QueryInt(db, "SELECT COUNT(DISTINCT customer_id) FROM customer_identities"), 1);
    EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM failed_events"), 0);
    // "Order Completed" became an order and the buyer's traits.
    EXPECT_EQ(QueryInt(db, "SELECT total_fen FROM orders WHERE source = 'segment' AND external_id = 'SDK-1'"), 9950);
    EXPECT_EQ(QueryInt(db, "SELECT order_count FROM customer_traits"), 1);
    EXPECT_EQ(QueryInt(db, "SELECT total_spend_fen FROM customer_traits"), 9950);

    server.process->Signal(SIGTERM);
    EXPECT_TRUE(server.process->Wait(std::chrono::seconds(20)));
    // Personal information never appears in plaintext: not in the database files, not in the logs.
    for (const char* file : {"/yutang.db", "/yutang.db-wal"}) {
        std::ifstream in(data + file, std::ios::binary);
        std::ostringstream buffer;
        buffer << in.rdbuf();
        const std::string bytes = std::move(buffer).str();
        EXPECT_EQ(bytes.find("137"
                             "0000"
                             "1111"),
                  std::string::npos)
            << file;
        EXPECT_EQ(bytes.find("sdk.buyer@example.com"), std::string::npos) << file;
        EXPECT_EQ(bytes.find("测试买家"), std::string::npos) << file;
    }
    const std::string logs = server.process->Stdout() + server.process->Stderr();
    EXPECT_FALSE(std::regex_search(logs, std::regex("(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)")))
        << "a phone number in the logs";
}

}  // namespace
}  // namespace yutang::testing
