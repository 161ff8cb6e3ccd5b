#include "yutang/http/json_body.hpp"

#include <string>

#include <gtest/gtest.h>

namespace yutang::http {
namespace {

struct MalformedCase {
    std::string body;
    size_t offset;
};

class MalformedJsonTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedJsonTest, ReportsByteOffset) {
    const MalformedCase& c = GetParam();
    for (bool through_body : {false, true}) {
        Status status;
        if (through_body) {
            JsonBody json;
            status = json.Parse(c.body);
        } else {
            status = CheckJson(c.body);
        }
        EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << c.body;
        EXPECT_EQ(status.field(), "body");
        std::string prefix = "malformed JSON at offset " + std::to_string(c.offset) + ": ";
        EXPECT_EQ(status.message().substr(0, prefix.size()), prefix) << c.body << " → " << status.message();
        EXPECT_GT(status.message().size(), prefix.size()) << "the reason is missing";
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedJsonTest,
                         ::testing::Values(MalformedCase{R"({"a":})", 5},         // value expected
                                           MalformedCase{R"({"a":1,})", 7},       // trailing comma
                                           MalformedCase{R"({"a" 1})", 5},        // missing colon
                                           MalformedCase{R"({"a":1} x)", 8},      // trailing content
                                           MalformedCase{R"({"a":[1,2)", 9},      // truncated
                                           MalformedCase{"", 0},                  // empty body
                                           MalformedCase{R"({'a':1})", 1},        // single quotes
                                           MalformedCase{"{\"a\":\"\x01\"}", 6},  // control character
                                           MalformedCase{"{\"a\":\"\xff\"}", 6},  // invalid UTF-8
                                           MalformedCase{R"({"a":01})", 6}));     // leading zero

TEST(CheckJsonTest, AcceptsValidDocuments) {
    for (const char* body : {R"({})", R"([1, 2.5, "x", true, null, {"a": [ ]}])", R"("text")", "42", " {\"a\" : 1 } ",
                             R"({"emoji":"\ud83d\ude00","cn":"小明"})"}) {
        EXPECT_TRUE(CheckJson(body).ok()) << body << ": " << CheckJson(body).ToString();
    }
}

TEST(CheckJsonTest, RejectsDeepNesting) {
    std::string deep(1000, '[');
    deep += std::string(1000, ']');
    Status status = CheckJson(deep);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.field(), "body");
}

TEST(JsonBodyTest, RequiresTopLevelObject) {
    for (const char* body : {"[1]", "\"x\"", "3", "null"}) {
        JsonBody json;
        Status status = json.Parse(body);
        EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << body;
        EXPECT_EQ(status.message(), "request body must be a JSON object");
        EXPECT_EQ(status.field(), "body");
    }
}

TEST(JsonBodyTest, ReadsTypedFieldsInAnyOrder) {
    JsonBody json;
    ASSERT_TRUE(json.Parse(R"({"email":"a@example.com","age":30,"vip":true,"score":4.5,"note":null,
                               "address":{"city":"杭州","zip":"310000"}})")
                    .ok());
    JsonObject& root = json.root();
    EXPECT_EQ(root.GetBool("vip").value(), true);
    EXPECT_EQ(root.GetString("email").value(), "a@example.com");
    EXPECT_EQ(root.GetInt("age").value(), 30);
    EXPECT_DOUBLE_EQ(root.GetDouble("score").value(), 4.5);
    EXPECT_FALSE(root.GetOptionalString("note").value().has_value());
    EXPECT_FALSE(root.GetOptionalInt("missing").value().has_value());
    Result<JsonObject> address = root.GetObject("address");
    ASSERT_TRUE(address.ok());
    EXPECT_EQ(address->GetString("city").value(), "杭州");
    Result<int64_t> zip = address->GetInt("zip");
    EXPECT_EQ(zip.status().field(), "address.zip");
    EXPECT_EQ(zip.status().message(), "address.zip must be an integer");
}

TEST(JsonBodyTest, ErrorsNameTheField) {
    JsonBody json;
    ASSERT_TRUE(json.Parse(R"({"name":5,"age":"x","count":1.5,"big":99999999999999999999,"flag":1,"obj":[]})").ok());
    JsonObject& root = json.root();
    struct Expectation {
        Status status;
        std::string field;
        std::string message;
    };
    const Expectation kCases[] = {
        {root.GetString("email").status(), "email", "email is required"},
        {root.GetString("name").status(), "name", "name must be a string"},
        {root.GetInt("age").status(), "age", "age must be an integer"},
        {root.GetInt("count").status(), "count", "count must be an integer"},
        {root.GetOptionalBool("flag").status(), "flag", "flag must be true or false"},
        {root.GetInt("big").status(), "big", "big is out of range"},
        {root.GetObject("obj").status(), "obj", "obj must be an object"},
    };
    for (const Expectation& e : kCases) {
        EXPECT_EQ(e.status.code(), ErrorCode::kInvalidArgument) << e.field;
        EXPECT_EQ(e.status.field(), e.field);
        EXPECT_EQ(e.status.message(), e.message);
    }
}

TEST(JsonBodyTest, NullCountsAsMissingForRequiredFields) {
    JsonBody json;
    ASSERT_TRUE(json.Parse(R"({"email":null})").ok());
    Result<std::string> email = json.root().GetString("email");
    EXPECT_EQ(email.status().message(), "email is required");
    EXPECT_EQ(email.status().field(), "email");
}

TEST(JsonBodyTest, ReusesParsersAndAllowsNesting) {
    for (int i = 0; i < 3; ++i) {
        JsonBody outer;
        ASSERT_TRUE(outer.Parse(R"({"a":"1"})").ok());
        JsonBody inner;
        ASSERT_TRUE(inner.Parse(R"({"a":"2","padding":")" + std::string(5000, 'x') + R"("})").ok());
        EXPECT_EQ(inner.root().GetString("a").value(), "2");
        EXPECT_EQ(outer.root().GetString("a").value(), "1");
    }
}

}  // namespace
}  // namespace yutang::http
