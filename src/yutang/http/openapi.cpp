#include "yutang/http/openapi.hpp"

#include <map>
#include <set>
#include <string>

#include <boost/json.hpp>

namespace yutang::http {

Status CheckOpenApiCoverage(const Router& router, std::string_view document) {
    boost::system::error_code error;
    boost::json::value root = boost::json::parse(document, error);
    if (error) return InvalidArgument("OpenAPI document is not JSON: " + error.message());
    const boost::json::object* top = root.if_object();
    const boost::json::value* paths_value = top ? top->if_contains("paths") : nullptr;
    const boost::json::object* paths = paths_value ? paths_value->if_object() : nullptr;
    if (paths == nullptr) return InvalidArgument("OpenAPI document has no \"paths\" object");

    // "GET /healthz" → operationId
    std::map<std::string, std::string> documented;
    for (const auto& [path, item] : *paths) {
        const boost::json::object* operations = item.if_object();
        if (operations == nullptr) continue;
        for (const auto& [verb, operation] : *operations) {
            std::string method(verb);
            for (char& c : method) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
            if (!ParseMethod(method)) continue;  // "parameters", "summary", … are not operations
            std::string id;
            if (const auto* object = operation.if_object()) {
                if (const auto* op_id = object->if_contains("operationId"); op_id && op_id->is_string()) {
                    id = std::string(op_id->get_string());
                }
            }
            documented[method + " " + std::string(path)] = id;
        }
    }

    std::string problems;
    std::set<std::string> routed;
    for (const RouteInfo& route : router.routes()) {
        std::string key = std::string(MethodName(route.method)) + " " + route.pattern;
        routed.insert(key);
        auto it = documented.find(key);
        if (it == documented.end()) {
            problems += "undocumented route " + key + " (" + route.name + "); ";
        } else if (it->second != route.name) {
            problems += "operationId of " + key + " is \"" + it->second + "\", route name is \"" + route.name + "\"; ";
        }
    }
    for (const auto& [key, id] : documented) {
        if (!routed.contains(key)) problems += "documented but not routed: " + key + "; ";
    }
    if (!problems.empty()) return InvalidArgument("OpenAPI document and router differ: " + problems);
    return OkStatus();
}

}  // namespace yutang::http
