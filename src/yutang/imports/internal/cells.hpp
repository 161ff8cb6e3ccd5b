// Cleaning and parsing single cells of platform exports. Each rule quotes the section of
// shared/reference/order-exports.md it comes from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "yutang/base/money.hpp"
#include "yutang/base/status.hpp"
#include "yutang/base/time_zone.hpp"

namespace yutang::imports::internal {

// A header name as matched: trimmed of spaces and TABs (§淘宝: `收货地址 `, `订单付款时间 `),
// full-width parentheses made ASCII (§拼多多: `商品总价（元）`).
std::string NormalizeHeader(std::string_view header);

// A cell's value: trimmed of spaces and TABs (§抖店 `"\t6917926768823643751"`, §拼多多 lone TAB),
// `="…"` unwrapped (§淘宝), and `-` read as empty (§抖店).
std::string CleanCell(std::string_view cell);

// A phone cell: CleanCell plus a leading `'` removed (§淘宝 联系手机). Masks and ciphertext are kept.
std::string CleanPhone(std::string_view cell);

// An amount in yuan: `201.12`, `0元`, `¥12`, `499.00（系统计算中，该值仅供参考）` (§京东), Excel floats
// such as `12.300000000000001` when the extra digits are zeros. Empty → nullopt.
// invalid_argument (field `field`) otherwise.
Result<std::optional<Money>> ParseAmountCell(std::string_view cell, std::string_view field);

// Local date and time: `2017-07-08 00:42:32`, `2017/7/8 0:42` (Excel, §淘宝), `2017-07-08T00:42`,
// `2017-07-08` (midnight), optional fraction of a second. Empty → nullopt.
// invalid_argument (field `field`) otherwise.
Result<std::optional<LocalDateTime>> ParseDateTimeCell(std::string_view cell, std::string_view field);

// A positive item count; empty → nullopt. invalid_argument (field `field`) otherwise.
Result<std::optional<int64_t>> ParseQuantityCell(std::string_view cell, std::string_view field);

struct Region {
    std::string province;
    std::string city;
};

// Province and city from an address: space-separated (`省 市 区 详细地址(邮编)`, §淘宝) or run
// together (§京东: 客户地址 has no spaces), by the administrative suffixes 省/自治区/特别行政区/市 and
// 市/州/盟/地区. Best effort: empty parts when no suffix is found.
Region SplitRegion(std::string_view address);

}  // namespace yutang::imports::internal
