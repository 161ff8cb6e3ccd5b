// Audiences through the real binary: a few people arrive over the tracking API and are tagged and
// assigned over the admin API, then rules are counted with POST /api/v1/audience/preview (text and
// JSON forms, located errors in both languages, a guide's own customers) and with
// `yutang segment count`.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/http_client.hpp"
#include "tests/support/json_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

constexpr const char* kOwnerPassword = "audience-owner-pass-1";

class AudienceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto init =
            RunYutang({"init", "--data", data_, "--merchant", "圈人测试店", "--owner-email", "owner@example.com"},
                      {{"YUTANG_OWNER_PASSWORD", kOwnerPassword}}, out_.path());
        ASSERT_EQ(init.exit.code, 0) << init.err;
        // Every count below must see the writes before it because the index catches up with the
        // store's change log, not because it is rebuilt (the default age is a day).
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
    // The preview of a body; its count (and the first member in `first`).
    int64_t Count(const std::string& body, const Headers& auth, int64_t* first = nullptr) {
        const auto preview = Json(Send("POST", "/api/v1/audience/preview", body, auth), 200);
        if (!preview.contains("count")) return -1;
        const auto& sample = preview.at("sample").as_array();
        EXPECT_EQ(static_cast<int64_t>(sample.size()), std::min<int64_t>(preview.at("count").as_int64(), 20));
        const auto& members = preview.at("sample_members").as_array();
        EXPECT_EQ(members.size(), sample.size());
        for (size_t i = 0; i < std::min(members.size(), sample.size()); ++i) {
            EXPECT_EQ(members[i].at("customer_id").as_int64(), sample[i].as_int64());
        }
        if (first != nullptr) *first = sample.empty() ? 0 : sample[0].as_int64();
        return preview.at("count").as_int64();
    }
    static std::string Text(const std::string& rule) {
        boost::json::object body{{"text", rule}};
        return boost::json::serialize(body);
    }

    TempDir out_, dir_;
    std::string data_ = dir_.path() + "/data";
    RunningServer server_;
};

