#include "yutang/http/openapi.hpp"

#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "yutang/http/routes.hpp"

namespace yutang::http {
namespace {

// Every registration function the server uses. Keep in sync with Server::Create and the app:
// a route registered there and not here escapes this test.
void RegisterEverything(Router& router) {
    AddSystemRoutes(router, {});
    AddApiRoutes(router, ApiServices{});
}

TEST(OpenApiTest, DocumentIsOpenApi3) {
    boost::json::value document = boost::json::parse(OpenApiDocument());
    EXPECT_EQ(document.at("openapi").as_string(), "3.0.3");
    EXPECT_EQ(document.at("info").at("title").as_string(), "Yutang API");
    const auto& error = document.at("components").at("schemas").at("Error");
    EXPECT_EQ(error.at("properties").at("error").at("required").as_array().size(), 2u);
}

TEST(OpenApiTest, DocumentAndRouterAgree) {
    Router router;
    RegisterEverything(router);
    ASSERT_FALSE(router.routes().empty());
    Status status = CheckOpenApiCoverage(router, OpenApiDocument());
    EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(OpenApiTest, EveryOperationIdIsUnique) {
    boost::json::value document = boost::json::parse(OpenApiDocument());
    std::set<std::string> ids;
    for (const auto& [path, item] : document.at("paths").as_object()) {
        for (const auto& [method, operation] : item.as_object()) {
            std::string id(operation.at("operationId").as_string());
            EXPECT_TRUE(ids.insert(id).second) << "duplicate operationId " << id;
        }
    }
}

TEST(OpenApiTest, CheckCatchesUndocumentedAndUnroutedOperations) {
    Router router;
    RegisterEverything(router);
    router.Add({Method::kPost, "/api/v1/things/{thing_id}", "createThing", "public", ""},
               [](Request&) { return Response::Json("{}"); });
    Status status = CheckOpenApiCoverage(router, OpenApiDocument());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(status.message().find("undocumented route POST /api/v1/things/{thing_id} (createThing)"),
              std::string::npos)
        << status.message();

    Router empty;
    status = CheckOpenApiCoverage(empty, OpenApiDocument());
    EXPECT_NE(status.message().find("documented but not routed: GET /healthz"), std::string::npos) << status.message();

    Router renamed;
    renamed.Add({Method::kGet, "/healthz", "health", "public", ""}, [](Request&) { return Response::Json("{}"); });
    status = CheckOpenApiCoverage(renamed, R"({"paths":{"/healthz":{"get":{"operationId":"getHealth"}}}})");
    EXPECT_NE(status.message().find("operationId"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace yutang::http
