#include "yutang/http/router.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "yutang/http/errors.hpp"

namespace yutang::http {
namespace {

// Deeper paths than this never match: no route of ours comes close, and a fixed array keeps
// matching free of allocations.
constexpr size_t kMaxSegments = 32;

[[noreturn]] void DieBadRoute(const RouteInfo& info, const char* why) {
    std::fprintf(stderr, "Router::Add: %s %s (%s): %s\n", std::string(MethodName(info.method)).c_str(),
                 info.pattern.c_str(), info.name.c_str(), why);
    std::abort();
}

bool IsParamSegment(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsValidParamName(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return true;
}

// Splits "/a/b/" into {"a", "b", ""}. Returns the count, or nullopt if more than kMaxSegments.
std::optional<size_t> SplitPath(std::string_view path, std::array<std::string_view, kMaxSegments>& out) {
    size_t count = 0;
    size_t start = 1;  // skip the leading '/'
    while (true) {
        if (count == kMaxSegments) return std::nullopt;
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            out[count++] = path.substr(start);
            return count;
        }
        out[count++] = path.substr(start, slash - start);
        start = slash + 1;
    }
}

}  // namespace

struct Router::Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
    std::unique_ptr<Node> param;
    std::array<int, kMethodCount> route_by_method;

    Node() { route_by_method.fill(-1); }

    bool HasAny() const {
        for (int index : route_by_method) {
            if (index >= 0) return true;
        }
        return false;
    }
    // HEAD falls back to GET: RFC 9110 §9.3.2 "The HEAD method is identical to GET except that
    // the server MUST NOT send content in the response".
    int RouteFor(Method method) const {
        int index = route_by_method[static_cast<size_t>(method)];
        if (index < 0 && method == Method::kHead) index = route_by_method[static_cast<size_t>(Method::kGet)];
        return index;
    }
};

namespace {

// Depth-first search, literal before parameter, backtracking when a literal branch dead-ends
// ("/a/b/c" registered, "/a/{x}/d" registered: "/a/b/d" must still find the second).
// With `method` nullopt any terminal node with a route matches (used to decide 405 vs 404).
template <typename NodeT>
const NodeT* Find(const NodeT& node, const std::string_view* segments, size_t count, std::optional<Method> method) {
    if (count == 0) {
        bool ok = method ? node.RouteFor(*method) >= 0 : node.HasAny();
        return ok ? &node : nullptr;
    }
    auto it = node.literals.find(segments[0]);
    if (it != node.literals.end()) {
        if (const NodeT* found = Find(*it->second, segments + 1, count - 1, method)) return found;
    }
    // A parameter never matches an empty segment: "/staff/" is not "/staff/{id}" with id "".
    if (node.param && !segments[0].empty()) {
        return Find(*node.param, segments + 1, count - 1, method);
    }
    return nullptr;
}

}  // namespace

Handler ResultHandler(std::function<Result<Response>(Request&)> handler) {
    return [handler = std::move(handler)](Request& request) -> Response {
        Result<Response> result = handler(request);
        if (!result.ok()) return ErrorResponse(result.status(), request.request_id);
        return std::move(result).value();
    };
}

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::Add(RouteInfo info, Handler handler, Admission admission) {
    const std::string& pattern = info.pattern;
    if (pattern.empty() || pattern.front() != '/') DieBadRoute(info, "pattern must start with '/'");
    if (info.name.empty()) DieBadRoute(info, "route name is empty");
    if (!handler) DieBadRoute(info, "handler is empty");
    for (const RouteInfo& other : routes_) {
        if (other.name == info.name) DieBadRoute(info, "route name already used");
    }
    std::array<std::string_view, kMaxSegments> segments;
    std::optional<size_t> count = SplitPath(pattern, segments);
    if (!count) DieBadRoute(info, "too many segments");

    RouteParams params;
    Node* node = root_.get();
    for (size_t i = 0; i < *count; ++i) {
        std::string_view segment = segments[i];
        if (segment.find_first_of("{}") != std::string_view::npos) {
            if (!IsParamSegment(segment)) DieBadRoute(info, "malformed {parameter} segment");
            std::string_view name = segment.substr(1, segment.size() - 2);
            if (!IsValidParamName(name)) DieBadRoute(info, "parameter name must be [A-Za-z0-9_]+");
            for (const auto& [position, existing] : params.positions) {
                if (existing == name) DieBadRoute(info, "parameter used twice");
            }
            params.positions.emplace_back(i, std::string(name));
            if (!node->param) node->param = std::make_unique<Node>();
            node = node->param.get();
        } else {
            auto it = node->literals.find(segment);
            if (it == node->literals.end()) {
                it = node->literals.emplace(std::string(segment), std::make_unique<Node>()).first;
            }
            node = it->second.get();
        }
    }
    int& slot = node->route_by_method[static_cast<size_t>(info.method)];
    if (slot >= 0) DieBadRoute(info, "method and pattern already registered");
    slot = static_cast<int>(routes_.size());
    routes_.push_back(std::move(info));
    handlers_.push_back(std::move(handler));
    admissions_.push_back(std::move(admission));
    params_.push_back(std::move(params));
}

RouteMatch Router::Match(Method method, std::string_view path, HeaderList& path_params) const {
    RouteMatch match;
    if (path.empty() || path.front() != '/') return match;
    std::array<std::string_view, kMaxSegments> segments;
    std::optional<size_t> count = SplitPath(path, segments);
    if (!count) return match;

    if (const Node* node = Find(*root_, segments.data(), *count, method)) {
        auto index = static_cast<size_t>(node->RouteFor(method));
        for (const auto& [position, name] : params_[index].positions) {
            std::optional<std::string> value = PercentDecode(segments[position], false);
            if (!value) {
                path_params.clear();
                return match;
            }
            path_params.emplace_back(name, std::move(*value));
        }
        match.kind = MatchKind::kFound;
        match.route = &routes_[index];
        match.handler = &handlers_[index];
        if (admissions_[index]) match.admission = &admissions_[index];
        match.route_index = index;
        return match;
    }
    if (const Node* node = Find(*root_, segments.data(), *count, std::nullopt)) {
        match.kind = MatchKind::kMethodNotAllowed;
        for (int i = 0; i < kMethodCount; ++i) {
            auto candidate = static_cast<Method>(i);
            if (node->RouteFor(candidate) < 0) continue;
            if (!match.allow.empty()) match.allow += ", ";
            match.allow += MethodName(candidate);
        }
    }
    return match;
}

Response Router::Dispatch(Request& request) const {
    request.path_params.clear();
    RouteMatch match = Match(request.method, request.path, request.path_params);
    switch (match.kind) {
        case MatchKind::kFound:
            return (*match.handler)(request);
        case MatchKind::kMethodNotAllowed: {
            Response response = Response::Json(
                ErrorJson(Status(ErrorCode::kInvalidArgument, "method not allowed; allowed: " + match.allow)), 405);
            response.headers.emplace_back("Allow", match.allow);
            return response;
        }
        case MatchKind::kNotFound:
            break;
    }
    return Response::Json(ErrorJson(NotFound("no route for this path")), 404);
}

}  // namespace yutang::http