TEST_F(AudienceTest, PreviewCountsWhatTheDataSays) {
    const Headers owner = LoginAs("owner@example.com", kOwnerPassword);
    const std::string key(
        Json(Send("POST", "/api/v1/api-keys", R"({"name":"SDK","kind":"write"})", owner), 201).at("token").as_string());
    const std::string phone = std::string("138") + "0013" + "8000";
    // Three people: two mothers (one with a phone, two milk-powder orders), a father who browsed.
    ASSERT_EQ(Send("POST", "/v1/batch",
                   R"({"batch":[
        {"type":"identify","userId":"mum-1","traits":{"phone":")" +
                       phone + R"(","gender":"female","baby_birthday":"2025-06-01"}},
        {"type":"identify","userId":"mum-2","traits":{"gender":"female"}},
        {"type":"identify","userId":"dad-3","traits":{"gender":"male"}},
        {"type":"track","userId":"mum-1","event":"Order Completed","properties":{"order_id":"A1","total":300,"category":"奶粉"}},
        {"type":"track","userId":"mum-1","event":"Order Completed","properties":{"order_id":"A2","total":260,"category":"奶粉"}},
        {"type":"track","userId":"mum-2","event":"Order Completed","properties":{"order_id":"B1","total":99.5,"category":"纸尿裤"}},
        {"type":"track","userId":"dad-3","event":"Product Viewed","properties":{"category":"玩具"}}]})",
                   {{"Authorization", "Bearer " + key}})
                  .status,
              200);

    int64_t mum1 = 0, dad = 0;
    EXPECT_EQ(Count(Text("everyone"), owner), 3);
    EXPECT_EQ(Count(Text("has phone"), owner, &mum1), 1);
    EXPECT_EQ(Count(Text(R"(attr.gender = "male")"), owner, &dad), 1);
    ASSERT_NE(mum1, 0);
    int64_t mum2 = 0;
    for (int64_t id = 1; id <= 3; ++id) {
        if (id != mum1 && id != dad) mum2 = id;
    }

    // Tags and a guide, through the admin API.
    const int64_t group =
        Json(Send("POST", "/api/v1/tag-groups", R"({"name":"人群"})", owner), 201).at("id").as_int64();
    const int64_t baby =
        Json(Send("POST", "/api/v1/tags", R"({"group_id":)" + std::to_string(group) + R"(,"name":"母婴"})", owner), 201)
            .at("id")
            .as_int64();
    for (int64_t id : {mum1, mum2}) {
        Json(Send("POST", "/api/v1/customers/" + std::to_string(id) + "/tags",
                  R"({"add":[)" + std::to_string(baby) + "]}", owner),
             200);
    }
    auto guide_created =
        Json(Send("POST", "/api/v1/staff", R"({"email":"guide@example.com","role":"guide"})", owner), 201);
    const int64_t guide_id = guide_created.at("staff").as_object().at("id").as_int64();
    const Headers guide = LoginAs("guide@example.com", std::string(guide_created.at("password").as_string()));
    Json(Send("PATCH", "/api/v1/customers/" + std::to_string(mum2),
              R"({"owner_staff_id":)" + std::to_string(guide_id) + "}", owner),
         200);

    // The issue's first example, short of WeCom and consent: bought at least twice in 90 days,
    // over ¥500 in total, tagged 母婴.
    int64_t first = 0;
    const auto preview =
        Json(Send("POST", "/api/v1/audience/preview",
                  Text(R"(order_count >= 2 within 90d and total_spend > 500 and tag = "母婴")"), owner),
             200);
    EXPECT_EQ(preview.at("count").as_int64(), 1);
    EXPECT_EQ(preview.at("sample").as_array()[0].as_int64(), mum1);
    // The sample shows who it is, masked.
    const auto& identities = preview.at("sample_members").as_array()[0].at("identities").as_array();
    ASSERT_FALSE(identities.empty());
    for (const auto& identity : identities) {
        if (identity.at("kind").as_string() == "phone") {
            EXPECT_NE(identity.at("hint").as_string().find('*'), std::string::npos) << "phones are masked";
        }
    }
    EXPECT_EQ(preview.at("text").as_string(), R"(order_count >= 2 within 90d and total_spend > 500 and tag = "母婴")");
    EXPECT_EQ(preview.at("rule").as_object().at("all").as_array().size(), 3u);
    EXPECT_GE(preview.at("took_ms").as_double(), 0.0);
    EXPECT_GT(preview.at("as_of").as_int64(), 0);

    // The JSON form, with an event property filter.
    EXPECT_EQ(Count(R"({"rule":{"all":[{"tag":"母婴","op":"has"},
                     {"event":"Order Completed","where":{"property":"category","op":"=","value":"奶粉"}}]}})",
                    owner, &first),
              1);
    EXPECT_EQ(first, mum1);
    EXPECT_EQ(Count(Text(R"(tag = "母婴" and not event "Order Completed" where category = "奶粉")"), owner, &first), 1);
    EXPECT_EQ(first, mum2);
    EXPECT_EQ(Count(Text("total_spend < 100 and order_count = 1"), owner, &first), 1);
    EXPECT_EQ(first, mum2);
    EXPECT_EQ(Count(Text("order_count = 0"), owner, &first), 1);
    EXPECT_EQ(first, dad);
    EXPECT_EQ(Count(Text("months_since attr.baby_birthday >= 1"), owner, &first), 1);
    EXPECT_EQ(Count(Text(R"(event "Product Viewed" within 2d)"), owner, &first), 1);
    EXPECT_EQ(first, dad);

    // A guide counts only her own customers.
    EXPECT_EQ(Count(Text(R"(tag = "母婴")"), owner), 2);
    EXPECT_EQ(Count(Text(R"(tag = "母婴")"), guide, &first), 1);
    EXPECT_EQ(first, mum2);
    EXPECT_EQ(Count(Text("owner = none"), owner), 2);

    // Counts follow changes (this server rebuilds its index for every count).
    Json(Send("POST", "/api/v1/customers/" + std::to_string(dad) + "/tags", R"({"add":[)" + std::to_string(baby) + "]}",
              owner),
         200);
    EXPECT_EQ(Count(Text(R"(tag = "人群/母婴")"), owner), 3);

    // Rules that do not parse: where, and why in English and Chinese.
    auto error = Json(Send("POST", "/api/v1/audience/preview", Text("order_count >= "), owner), 400);
    auto e = error.at("error").as_object();
    EXPECT_EQ(e.at("code").as_string(), "invalid_argument");
    EXPECT_EQ(e.at("field").as_string(), "text");
    EXPECT_EQ(e.at("line").as_int64(), 1);
    EXPECT_EQ(e.at("column").as_int64(), 16);
    EXPECT_EQ(e.at("offset").as_int64(), 15);
    EXPECT_EQ(e.at("message").as_string(), "1:16: expected a whole number ≥ 0 after '>=', found the end of the rule");
    EXPECT_EQ(e.at("message_zh").as_string(), "1:16: '>=' 后面应为不小于 0 的整数，实际为 规则结尾");
    error = Json(
        Send("POST", "/api/v1/audience/preview", R"({"rule":{"trait":"order_count","op":">","value":1.5}})", owner),
        400);
    e = error.at("error").as_object();
    EXPECT_EQ(e.at("field").as_string(), "rule");
    EXPECT_EQ(e.at("pointer").as_string(), "/value");
    EXPECT_EQ(e.at("message_zh").as_string(), "/value: 此处应为整数");
    EXPECT_FALSE(e.contains("line"));
    error = Json(Send("POST", "/api/v1/audience/preview", R"({"rule":[1]})", owner), 400);
    EXPECT_EQ(error.at("error").as_object().at("pointer").as_string(), "/") << "the whole rule";
    EXPECT_EQ(
        ErrorCodeOf(
            Send("POST", "/api/v1/audience/preview", R"({"rule":{"has":"phone"},"text":"everyone"})", owner).body),
        "invalid_argument");
    EXPECT_EQ(ErrorCodeOf(Send("POST", "/api/v1/audience/preview", "{}", owner).body), "invalid_argument");
    EXPECT_EQ(Send("POST", "/api/v1/audience/preview", Text(R"(segment "复购客户")"), owner).status, 400)
        << "no saved segments yet";

    // Saved segments: created (and evaluated at once), then previews may name them; members with
    // masked identities, history and a CSV export; a guide sees only her own members.
    boost::json::object create{{"name", "母婴客户"}, {"text", R"(tag = "人群/母婴")"}};
    const auto segment = Json(Send("POST", "/api/v1/segments", boost::json::serialize(create), owner), 201);
    ASSERT_TRUE(segment.contains("id"));
    const std::string path = "/api/v1/segments/" + std::to_string(segment.at("id").as_int64());
    EXPECT_EQ(segment.at("size").as_int64(), 3);
    EXPECT_EQ(segment.at("text").as_string(), R"(tag = "人群/母婴")");
    EXPECT_EQ(Count(Text(R"(segment "母婴客户" and has phone)"), owner), 1);
    EXPECT_EQ(Send("POST", "/api/v1/segments", boost::json::serialize(create), owner).status, 409);
    EXPECT_EQ(Send("POST", "/api/v1/segments", R"({"name":"导购分层","text":"everyone"})", guide).status, 403);
    const auto members = Json(Send("GET", path + "/members?limit=2", "", owner), 200);
    ASSERT_EQ(members.at("items").as_array().size(), 2u);
    EXPECT_FALSE(members.at("next_before").is_null());
    const auto guide_members = Json(Send("GET", path + "/members", "", guide), 200);
    ASSERT_EQ(guide_members.at("items").as_array().size(), 1u);
    EXPECT_EQ(guide_members.at("items").as_array()[0].as_object().at("customer_id").as_int64(), mum2);
    EXPECT_TRUE(Json(Send("GET", path, "", guide), 200).at("size").is_null());
    const auto history = Json(Send("GET", path + "/history", "", owner), 200);
    EXPECT_EQ(history.at("changes").as_array().size(), 3u);
    ASSERT_EQ(history.at("sizes").as_array().size(), 1u);
    EXPECT_EQ(history.at("sizes").as_array()[0].as_object().at("size").as_int64(), 3);
    const auto csv = Send("GET", path + "/export", "", owner);
    EXPECT_EQ(csv.status, 200);
    EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF"
                             "客户ID customer_id,进入时间 entered_at,身份 identities\r\n",
                             0),
              0u)
        << csv.body;
    EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 4);
    EXPECT_EQ(Send("GET", path + "/export", "", guide).status, 403);
    EXPECT_EQ(Send("DELETE", path, "", owner).status, 204);
    EXPECT_EQ(Send("GET", path, "", owner).status, 404);
    EXPECT_EQ(Send("POST", "/api/v1/audience/preview", Text("everyone"), {}).status, 401);

    // The same counts from the command line (SQLite lets it read while the server runs).
    const auto cli =
        RunYutang({"segment", "count", R"(tag = "母婴" and has phone)", "--data", data_, "--merchant", "圈人测试店"},
                  {}, out_.path());
    EXPECT_EQ(cli.exit.code, 0) << cli.err;
    EXPECT_NE(cli.out.find("人数 Count: 1 (of 3 customers"), std::string::npos) << cli.out;
    EXPECT_NE(cli.out.find("样本 Sample: " + std::to_string(mum1)), std::string::npos) << cli.out;
    const auto bad = RunYutang({"segment", "count", "tag = 母婴", "--data", data_, "--merchant", "1"}, {}, out_.path());
    EXPECT_EQ(bad.exit.code, 2);
    EXPECT_NE(bad.err.find("1:7: expected a tag name in quotes"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("标签名需加引号"), std::string::npos) << bad.err;
}

