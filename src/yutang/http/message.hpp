// HTTP messages as plain std types: the Request a handler receives and the Response it returns.
//
// Handlers never see Boost.Beast; the server converts between the wire and these structs.
//
//   Response GetStaff(Request& request) {
//       std::string_view id = request.PathParam("staff_id");
//       std::optional<std::string> expand = request.QueryParam("expand");
//       return Response::Json(R"({"id":")" + std::string(id) + R"("})");
//   }
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yutang::http {

// The methods Yutang routes. Anything else is answered 405/501 by the server before routing.
enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions };
inline constexpr int kMethodCount = 7;

// "GET", "HEAD", … (upper case, as on the wire).
std::string_view MethodName(Method method);
// The inverse of MethodName; case-sensitive because RFC 9110 §9.1 says "The method token is
// case-sensitive". nullopt for methods Yutang does not route.
std::optional<Method> ParseMethod(std::string_view name);

// Decodes %XX escapes; with `plus_as_space` also '+' → ' ' (application/x-www-form-urlencoded,
// used by query strings). nullopt for a malformed escape ("%G1", "%4").
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Response;
// Answers a request later, from any thread (Request::defer). Call it once; a reply dropped
// uncalled answers 500.
using Reply = std::function<void(Response)>;

struct Request {
    Method method = Method::kGet;
    std::string target;  // as received: "/api/v1/staff/7?expand=roles"
    std::string path;    // "/api/v1/staff/7" (still percent-encoded)
    std::string query;   // "expand=roles" (without '?'; still encoded)
    HeaderList headers;  // in arrival order; names as received
    std::string body;
    // For routes that spool their body (RouteInfo::spool_body): the file holding it (mode 0600),
    // and `body` is empty. The handler may move the file away; the server deletes it otherwise once
    // the response is ready. "" when the body is in `body`.
    std::string body_file;
    std::string remote_address;  // "127.0.0.1:53122"
    std::string request_id;      // the X-Request-Id the response carries
    HeaderList path_params;      // filled by the router; values percent-decoded
    // Set by the server while a handler runs: lets it answer later instead of holding its thread
    // while it waits for something else (the tracking routes wait for the group commit). The
    // handler takes the Reply, returns Response::Deferred(), and calls the Reply once. Empty when
    // a handler is called directly (Router::Dispatch, tests): it answers at once then.
    std::function<Reply()> defer;

    // The first header named `name` (ASCII case-insensitive, RFC 9110 §5.1 "Field names are
    // case-insensitive"), or nullopt. The view points into `headers`.
    std::optional<std::string_view> Header(std::string_view name) const;
    // The value of the `{name}` path segment, or "" when the route has no such parameter.
    std::string_view PathParam(std::string_view name) const;
    // The first `name=value` in the query string, percent-decoded ('+' is a space). A key without
    // '=' yields "". nullopt when absent or when the value has a malformed escape.
    std::optional<std::string> QueryParam(std::string_view name) const;
};

struct Response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    // Instead of `body`: a file whose whole content is the body (an export written to an
    // anonymous temporary file, base/temp_file.hpp), so that a large body never sits in memory.
    // Flush it before returning: the server reads it through a descriptor of its own (a dup),
    // from the start whatever the position, in pieces; the FILE is closed with the Response.
    std::shared_ptr<std::FILE> body_file;
    HeaderList headers;     // extra headers; Content-Type/Content-Length are set by the server
    bool deferred = false;  // Deferred(): the answer comes through Request::defer's Reply

    static Response Json(std::string body, unsigned status = 200);
    static Response Text(std::string body, unsigned status = 200);  // text/plain; charset=utf-8
    // What a handler returns after taking Request::defer's Reply.
    static Response Deferred();

    // Case-insensitive lookup among `headers`.
    std::optional<std::string_view> Header(std::string_view name) const;
};

// ASCII case-insensitive equality (header names, media types).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace yutang::http
