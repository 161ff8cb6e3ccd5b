// Operators and guides working on customers through the real binary's HTTP API: the list and
// its filters, attributes, owner guides, tags, notes, consent — and what a guide may not see.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include "tests/support/http_client.hpp"
#include "tests/support/json_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

constexpr const char* kOwnerPassword = "customers-owner-pass-1";

class CustomersTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto init =
            RunYutang({"init", "--data", data_, "--merchant", "客户测试店", "--owner-email", "owner@example.com"},
                      {{"YUTANG_OWNER_PASSWORD", kOwnerPassword}}, out_.path());
        ASSERT_EQ(init.exit.code, 0) << init.err;
        server_ = StartServer(data_, {}, {}, out_.path());
        ASSERT_NE(server_.port, 0);
    }

    Headers LoginAs(const std::string& email, const std::string& password) {
        return testing::LoginAs(server_.port, email, password);
    }
    HttpResponse Send(const std::string& method, const std::string& path, const std::string& body,
                      const Headers& auth) {
        return HttpRequest(server_.port, method, path, body, auth);
    }
    boost::json::object Json(const HttpResponse& r, int status) { return ExpectJson(r, status); }
    static std::string FileText(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // reason|field of each failed event, oldest first (read from the store beside the server).
    std::vector<std::string> FailedEvents() {
        std::vector<std::string> out;
        sqlite3* db = nullptr;
        if (sqlite3_open_v2((data_ + "/yutang.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_exec(
                db, "SELECT reason || '|' || field FROM failed_events ORDER BY failed_id",
                [](void* rows, int, char** values, char**) {
                    static_cast<std::vector<std::string>*>(rows)->push_back(values[0] ? values[0] : "");
                    return 0;
                },
                &out, nullptr);
        }
        sqlite3_close(db);
        return out;
    }

    TempDir out_, dir_;
    std::string data_ = dir_.path() + "/data";
    RunningServer server_;
};

TEST_F(CustomersTest, OperatorsKeepProfilesAndGuidesSeeTheirOwn) {
    const Headers owner = LoginAs("owner@example.com", kOwnerPassword);
    auto guide_created =
        Json(Send("POST", "/api/v1/staff", R"({"email":"guide@example.com","role":"guide"})", owner), 201);
    const int64_t guide_id = guide_created.at("staff").as_object().at("id").as_int64();
    const Headers guide = LoginAs("guide@example.com", std::string(guide_created.at("password").as_string()));
    const std::string key(
        Json(Send("POST", "/api/v1/api-keys", R"({"name":"SDK","kind":"write"})", owner), 201).at("token").as_string());

    // Two people arrive from the mini-program; one tells us a few things about herself.
    ASSERT_EQ(Send("POST", "/v1/batch", R"({"batch":[
        {"type":"identify","userId":"mum-1","traits":{"name":"林小雨","gender":"female","baby_birthday":"2026-03-08","vip":true}},
        {"type":"track","userId":"mum-2","event":"Product Viewed"}]})",
                   {{"Authorization", "Bearer " + key}})
                  .status,
              200);
    // A body cut short is refused with where it stops being JSON, and kept among the failed events.
    const auto cut = Send("POST", "/v1/batch", R"({"batch":[{"type":"track")", {{"Authorization", "Bearer " + key}});
    EXPECT_EQ(cut.status, 400);
    EXPECT_EQ(ErrorCodeOf(cut.body), "invalid_argument");
    const auto failed = FailedEvents();
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_TRUE(failed[0].starts_with("malformed JSON at offset 25: incomplete JSON")) << failed[0];
    EXPECT_TRUE(failed[0].ends_with("|body")) << failed[0];
    // The integration's failed events read it back: listed with reason and field, counted today,
    // and the kept body readable (audited) by the owner, never by a guide.
    auto failures = Json(Send("GET", "/api/v1/failed-events?limit=10", {}, owner), 200);
    ASSERT_EQ(failures.at("items").as_array().size(), 1u);
    const auto& refusal = failures.at("items").as_array()[0].as_object();
    EXPECT_EQ(refusal.at("field").as_string(), "body");
    EXPECT_FALSE(refusal.contains("payload"));
    EXPECT_TRUE(failures.at("next_cursor").is_null());
    const auto summary = Json(Send("GET", "/api/v1/failed-events/summary?days=3", {}, owner), 200);
    EXPECT_EQ(summary.at("total").as_int64(), 1);
    EXPECT_EQ(summary.at("days").as_array().size(), 3u);
    int64_t per_day = 0;  // today's, or yesterday's across midnight
    for (const auto& day : summary.at("days").as_array()) per_day += day.as_object().at("count").as_int64();
    EXPECT_EQ(per_day, 1);
    const std::string refusal_path = "/api/v1/failed-events/" + std::to_string(refusal.at("id").as_int64());
    const auto kept = Json(Send("GET", refusal_path, {}, owner), 200);
    EXPECT_EQ(kept.at("payload").as_string(), R"({"bytes":25})") << "a batch keeps only its size";
    EXPECT_EQ(Send("GET", refusal_path, {}, guide).status, 403);
    EXPECT_EQ(Send("GET", "/api/v1/failed-events", {}, guide).status, 403);
    EXPECT_EQ(ErrorFieldOf(Send("GET", "/api/v1/failed-events?limit=0", {}, owner).body), "limit");
    EXPECT_EQ(ErrorFieldOf(Send("GET", "/api/v1/failed-events/summary?days=40", {}, owner).body), "days");
    auto list = Json(Send("GET", "/api/v1/customers?limit=1", {}, owner), 200);
    EXPECT_EQ(list.at("total").as_int64(), 2);
    ASSERT_EQ(list.at("items").as_array().size(), 1u);
    ASSERT_FALSE(list.at("next_before").is_null()) << "a second page";
    const auto by_name = Json(Send("GET", "/api/v1/customers?q=%E6%9E%97%E5%B0%8F%E9%9B%A8", {}, owner), 200);
    ASSERT_EQ(by_name.at("items").as_array().size(), 1u) << "found by name (林小雨)";
    const auto& mum = by_name.at("items").as_array()[0].as_object();
    EXPECT_EQ(mum.at("name").as_string(), "林**");
    const std::string mum_path = "/api/v1/customers/" + std::to_string(mum.at("id").as_int64());

    // The profile shows the traits as typed attributes, personal ones masked.
    auto profile = Json(Send("GET", mum_path, {}, owner), 200);
    const auto& attributes = profile.at("attributes").as_object();
    EXPECT_EQ(attributes.at("vip").as_object().at("value").as_bool(), true);
    EXPECT_EQ(attributes.at("baby_birthday").as_object().at("type").as_string(), "date");
    EXPECT_EQ(attributes.at("name").as_object().at("value").as_string(), "林**");
    EXPECT_EQ(profile.at("source_channel").as_string(), "segment");
    EXPECT_EQ(profile.at("lifecycle_stage").as_string(), "prospect");

    // The operator hands her to the guide, sets an attribute, removes another.
    profile =
        Json(Send("PATCH", mum_path,
                  R"({"owner_staff_id":)" + std::to_string(guide_id) + R"(,"attributes":{"city":"杭州","vip":null}})",
                  owner),
             200);
    EXPECT_EQ(profile.at("owner_staff_id").as_int64(), guide_id);
    EXPECT_FALSE(profile.at("attributes").as_object().contains("vip"));
    EXPECT_EQ(ErrorCodeOf(Send("PATCH", mum_path, R"({"attributes":{"bad name":1}})", owner).body), "invalid_argument");

    // Tags: the operator keeps the catalogue; anyone who sees the customer tags her.
    const int64_t group =
        Json(Send("POST", "/api/v1/tag-groups", R"({"name":"人群"})", owner), 201).at("id").as_int64();
    const int64_t baby =
        Json(Send("POST", "/api/v1/tags", R"({"group_id":)" + std::to_string(group) + R"(,"name":"母婴"})", owner), 201)
            .at("id")
            .as_int64();
    EXPECT_EQ(Send("POST", "/api/v1/tag-groups", R"({"name":"导购的组"})", guide).status, 403);
    auto tags = Json(Send("POST", mum_path + "/tags", R"({"add":[)" + std::to_string(baby) + "]}", guide), 200);
    ASSERT_EQ(tags.at("items").as_array().size(), 1u);
    EXPECT_EQ(tags.at("items").as_array()[0].as_object().at("tagged_by").as_int64(), guide_id);
    const auto tagged = Json(Send("GET", "/api/v1/customers?tag_id=" + std::to_string(baby), {}, owner), 200);
    EXPECT_EQ(tagged.at("total").as_int64(), 1);
    const auto catalogue = Json(Send("GET", "/api/v1/tags", {}, guide), 200);
    EXPECT_EQ(catalogue.at("items").as_array()[0].as_object().at("tags").as_array()[0].as_object().at("customers"), 1);

    // The guide notes a call and records her consent to WeCom messages.
    Json(Send("POST", mum_path + "/notes", R"({"body":"电话回访：宝宝湿疹，推荐了面霜"})", guide), 201);
    const auto consent = Json(Send("POST", mum_path + "/consent",
                                   R"({"purpose":"marketing.wecom","granted":true,"notice_version":"2026-01"})", guide),
                              201);
    EXPECT_EQ(consent.at("recorded_by").as_int64(), guide_id);
    EXPECT_EQ(ErrorCodeOf(Send("POST", mum_path + "/consent", R"({"purpose":"spam","granted":true})", guide).body),
              "invalid_argument");
    profile = Json(Send("GET", mum_path, {}, guide), 200);
    EXPECT_EQ(profile.at("notes").as_array().size(), 1u);
    EXPECT_EQ(profile.at("consent").as_array()[0].as_object().at("granted").as_bool(), true);

    // The guide sees only her: the other customer does not exist for the guide.
    const auto guide_list = Json(Send("GET", "/api/v1/customers", {}, guide), 200);
    EXPECT_EQ(guide_list.at("total").as_int64(), 1);
    int64_t other_id = 0;
    const auto everyone = Json(Send("GET", "/api/v1/customers", {}, owner), 200);
    for (const auto& c : everyone.at("items").as_array()) {
        if (c.as_object().at("id") != mum.at("id")) other_id = c.as_object().at("id").as_int64();
    }
    EXPECT_EQ(Send("GET", "/api/v1/customers/" + std::to_string(other_id), {}, guide).status, 404);
    EXPECT_EQ(Send("GET", "/api/v1/customers/" + std::to_string(other_id), {}, owner).status, 200);
    EXPECT_EQ(Send("PATCH", mum_path, R"({"owner_staff_id":null})", guide).status, 403);

    // Audited: the owner change and the consent.
    const auto audit = Json(Send("GET", "/api/v1/audit-log", {}, owner), 200);
    std::set<std::string> actions;
    for (const auto& e : audit.at("items").as_array())
        actions.insert(std::string(e.as_object().at("action").as_string()));
    EXPECT_TRUE(actions.count("customer.owner_changed"));
    EXPECT_TRUE(actions.count("consent.recorded"));

    // Nothing of what was typed about her is stored in clear.
    server_.process->Signal(SIGTERM);
    ASSERT_TRUE(server_.process->Wait(std::chrono::seconds(20)));
    std::string files;
    for (const char* name : {"/yutang.db", "/yutang.db-wal"}) files += FileText(data_ + name);
    for (const char* secret : {"林小雨", "宝宝湿疹", "2026-03-08"}) {
        EXPECT_EQ(files.find(secret), std::string::npos) << secret << " in the database files";
    }
}

}  // namespace
}  // namespace yutang::testing