// Another process writes beside the server (`yutang demo` on the same SQLite store):
// the next count sees it without a rebuild. A restarted server loads the index it saved at
// shutdown instead of building it, and still counts what was written while it was down.
TEST_F(AudienceTest, CountsSeeOtherProcessesWritesAndARestartLoadsTheSavedIndex) {
    const Headers owner = LoginAs("owner@example.com", kOwnerPassword);
    const auto everyone = [&](const Headers& auth) {
        return Json(Send("POST", "/api/v1/audience/preview", Text("everyone"), auth), 200);
    };
    const auto first = everyone(owner);
    EXPECT_EQ(first.at("count").as_int64(), 0);
    const int64_t built = first.at("index_built_at").as_int64();
    EXPECT_GE(first.at("as_of").as_int64(), built);

    // `yutang demo` adds people (another process on the same store); `yutang segment count`
    // counts them from the store on its own, as the expected figure.
    const auto demo_then_count = [&](const std::string& customers, const std::string& seed) {
        const auto demo =
            RunYutang({"demo", "--customers", customers, "--seed", seed, "--data", data_, "--merchant", "圈人测试店"},
                      {}, out_.path(), std::chrono::seconds(120));
        EXPECT_EQ(demo.exit.code, 0) << demo.err;
        const auto cli = RunYutang({"segment", "count", "everyone", "--data", data_, "--merchant", "圈人测试店"}, {},
                                   out_.path(), std::chrono::seconds(120));
        EXPECT_EQ(cli.exit.code, 0) << cli.err;
        return cli.out;
    };
    const std::string cli = demo_then_count("40", "1");
    const auto after_demo = everyone(owner);
    const int64_t customers = after_demo.at("count").as_int64();
    EXPECT_GT(customers, 0);
    EXPECT_NE(cli.find("人数 Count: " + std::to_string(customers) + " "), std::string::npos) << cli;
    EXPECT_EQ(after_demo.at("index_built_at").as_int64(), built) << "caught up, not rebuilt";
    EXPECT_GT(after_demo.at("as_of").as_int64(), first.at("as_of").as_int64()) << "current as of the catch-up";

    // A graceful stop saves the index.
    server_.process->Signal(SIGTERM);
    const auto stopped = server_.process->Wait(std::chrono::seconds(60));
    ASSERT_TRUE(stopped.has_value());
    EXPECT_EQ(stopped->code, 0);
    EXPECT_TRUE(std::filesystem::exists(data_ + "/audience/audience-1.snapshot"));

    // Written while no server runs: the restarted one catches up from where the file left off.
    const std::string recount = demo_then_count("30", "2");

    server_ = StartServer(data_, {}, {}, out_.path());
    ASSERT_NE(server_.port, 0);
    const Headers again_owner = LoginAs("owner@example.com", kOwnerPassword);
    const auto restarted = everyone(again_owner);
    const int64_t now_customers = restarted.at("count").as_int64();
    EXPECT_GT(now_customers, customers);
    EXPECT_NE(recount.find("人数 Count: " + std::to_string(now_customers) + " "), std::string::npos) << recount;
    EXPECT_EQ(restarted.at("index_built_at").as_int64(), built) << "loaded from the file, not built";
}

}  // namespace
}  // namespace yutang::testing
