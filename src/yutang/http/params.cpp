#include "yutang/http/params.hpp"

#include <charconv>
#include <string>

namespace yutang::http {

Result<int64_t> PathId(const Request& request, std::string_view name) {
    const std::string_view text = request.PathParam(name);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return NotFound("no such object");
    return value;
}

Result<std::optional<int64_t>> QueryInt(const Request& request, std::string_view name) {
    const auto text = request.QueryParam(name);
    if (!text) return std::optional<int64_t>();
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size()) {
        return InvalidArgument("must be an integer", std::string(name));
    }
    return std::optional<int64_t>(value);
}

}  // namespace yutang::http
