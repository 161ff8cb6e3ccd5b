// Exporting a saved segment through the real binary: GET /api/v1/segments/{id}/export as CSV and
// as an XLSX workbook, `yutang segment export` writing the same files, `yutang segment count`
// naming a saved segment, and the audit entries every export leaves.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "yutang/imports/internal/records.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/json_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

constexpr const char* kOwnerPassword = "export-owner-pass-1";
constexpr const char* kMerchant = "导出测试店";
constexpr const char* kSegmentName = "有手机的客户";

class SegmentExportTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto init =
            RunYutang({"init", "--data", data_, "--merchant", kMerchant, "--owner-email", "owner@example.com"},
                      {{"YUTANG_OWNER_PASSWORD", kOwnerPassword}}, out_.path());
        ASSERT_EQ(init.exit.code, 0) << init.err;
        server_ = StartServer(data_, {}, {}, out_.path());
        ASSERT_NE(server_.port, 0);
        owner_ = testing::LoginAs(server_.port, "owner@example.com", kOwnerPassword);

        // Three people, two of them with a phone (numbers put together here, never written whole).
        const std::string key(Json(Send("POST", "/api/v1/api-keys", R"({"name":"SDK","kind":"write"})", owner_), 201)
                                  .at("token")
                                  .as_string());
        const std::string phone_1 = std::string("139") + "0013" + "5678";
        const std::string phone_2 = std::string("137") + "0013" + "4321";
        ASSERT_EQ(Send("POST", "/v1/batch",
                       R"({"batch":[
            {"type":"identify","userId":"a-1","traits":{"phone":")" +
                           phone_1 + R"(","email":"a1@example.com"}},
            {"type":"identify","userId":"b-2","traits":{"phone":")" +
                           phone_2 + R"("}},
            {"type":"identify","userId":"c-3","traits":{"gender":"male"}}]})",
                       {{"Authorization", "Bearer " + key}})
                      .status,
                  200);
        boost::json::object create{{"name", kSegmentName}, {"text", "has phone"}};
        const auto segment = Json(Send("POST", "/api/v1/segments", boost::json::serialize(create), owner_), 201);
        ASSERT_EQ(segment.at("size").as_int64(), 2);
        segment_id_ = segment.at("id").as_int64();
        path_ = "/api/v1/segments/" + std::to_string(segment_id_);
    }

    HttpResponse Send(const std::string& method, const std::string& path, const std::string& body,
                      const Headers& auth) {
        return HttpRequest(server_.port, method, path, body, auth);
    }
    boost::json::object Json(const HttpResponse& r, int status) { return ExpectJson(r, status); }
    RunResult Cli(std::vector<std::string> args) {
        for (const char* global : {"--data", data_.c_str(), "--merchant", kMerchant}) args.emplace_back(global);
        return RunYutang(args, {}, out_.path());
    }

    // Every row of a workbook's first sheet, read by the importer's XLSX reader.
    static std::vector<std::vector<std::string>> SheetRows(const std::string& path) {
        std::vector<std::vector<std::string>> rows;
        auto reader = imports::internal::OpenRecords(path);
        EXPECT_TRUE(reader.ok()) << reader.status().ToString();
        if (!reader.ok()) return rows;
        imports::internal::CsvRecord record;
        while (true) {
            auto next = (*reader)->Next(record);
            EXPECT_TRUE(next.ok()) << next.status().ToString();
            if (!next.ok() || !*next) break;
            rows.push_back(record.fields);
        }
        return rows;
    }
    static void WriteFile(const std::string& path, const std::string& bytes) {
        std::ofstream(path, std::ios::binary) << bytes;
    }
    static std::string FileText(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // The members as the members API lists them (ascending id): id → "kind:hint; …".
    std::vector<std::pair<std::string, std::string>> Members() {
        const auto page = Json(Send("GET", path_ + "/members", "", owner_), 200);
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& item : page.at("items").as_array()) {
            std::string identities;
            for (const auto& identity : item.at("identities").as_array()) {
                if (!identities.empty()) identities += "; ";
                identities +=
                    std::string(identity.at("kind").as_string()) + ":" + std::string(identity.at("hint").as_string());
            }
            out.emplace_back(std::to_string(item.at("customer_id").as_int64()), identities);
        }
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) { return std::stoll(a.first) < std::stoll(b.first); });
        return out;
    }

    // The data.exported entries of the audit log, newest first.
    boost::json::array Exports() {
        return Json(Send("GET", "/api/v1/audit-log?action=data.exported", "", owner_), 200).at("items").as_array();
    }

    TempDir out_, dir_;
    std::string data_ = dir_.path() + "/data";
    RunningServer server_;
    Headers owner_;
    int64_t segment_id_ = 0;
    std::string path_;
};

