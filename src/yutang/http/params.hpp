// Reading ids and numbers from a request's path and query string.
//
//   YT_ASSIGN_OR_RETURN(int64_t id, PathId(request, "staff_id"));        // not_found if not an id
//   YT_ASSIGN_OR_RETURN(std::optional<int64_t> limit, QueryInt(request, "limit"));
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "yutang/base/status.hpp"
#include "yutang/http/message.hpp"

namespace yutang::http {

// A positive integer path parameter; not_found for anything else, so that a malformed id and
// another merchant's id look the same.
Result<int64_t> PathId(const Request& request, std::string_view name);

// An integer query parameter: nullopt when absent; invalid_argument (field `name`) when it is
// not an integer.
Result<std::optional<int64_t>> QueryInt(const Request& request, std::string_view name);

}  // namespace yutang::http
