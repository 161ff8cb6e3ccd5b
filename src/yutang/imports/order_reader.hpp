// Reading merchants' order exports (京东, 淘宝/天猫, 抖店, 拼多多, 有赞, or any CSV/XLSX with a
// column mapping) into normalised orders. Only reading and normalising: storing the orders is another
// module's job.
//
// The files are taken exactly as the seller back-ends produce them, with the quirks recorded in
// shared/reference/order-exports.md: GBK or UTF-8 (with or without BOM), `="…"` and TAB-prefixed
// cells, `-` for empty, header names with trailing spaces, one row per SKU, amounts such as
// `0元`, dates mangled by Excel. CSV and XLSX (first sheet) are both streamed in 64 KiB chunks:
// memory stays bounded whatever the number of rows (an XLSX workbook's shared-string table is
// the one part read whole).
//
//   YT_ASSIGN_OR_RETURN(auto reader, imports::OrderReader::Open(path, {.platform = std::nullopt}));
//   while (true) {
//       YT_ASSIGN_OR_RETURN(std::optional<imports::ImportedOrder> order, reader->Next());
//       if (!order) break;
//       Store(*order);  // progress: reader->bytes_read() of reader->bytes_total()
//   }
//   for (const imports::RowError& e : reader->errors()) Reject(e.line, e.column, e.reason, e.raw_row);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/money.hpp"
#include "yutang/base/status.hpp"

namespace yutang::imports {

enum class Platform { kJd, kTaobao, kDouyin, kPdd, kYouzan, kMapped };

// "jd", "taobao", "douyin", "pdd", "youzan", "mapped".
std::string_view PlatformName(Platform platform);

// The inverse of PlatformName. invalid_argument (field `field`) for any other text.
Result<Platform> ParsePlatform(std::string_view text, std::string_view field = "platform");

// One status set for every platform; the platform's own wording stays in raw_status.
enum class OrderStatus { kPendingPayment, kPaid, kShipped, kCompleted, kCancelled, kRefunded };

// "pending_payment", "paid", "shipped", "completed", "cancelled", "refunded".
std::string_view OrderStatusName(OrderStatus status);

// The inverse of OrderStatusName. invalid_argument (field `field`) for any other text.
Result<OrderStatus> ParseOrderStatus(std::string_view text, std::string_view field = "status");

struct ImportedLine {
    std::string title;
    std::string sku;
    int64_t quantity = 1;
    Money unit_price;  // zero when the export gives no per-item price (Taobao 订单报表, Youzan orders)
};

struct ImportedOrder {
    Platform platform = Platform::kMapped;
    std::string order_id;
    OrderStatus status = OrderStatus::kPaid;
    // The platform's status text as exported (with JD's `(删除)` prefix); empty when the export
    // has no status column and the status was derived from the payment facts.
    std::string raw_status;
    Timestamp created_at;
    std::optional<Timestamp> paid_at;
    std::optional<Timestamp> completed_at;
    Money total;     // what the order was worth (goods + shipping, before refunds)
    Money paid;      // what the buyer actually paid (0 when unpaid)
    Money refunded;  // 0 when none is known
    // The platform's buyer id when the export has one (JD 下单帐号, Taobao 买家会员名, Youzan
    // 买家昵称/买家姓名), raw.
    std::string buyer_account;
    std::string buyer_phone;  // raw as exported: may be masked (`1******6198`), ciphertext or empty
    std::string buyer_name;   // raw
    std::string province;     // raw, best effort
    std::string city;         // raw, best effort
    std::string address;      // raw
    std::string shop_name;
    std::vector<ImportedLine> lines;
    int64_t first_line = 0;  // the file line (1-based, header = line 1) where this order starts
};

// A rejected row. `raw_row` is the row as decoded text (for the rejected-rows file); `reason`
// never holds the row's personal data.
struct RowError {
    int64_t line = 0;    // 1-based file line where the row starts
    std::string column;  // the header name as in the file (trimmed), or empty for the whole row
    std::string reason;
    std::string raw_row;
};

// For Platform::kMapped: which header holds which field.
//
// JSON form (ParseColumnMapping):
//   {"order_id": "单号", "created_at": "下单时间", "status": "状态", "total": "金额",
//    "statuses": {"已付款": "paid", "已完成": "completed"}}
// Field keys: order_id and created_at (required), status, paid_at, completed_at, total, paid,
// refunded, buyer_account, buyer_phone, buyer_name, province, city, address, shop_name,
// line_title, line_sku, line_quantity, line_unit_price. Without a status column the status is
// derived from the payment facts; with one, every status must be listed in `statuses`.
struct ColumnMapping {
    std::map<std::string, std::string> columns;   // field key → header name
    std::map<std::string, OrderStatus> statuses;  // raw status → common status
};

// Parses the JSON form above. invalid_argument naming the offending key (field = the key, or
// "mapping" when the text is not a JSON object).
Result<ColumnMapping> ParseColumnMapping(std::string_view json);

struct ReaderOptions {
    std::optional<Platform> platform;         // nullopt: detect from the header
    std::string time_zone = "Asia/Shanghai";  // export times are local wall times in this zone
    std::optional<ColumnMapping> mapping;     // required for Platform::kMapped
};

// Streams one export file. Not thread-safe; one reader per file.
class OrderReader {
  public:
    // Opens a CSV export or an XLSX workbook (its first sheet; date cells become local date
    // times), detects a CSV's encoding (BOM → UTF-8; else valid UTF-8 → UTF-8; else
    // GB18030) and its platform from the header (unless options.platform is set), and reads the
    // header.
    // Errors: not_found when the file does not exist; invalid_argument (field "file") when it is
    // not a known export, naming the problem ("no 订单编号 column: not a Taobao 订单报表"), when it
    // is encrypted (JD 2026 detail exports, Taobao 发货报表) or a damaged workbook; invalid_argument
    // (field "time_zone") for an unknown zone; invalid_argument (field "mapping") when kMapped has
    // no mapping; unavailable when the file cannot be read.
    static Result<std::unique_ptr<OrderReader>> Open(const std::string& path, ReaderOptions options);

    ~OrderReader();
    OrderReader(const OrderReader&) = delete;
    OrderReader& operator=(const OrderReader&) = delete;

    Platform platform() const;
    std::string_view encoding() const;  // "UTF-8" or "GB18030" (XLSX: "UTF-8")

    // The next order, or nullopt at the end of the file. Consecutive rows with the same order id
    // form one order (JD and Douyin export one row per item). A bad row does not stop the reading:
    // it is added to errors() and the reading goes on; an order any of whose rows is bad is left
    // out whole. Errors: unavailable on a read failure; invalid_argument (field "file") when a
    // row is longer than 4 MiB (an unbalanced quote).
    Result<std::optional<ImportedOrder>> Next();

    // The rows rejected so far, in file order.
    const std::vector<RowError>& errors() const;
    // The header row as decoded text, in the form of RowError::raw_row (column names, no data).
    const std::string& header_row() const;

    // Progress: raw file bytes consumed so far and the file size (XLSX: of the inflated sheet).
    uint64_t bytes_read() const;
    uint64_t bytes_total() const;

    // The largest size the reader's text buffer reached: stays near the chunk size whatever the
    // file size (for tests of the streaming promise).
    size_t peak_buffer_bytes() const;

    class Impl;

  private:
    explicit OrderReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace yutang::imports
