// Importing a real-world export: `yutang import orders` (progress, report, idempotence, exit
// codes), and POST /api/v1/imports on the real server (upload, poll, report, rejected rows, audit).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/http_client.hpp"
#include "tests/support/json_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

TEST(ImportCliTest, ImportsATmallExportOnceAndReportsIt) {
    TempDir out, dir;
    const std::string data = dir.path() + "/data";
    ASSERT_EQ(RunYutang({"init", "--data", data, "--merchant", "天猫店", "--owner-email", "owner@example.com"},
                        {{"YUTANG_OWNER_PASSWORD", "import-owner-pass-1"}}, out.path())
                  .exit.code,
              0);
    const std::string sample =
        std::string(YT_SOURCE_DIR) + "/src/yutang/imports/testdata/tmall_order_report.head100.csv";
    const auto first = RunYutang({"import", "orders", sample, "--data", data, "--merchant", "天猫店"}, {}, out.path());
    ASSERT_EQ(first.exit.code, 0) << first.err;
    EXPECT_NE(first.out.find("taobao"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("100"), std::string::npos) << first.out;
    EXPECT_NE(first.err.find("100%"), std::string::npos) << "progress is shown: " << first.err;

    const auto second = RunYutang({"import", "orders", sample, "--data", data, "--merchant", "1"}, {}, out.path());
    ASSERT_EQ(second.exit.code, 0) << second.err;
    EXPECT_NE(second.out.find("未变 unchanged"), std::string::npos);
    const size_t unchanged = second.out.find("未变 unchanged");
    EXPECT_NE(second.out.substr(unchanged, 60).find("100"), std::string::npos) << second.out;

    // A file that is no known export, and one that does not exist: clear errors, script-safe codes.
    std::ofstream(dir.File("notes.csv")) << "a,b\n1,2\n";
    const auto unknown =
        RunYutang({"import", "orders", dir.File("notes.csv"), "--data", data, "--merchant", "1"}, {}, out.path());
    EXPECT_EQ(unknown.exit.code, 2);
    EXPECT_NE(unknown.err.find("column mapping"), std::string::npos) << unknown.err;
    const auto missing =
        RunYutang({"import", "orders", dir.File("none.csv"), "--data", data, "--merchant", "1"}, {}, out.path());
    EXPECT_EQ(missing.exit.code, 3) << missing.err;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::move(buffer).str();
}

class ImportHttpTest : public ::testing::Test {
  protected:
    using Headers = std::vector<std::pair<std::string, std::string>>;

    void SetUp() override {
        const auto init =
            RunYutang({"init", "--data", data_, "--merchant", "天猫店", "--owner-email", "owner@example.com"},
                      {{"YUTANG_OWNER_PASSWORD", kPassword}}, out_.path());
        ASSERT_EQ(init.exit.code, 0) << init.err;
        // Every route but the upload keeps a small body limit; uploads get their own.
        server_ = StartServer(data_, {}, {{"YUTANG_MAX_BODY_BYTES", "4096"}, {"YUTANG_MAX_IMPORT_BYTES", "1000000"}},
                              out_.path());
        ASSERT_NE(server_.port, 0);
        const auto login = HttpRequest(server_.port, "POST", "/api/v1/auth/login",
                                       R"({"email":"owner@example.com","password":")" + std::string(kPassword) + "\"}");
        ASSERT_EQ(login.status, 200) << login.body;
        const std::string cookie = login.Header("Set-Cookie").value_or("");
        owner_ = {{"Authorization",
                   "Bearer " + cookie.substr(cookie.find('=') + 1, cookie.find(';') - cookie.find('=') - 1)}};
    }

    HttpResponse Upload(const std::string& body, const std::string& key) {
        Headers headers = owner_;
        headers.emplace_back("Content-Type", "text/csv");
        headers.emplace_back("Idempotency-Key", key);
        return HttpRequest(server_.port, "POST", "/api/v1/imports?platform=auto&filename=%E8%AE%A2%E5%8D%95.csv", body,
                           headers);
    }

    // Polls the job until it has ended.
    boost::json::object WaitDone(const std::string& location) {
        for (int i = 0; i < 600; ++i) {
            const auto r = HttpRequest(server_.port, "GET", location, "", owner_);
            EXPECT_EQ(r.status, 200) << r.body;
            auto job = ParseObject(r.body);
            const std::string status(job.at("status").as_string());
            if (status == "succeeded" || status == "failed") return job;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << "the import did not end";
        return {};
    }

    static constexpr const char* kPassword = "import-owner-pass-1";
    TempDir out_, dir_;
    std::string data_ = dir_.path() + "/data";
    RunningServer server_;
    Headers owner_;
};

TEST_F(ImportHttpTest, UploadPollReportRejectedRowsAndAudit) {
    // The Tmall sample, plus one row with a bad amount whose address holds a (made-up) phone number.
    const std::string phone = std::string("138") + "0000" + "2222";
    const std::string file =
        ReadFile(std::string(YT_SOURCE_DIR) + "/src/yutang/imports/testdata/tmall_order_report.head100.csv") +
        "101,abc,0.0,浙江 " + phone + ",2020-02-20 23:18:01,,0.0\r\n";
    ASSERT_GT(file.size(), 4096u);

    // The small limit still holds everywhere else, and uploads need credentials.
    const auto elsewhere = HttpRequest(server_.port, "POST", "/api/v1/stores", file, owner_);
    EXPECT_EQ(elsewhere.status, 413) << elsewhere.body;
    EXPECT_EQ(HttpRequest(server_.port, "POST", "/api/v1/imports", file).status, 401);

    const auto created = Upload(file, "upload-1");
    ASSERT_EQ(created.status, 202) << created.body;
    const std::string location = created.Header("Location").value_or("");
    EXPECT_EQ(location, "/api/v1/imports/1");
    const auto created_body = ParseObject(created.body);
    EXPECT_EQ(created_body.at("filename").as_string(), "订单.csv");
    EXPECT_EQ(created_body.at("platform").as_string(), "auto");
    EXPECT_TRUE(created_body.at("status").as_string() == "queued" ||
                created_body.at("status").as_string() == "running");
    // A retry with the same Idempotency-Key starts nothing new.
    const auto retried = Upload(file, "upload-1");
    EXPECT_EQ(retried.status, 202);
    EXPECT_EQ(retried.Header("Location").value_or(""), location);
    EXPECT_EQ(retried.Header("Idempotent-Replayed").value_or(""), "true");

    const auto job = WaitDone(location);
    ASSERT_EQ(job.at("status").as_string(), "succeeded") << boost::json::serialize(job);
    const auto& report = job.at("report").as_object();
    EXPECT_EQ(report.at("platform").as_string(), "taobao");
    EXPECT_EQ(report.at("encoding").as_string(), "UTF-8");
    EXPECT_EQ(report.at("orders_read").as_int64(), 100);
    EXPECT_EQ(report.at("orders_created").as_int64(), 100);
    EXPECT_EQ(report.at("rows_rejected").as_int64(), 1);
    const auto& rejection = report.at("rejections").as_array().at(0).as_object();
    EXPECT_EQ(rejection.at("line").as_int64(), 102);
    EXPECT_EQ(rejection.at("column").as_string(), "总金额");
    EXPECT_EQ(rejection.at("reason").as_string(), "not an amount");
    const auto& progress = job.at("progress").as_object();
    EXPECT_EQ(progress.at("bytes_read").as_int64(), progress.at("bytes_total").as_int64());
    EXPECT_EQ(job.at("links").at("rejected").as_string(), location + "/rejected");

    const auto listed = HttpRequest(server_.port, "GET", "/api/v1/imports", "", owner_);
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(ParseObject(listed.body).at("items").as_array().size(), 1u);

    // The rejected rows, for Excel: BOM, line and reason, then the row as it was.
    const auto rejected = HttpRequest(server_.port, "GET", location + "/rejected", "", owner_);
    ASSERT_EQ(rejected.status, 200) << rejected.body;
    EXPECT_EQ(rejected.Header("Content-Type").value_or(""), "text/csv; charset=utf-8");
    EXPECT_EQ(rejected.Header("Cache-Control").value_or(""), "no-store");
    EXPECT_TRUE(rejected.body.starts_with("\xEF\xBB\xBF行号 line,原因 reason,订单编号,总金额,")) << rejected.body;
    EXPECT_NE(rejected.body.find("\r\n102,\"总金额: not an amount\",101,abc,0.0,浙江 " + phone + ","),
              std::string::npos)
        << rejected.body;
    const auto audit = HttpRequest(server_.port, "GET", "/api/v1/audit-log?action=data.exported", "", owner_);
    ASSERT_EQ(audit.status, 200) << audit.body;
    const auto audit_body = ParseObject(audit.body);
    const auto& entries = audit_body.at("items").as_array();
    ASSERT_EQ(entries.size(), 1u) << audit.body;
    EXPECT_EQ(entries[0].at("target_type").as_string(), "import");
    EXPECT_EQ(entries[0].at("target_id").as_string(), "1");
    EXPECT_EQ(ParseObject(HttpRequest(server_.port, "GET", "/api/v1/audit-log?action=import.created", "", owner_).body)
                  .at("items")
                  .as_array()
                  .size(),
              1u);

    // The same file again changes nothing.
    const auto again = Upload(file, "upload-2");
    ASSERT_EQ(again.status, 202) << again.body;
    const auto second = WaitDone(again.Header("Location").value_or(""));
    EXPECT_EQ(second.at("report").at("orders_unchanged").as_int64(), 100) << boost::json::serialize(second);
    EXPECT_EQ(second.at("report").at("orders_created").as_int64(), 0);

    // Over the upload limit: 413 from Content-Length, before the body is sent.
    HttpConnection big(server_.port);
    ASSERT_TRUE(big.SendRaw("POST /api/v1/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + owner_[0].second +
                            "\r\nContent-Length: 1000001\r\n\r\n"));
    const auto too_big = big.ReadResponse();
    EXPECT_EQ(too_big.status, 413) << too_big.body;
    EXPECT_NE(too_big.body.find("larger than 1000000 bytes"), std::string::npos) << too_big.body;

    // The uploaded files are gone; the spool dir is private.
    const std::string spool = data_ + "/spool";
    EXPECT_EQ(std::filesystem::status(spool).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    for (const auto& entry : std::filesystem::directory_iterator(spool)) {
        EXPECT_EQ(entry.path().filename(), "node-id") << "left in the spool dir";
    }
    server_.process->Signal(SIGTERM);
    EXPECT_TRUE(server_.process->Wait(std::chrono::seconds(20)));
    // The rejected row's personal data is in no database file and not in the logs.
    for (const char* name : {"/yutang.db", "/yutang.db-wal"}) {
        EXPECT_EQ(ReadFile(data_ + name).find(phone), std::string::npos) << name;
    }
    const std::string logs = server_.process->Stdout() + server_.process->Stderr();
    EXPECT_FALSE(std::regex_search(logs, std::regex("(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)")))
        << "a phone number in the logs";
}

}  // namespace
}  // namespace yutang::testing
