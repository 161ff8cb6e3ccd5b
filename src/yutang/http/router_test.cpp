#include "yutang/http/router.hpp"

#include <string>

#include <gtest/gtest.h>

namespace yutang::http {
namespace {

Handler Named(std::string name) {
    return [name](Request& request) {
        std::string body = name;
        for (const auto& [key, value] : request.path_params) body += " " + key + "=" + value;
        return Response::Text(body);
    };
}

Response Call(const Router& router, Method method, std::string path) {
    Request request;
    request.method = method;
    request.path = std::move(path);
    return router.Dispatch(request);
}

class RouterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        router_.Add({Method::kGet, "/api/v1/staff", "listStaff", "staff.read", ""}, Named("list"));
        router_.Add({Method::kPost, "/api/v1/staff", "createStaff", "staff.write", ""}, Named("create"));
        router_.Add({Method::kGet, "/api/v1/staff/{staff_id}", "getStaff", "staff.read", ""}, Named("get"));
        router_.Add({Method::kDelete, "/api/v1/staff/{staff_id}", "deleteStaff", "staff.write", ""}, Named("delete"));
        router_.Add({Method::kGet, "/api/v1/staff/me", "getMe", "public", ""}, Named("me"));
        router_.Add({Method::kGet, "/api/v1/staff/{staff_id}/roles/{role_id}", "getRole", "staff.read", ""},
                    Named("role"));
        router_.Add({Method::kGet, "/api/v1/staff/me/settings", "getMySettings", "public", ""}, Named("settings"));
        router_.Add({Method::kHead, "/probe", "headProbe", "public", ""}, Named("head-probe"));
        router_.Add({Method::kGet, "/probe", "getProbe", "public", ""}, Named("get-probe"));
    }
    Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutesByMethod) {
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff").body, "list");
    EXPECT_EQ(Call(router_, Method::kPost, "/api/v1/staff").body, "create");
}

TEST_F(RouterTest, ExtractsPercentDecodedParameters) {
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/42").body, "get staff_id=42");
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/a%20b").body, "get staff_id=a b");
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/7/roles/admin").body, "role staff_id=7 role_id=admin");
    Request request;
    request.method = Method::kDelete;
    request.path = "/api/v1/staff/9";
    EXPECT_EQ(router_.Dispatch(request).status, 200u);
    EXPECT_EQ(request.PathParam("staff_id"), "9");
    EXPECT_EQ(request.PathParam("missing"), "");
}

TEST_F(RouterTest, LiteralSegmentWinsOverParameter) {
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/me").body, "me");
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/me/settings").body, "settings");
}

TEST_F(RouterTest, BacktracksFromLiteralToParameter) {
    // "me" is a literal child, but only "{staff_id}/roles/{role_id}" has a "roles" branch.
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/me/roles/x").body, "role staff_id=me role_id=x");
}

TEST_F(RouterTest, UnknownPathIsNotFoundJson) {
    Response response = Call(router_, Method::kGet, "/api/v1/nothing");
    EXPECT_EQ(response.status, 404u);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_NE(response.body.find(R"("code":"not_found")"), std::string::npos);
}

TEST_F(RouterTest, TrailingSlashIsADifferentPath) {
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/").status, 404u);
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/me/").status, 404u);
}

TEST_F(RouterTest, EmptySegmentNeverMatchesParameter) {
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff//roles/x").status, 404u);
}

TEST_F(RouterTest, MalformedEscapeInParameterIsNotFound) {
    EXPECT_EQ(Call(router_, Method::kGet, "/api/v1/staff/%zz").status, 404u);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
    Response response = Call(router_, Method::kPut, "/api/v1/staff/42");
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.Header("allow").value_or(""), "GET, HEAD, DELETE");
    response = Call(router_, Method::kDelete, "/api/v1/staff");
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.Header("Allow").value_or(""), "GET, HEAD, POST");
}

TEST_F(RouterTest, HeadFallsBackToGetUnlessRegistered) {
    EXPECT_EQ(Call(router_, Method::kHead, "/api/v1/staff/5").body, "get staff_id=5");
    EXPECT_EQ(Call(router_, Method::kHead, "/probe").body, "head-probe");
}

TEST_F(RouterTest, MatchReportsRouteInfoAndIndex) {
    HeaderList params;
    RouteMatch match = router_.Match(Method::kGet, "/api/v1/staff/3", params);
    ASSERT_EQ(match.kind, MatchKind::kFound);
    EXPECT_EQ(match.route->name, "getStaff");
    EXPECT_EQ(&router_.routes()[match.route_index], match.route);
    EXPECT_EQ(router_.routes().size(), 9u);
}

TEST_F(RouterTest, QueryParametersAreDecoded) {
    Request request;
    request.query = "a=1&name=%E5%B0%8F+%E6%98%8E&flag&bad=%4";
    EXPECT_EQ(request.QueryParam("a").value_or("?"), "1");
    EXPECT_EQ(request.QueryParam("name").value_or("?"), "小 明");
    EXPECT_EQ(request.QueryParam("flag").value_or("?"), "");
    EXPECT_FALSE(request.QueryParam("bad").has_value());
    EXPECT_FALSE(request.QueryParam("missing").has_value());
}

TEST(RouterDeathTest, RejectsDuplicatesAndMalformedPatterns) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto add = [](RouteInfo second) {
        Router router;
        router.Add({Method::kGet, "/a/{id}", "getA", "public", ""}, Named("a"));
        router.Add(std::move(second), Named("b"));
    };
    EXPECT_DEATH(add({Method::kGet, "/a/{other}", "getB", "public", ""}), "already registered");
    EXPECT_DEATH(add({Method::kGet, "/b", "getA", "public", ""}), "name already used");
    EXPECT_DEATH(add({Method::kGet, "b", "getB", "public", ""}), "start with");
    EXPECT_DEATH(add({Method::kGet, "/b/{x", "getB", "public", ""}), "malformed");
    EXPECT_DEATH(add({Method::kGet, "/b/{}", "getB", "public", ""}), "parameter name");
    EXPECT_DEATH(add({Method::kGet, "/b/{x}/{x}", "getB", "public", ""}), "twice");
}

TEST(ResultHandlerTest, ErrorsBecomeErrorResponses) {
    Router router;
    router.Add({Method::kPost, "/x", "postX", "public", ""}, ResultHandler([](Request&) -> Result<Response> {
                   YT_TRY(InvalidArgument("name is required", "name"));
                   return Response::Json("{}");
               }));
    Response response = Call(router, Method::kPost, "/x");
    EXPECT_EQ(response.status, 400u);
    EXPECT_EQ(response.body, R"({"error":{"code":"invalid_argument","message":"name is required","field":"name"}})");
}

}  // namespace
}  // namespace yutang::http
