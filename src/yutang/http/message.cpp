#include "yutang/http/message.hpp"

namespace yutang::http {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreCase(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

}  // namespace

std::string_view MethodName(Method method) {
    switch (method) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kPatch:
            return "PATCH";
        case Method::kDelete:
            return "DELETE";
        case Method::kOptions:
            return "OPTIONS";
    }
    return "GET";
}

std::optional<Method> ParseMethod(std::string_view name) {
    for (int i = 0; i < kMethodCount; ++i) {
        auto method = static_cast<Method>(i);
        if (MethodName(method) == name) return method;
    }
    return std::nullopt;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
    }
    return true;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int high = HexValue(text[i + 1]);
            int low = HexValue(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string_view> Request::Header(std::string_view name) const { return FindHeader(headers, name); }

std::string_view Request::PathParam(std::string_view name) const {
    for (const auto& [key, value] : path_params) {
        if (key == name) return value;
    }
    return {};
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        size_t eq = pair.find('=');
        std::string_view raw_key = pair.substr(0, eq);
        std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        std::optional<std::string> key = PercentDecode(raw_key, true);
        if (!key || *key != name) continue;
        return PercentDecode(raw_value, true);
    }
    return std::nullopt;
}

Response Response::Json(std::string body, unsigned status) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

Response Response::Text(std::string body, unsigned status) {
    Response response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(body);
    return response;
}

Response Response::Deferred() {
    Response response;
    response.deferred = true;
    return response;
}

std::optional<std::string_view> Response::Header(std::string_view name) const { return FindHeader(headers, name); }

}  // namespace yutang::http
