// Routes requests to handlers by method and path pattern.
//
// Patterns are literal segments and `{name}` parameters: "/api/v1/staff/{staff_id}". Matching is
// segment by segment; a literal segment wins over a parameter at the same position (so
// "/staff/me" beats "/staff/{staff_id}"); a trailing slash is significant ("/staff/" does not
// match "/staff"). HEAD uses the GET handler when no HEAD route exists (RFC 9110 §9.3.2).
//
//   Router router;
//   router.Add({Method::kGet, "/api/v1/staff/{staff_id}", "getStaff", "staff.read", "Get a staff member"},
//              [&](Request& request) { return GetStaff(request.PathParam("staff_id")); });
//   Response response = router.Dispatch(request);  // 404/405 JSON errors when nothing matches
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/status.hpp"
#include "yutang/http/message.hpp"

namespace yutang::http {

using Handler = std::function<Response(Request&)>;

// A handler written with Status/Result (so YT_TRY works) adapted to a Handler: an error becomes
// ErrorResponse(error, request.request_id).
Handler ResultHandler(std::function<Result<Response>(Request&)> handler);

struct RouteInfo {
    Method method = Method::kGet;
    std::string pattern;     // "/api/v1/staff/{staff_id}"
    std::string name;        // stable id: metrics label and OpenAPI operationId ("getStaff")
    std::string permission;  // "public" for unauthenticated routes
    std::string summary;     // one line, for docs
    // The largest request body the route takes; 0 = the server's ServerSettings::max_body_bytes.
    // Larger bodies get 413, decided from Content-Length before the body is read.
    size_t max_body_bytes = 0;
    // Stream the body to a file in ServerSettings::spool_dir instead of memory: the handler finds
    // it in Request::body_file (for uploads too large to hold in memory).
    bool spool_body = false;
};

// Decides from the request line and headers alone, before the body is read, whether the request
// may go on: nullopt lets it; a response is sent at once instead (and the connection closed),
// so that nobody uploads 200 MiB only to be told to sign in. Routes with large bodies use it.
using Admission = std::function<std::optional<Response>(const Request&)>;

enum class MatchKind { kFound, kNotFound, kMethodNotAllowed };

struct RouteMatch {
    MatchKind kind = MatchKind::kNotFound;
    // kFound: the route and its handler (owned by the router) and its index in routes().
    const RouteInfo* route = nullptr;
    const Handler* handler = nullptr;
    const Admission* admission = nullptr;  // null when the route has none
    size_t route_index = 0;
    // kMethodNotAllowed: the Allow header value, e.g. "GET, HEAD, POST" (RFC 9110 §15.5.6: the
    // origin server "MUST generate an Allow header field in a 405 response").
    std::string allow;
};

class Router {
  public:
    Router();
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // Registers a route. Aborts the process (a programming error, caught by any test that
    // builds the router) when the pattern is malformed (not starting with '/', empty or
    // unterminated `{}`, a parameter name that is not [A-Za-z0-9_]+, the same parameter twice),
    // when the method+pattern is already registered (patterns equal up to parameter names
    // count as the same), or when the name is empty or used by another route.
    // Not thread-safe: register everything before serving. `admission` (optional) is called by
    // the server before the body is read; Dispatch does not call it.
    void Add(RouteInfo info, Handler handler, Admission admission = nullptr);

    // Finds the route for `method` and `path` (the request path without query, still
    // percent-encoded). On kFound, `path_params` receives the parameters, percent-decoded;
    // a parameter with a malformed escape makes the path not match. Thread-safe (const).
    RouteMatch Match(Method method, std::string_view path, HeaderList& path_params) const;

    // Match + call: the handler's response, or a 404 not_found / 405 (with Allow) JSON error.
    // Fills request.path_params. Exceptions from the handler propagate.
    Response Dispatch(Request& request) const;

    // All routes in registration order (index = RouteMatch::route_index).
    const std::vector<RouteInfo>& routes() const { return routes_; }

  private:
    struct Node;
    struct RouteParams {
        std::vector<std::pair<size_t, std::string>> positions;  // segment index → parameter name
    };
    std::unique_ptr<Node> root_;
    std::vector<RouteParams> params_;
    std::vector<RouteInfo> routes_;
    std::vector<Handler> handlers_;
    std::vector<Admission> admissions_;
};

}  // namespace yutang::http