TEST_F(SegmentExportTest, TheApiExportsAWorkbookWithTheCsvsRows) {
    const auto members = Members();
    ASSERT_EQ(members.size(), 2u);
    for (const auto& [id, identities] : members) {
        EXPECT_NE(identities.find("phone:1"), std::string::npos) << identities;
        EXPECT_NE(identities.find('*'), std::string::npos) << "masked: " << identities;
    }

    const auto xlsx = Send("GET", path_ + "/export?format=xlsx", "", owner_);
    ASSERT_EQ(xlsx.status, 200) << xlsx.body;
    EXPECT_EQ(xlsx.Header("Content-Type").value_or(""),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    EXPECT_EQ(xlsx.Header("Content-Disposition").value_or(""),
              "attachment; filename=\"segment-" + std::to_string(segment_id_) + ".xlsx\"");
    EXPECT_EQ(xlsx.Header("Cache-Control").value_or(""), "no-store");
    ASSERT_GE(xlsx.body.size(), 4u);
    EXPECT_EQ(xlsx.body.substr(0, 4), std::string("PK\x03\x04", 4)) << "a zip archive";
    WriteFile(dir_.File("api.xlsx"), xlsx.body);
    const auto rows = SheetRows(dir_.File("api.xlsx"));
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"客户ID customer_id", "进入时间 entered_at", "身份 identities"}));
    for (size_t i = 0; i < members.size(); ++i) {
        ASSERT_EQ(rows[i + 1].size(), 3u);
        EXPECT_EQ(rows[i + 1][0], members[i].first);
        EXPECT_TRUE(rows[i + 1][1].ends_with("Z")) << rows[i + 1][1];
        EXPECT_EQ(rows[i + 1][2], members[i].second);
    }

    // The CSV stays the default, with the same rows.
    const auto csv = Send("GET", path_ + "/export", "", owner_);
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(csv.Header("Content-Type").value_or(""), "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body, Send("GET", path_ + "/export?format=csv", "", owner_).body);
    std::string expected =
        "\xEF\xBB\xBF"
        "客户ID customer_id,进入时间 entered_at,身份 identities\r\n";
    for (size_t i = 1; i < rows.size(); ++i) expected += rows[i][0] + "," + rows[i][1] + ",\"" + rows[i][2] + "\"\r\n";
    EXPECT_EQ(csv.body, expected);

    const auto bad = Send("GET", path_ + "/export?format=pdf", "", owner_);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(ErrorCodeOf(bad.body), "invalid_argument");
    EXPECT_EQ(ParseObject(bad.body).at("error").at("field").as_string(), "format");
    EXPECT_EQ(Send("GET", "/api/v1/segments/999/export?format=xlsx", "", owner_).status, 404);

    // Each export is audited with its format; the refused one is not.
    const auto exports = Exports();
    ASSERT_EQ(exports.size(), 3u);
    EXPECT_EQ(exports[2].at("detail").at("format").as_string(), "xlsx");
    EXPECT_EQ(exports[2].at("target_type").as_string(), "segment");
    EXPECT_EQ(exports[2].at("target_id").as_string(), std::to_string(segment_id_));
    EXPECT_EQ(exports[2].at("actor_type").as_string(), "staff");
    EXPECT_EQ(exports[0].at("detail").at("format").as_string(), "csv");
}

