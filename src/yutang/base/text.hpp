// Text helpers shared by every module that validates what people type.
//
//   auto length = Utf8Length("演示旗舰店");   // 5
//   if (!length || *length > 100) return InvalidArgument("name must have 1 to 100 characters", "name");
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace yutang {

// The number of Unicode code points in `text`, or nullopt when it is not valid UTF-8
// (truncated sequences, overlong forms, surrogates and values above U+10FFFF are invalid).
// Limits that people read ("at most 50 characters") count code points, not bytes.
std::optional<size_t> Utf8Length(std::string_view text);

// `text` as one RFC 4180 CSV field: in double quotes, inner quotes doubled.
std::string CsvQuote(std::string_view text);

}  // namespace yutang