TEST_F(SegmentExportTest, TheCommandLineWritesTheSameFilesAndIsAudited) {
    // CSV on standard output, by name: the API's file byte for byte.
    const auto csv = Cli({"segment", "export", kSegmentName});
    ASSERT_EQ(csv.exit.code, 0) << csv.err;
    EXPECT_EQ(csv.out, Send("GET", path_ + "/export", "", owner_).body);
    EXPECT_NE(csv.err.find("已导出 Exported 2 members of 「有手机的客户」"), std::string::npos) << csv.err;

    // A workbook, by id, to a file.
    const std::string file = dir_.File("成员.xlsx");
    const auto xlsx = Cli({"segment", "export", std::to_string(segment_id_), "--format", "xlsx", "--output", file});
    ASSERT_EQ(xlsx.exit.code, 0) << xlsx.err;
    EXPECT_NE(xlsx.out.find("已导出 Exported 2 members of 「有手机的客户」 to " + file), std::string::npos) << xlsx.out;
    const auto rows = SheetRows(file);
    const auto members = Members();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"客户ID customer_id", "进入时间 entered_at", "身份 identities"}));
    EXPECT_EQ(rows[1][0], members[0].first);
    EXPECT_EQ(rows[2][2], members[1].second);

    // CSV to a file.
    const auto csv_file = Cli({"segment", "export", kSegmentName, "--output", dir_.File("m.csv")});
    ASSERT_EQ(csv_file.exit.code, 0) << csv_file.err;
    EXPECT_EQ(FileText(dir_.File("m.csv")), csv.out);

    // Audited like the API's exports, by the system from the command line.
    const auto exports = Exports();
    ASSERT_EQ(exports.size(), 4u);  // the three above and the API's comparison
    EXPECT_EQ(exports[1].at("actor_type").as_string(), "system");
    EXPECT_EQ(exports[1].at("detail").at("format").as_string(), "xlsx");
    EXPECT_EQ(exports[1].at("target_id").as_string(), std::to_string(segment_id_));

    // Mistakes: usage (2), unknown segment (3); nothing is written or audited.
    const auto no_output = Cli({"segment", "export", kSegmentName, "--format", "xlsx"});
    EXPECT_EQ(no_output.exit.code, 2);
    EXPECT_NE(no_output.err.find("--output"), std::string::npos) << no_output.err;
    EXPECT_EQ(Cli({"segment", "export", kSegmentName, "--format", "pdf"}).exit.code, 2);
    const auto unknown = Cli({"segment", "export", "没有这个分层"});
    EXPECT_EQ(unknown.exit.code, 3);
    EXPECT_NE(unknown.err.find("no saved segment has this id or name"), std::string::npos) << unknown.err;
    EXPECT_EQ(Exports().size(), 4u);

    // `segment count` takes a saved segment by name or id as well as a rule.
    for (const std::string& which : {std::string(kSegmentName), std::to_string(segment_id_)}) {
        const auto count = Cli({"segment", "count", which});
        EXPECT_EQ(count.exit.code, 0) << count.err;
        EXPECT_NE(count.out.find("分层 Segment: 「有手机的客户」"), std::string::npos) << count.out;
        EXPECT_NE(count.out.find("规则 Rule: has phone"), std::string::npos) << count.out;
        EXPECT_NE(count.out.find("人数 Count: 2 (of 3 customers"), std::string::npos) << count.out;
    }
    const auto by_rule = Cli({"segment", "count", R"(segment "有手机的客户" and has email)", "--sample", "5"});
    EXPECT_EQ(by_rule.exit.code, 0) << by_rule.err;
    EXPECT_NE(by_rule.out.find("人数 Count: 1 (of 3 customers"), std::string::npos) << by_rule.out;
    const auto neither = Cli({"segment", "count", "没有这个分层"});
    EXPECT_EQ(neither.exit.code, 2) << "neither a saved segment nor a rule";
    EXPECT_NE(neither.err.find("1:1"), std::string::npos) << neither.err;
}

}  // namespace
}  // namespace yutang::testing
