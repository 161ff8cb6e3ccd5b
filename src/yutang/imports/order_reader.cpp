#include "yutang/imports/order_reader.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>

#include <boost/json.hpp>

#include "yutang/base/text.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/imports/internal/cells.hpp"
#include "yutang/imports/internal/csv.hpp"
#include "yutang/imports/internal/records.hpp"

namespace yutang::imports {
namespace {

using internal::CsvRecord;

// The normalised fields a column can feed. Keep in sync with kMappingKeys.
enum Field : int {
    kOrderId,
    kStatus,
    kCreatedAt,
    kPaidAt,
    kCompletedAt,
    kTotal,
    kGoods,  // goods amount; total = goods + shipping when there is no total column
    kShipping,
    kPaid,
    kRefunded,
    kBuyerAccount,
    kBuyerPhone,
    kBuyerPhoneFallback,
    kBuyerName,
    kProvince,
    kCity,
    kAddress,
    kShopName,
    kLineTitle,
    kLineSku,
    kLineSkuFallback,
    kLineQuantity,
    kLineUnitPrice,
    kCloseReason,  // Taobao 订单关闭原因
    kAfterSale,    // Douyin/PDD 售后状态, Youzan 订单退款状态
    kSubOrderId,   // Douyin 子订单编号: amounts are per row
    kFieldCount,
};

// Keep in sync with Field and the ColumnMapping comment in the header.
constexpr std::array<std::pair<std::string_view, Field>, 19> kMappingKeys = {{
    {"order_id", kOrderId},
    {"status", kStatus},
    {"created_at", kCreatedAt},
    {"paid_at", kPaidAt},
    {"completed_at", kCompletedAt},
    {"total", kTotal},
    {"paid", kPaid},
    {"refunded", kRefunded},
    {"buyer_account", kBuyerAccount},
    {"buyer_phone", kBuyerPhone},
    {"buyer_name", kBuyerName},
    {"province", kProvince},
    {"city", kCity},
    {"address", kAddress},
    {"shop_name", kShopName},
    {"line_title", kLineTitle},
    {"line_sku", kLineSku},
    {"line_quantity", kLineQuantity},
    {"line_unit_price", kLineUnitPrice},
}};

struct Column {
    Field field;
    std::initializer_list<std::string_view> headers;  // the name and its known synonyms, normalised
};

struct StatusWord {
    std::string_view text;
    OrderStatus status;
};

struct PlatformSpec {
    Platform platform;
    std::string_view report;  // for "not a … " messages
    std::initializer_list<Column> columns;
    std::initializer_list<StatusWord> statuses;
    bool status_required;
};

// order-exports.md §淘宝 / 天猫: 订单报表 2017 (46 columns) and later (61–71 columns).
const PlatformSpec kTaobao = {
    .platform = Platform::kTaobao,
    .report = "Taobao 订单报表",
    .columns = {{kOrderId, {"订单编号"}},
                {kStatus, {"订单状态"}},
                {kCreatedAt, {"订单创建时间"}},
                {kPaidAt, {"订单付款时间"}},
                {kCompletedAt, {"确认收货时间"}},
                {kTotal, {"总金额"}},
                {kPaid, {"买家实际支付金额"}},
                {kRefunded, {"退款金额"}},
                {kBuyerAccount, {"买家会员名"}},
                {kBuyerPhone, {"联系手机"}},
                {kBuyerPhoneFallback, {"联系电话"}},
                {kBuyerName, {"收货人姓名"}},
                {kAddress, {"收货地址", "修改后的收货地址"}},
                {kShopName, {"店铺名称"}},
                {kLineTitle, {"宝贝标题"}},
                {kLineQuantity, {"宝贝总数量"}},
                {kCloseReason, {"订单关闭原因"}}},
    // Half-width commas are made full-width before the lookup ("half-width comma variants occur").
    .statuses = {{"等待买家付款", OrderStatus::kPendingPayment},
                 {"等待买家确认货到付款订单信息", OrderStatus::kPendingPayment},
                 {"买家已付款，等待卖家发货", OrderStatus::kPaid},
                 {"卖家已发货，等待买家确认", OrderStatus::kShipped},
                 {"买家已签收", OrderStatus::kShipped},
                 {"交易成功", OrderStatus::kCompleted},
                 {"交易关闭", OrderStatus::kCancelled},
                 {"交易被淘宝关闭", OrderStatus::kCancelled}},
    // The shared Tmall teaching dataset has no 订单状态 column: the status is then derived.
    .status_required = false,
};

// §京东: 2015 header (30 columns) and 2025–26 (80 columns, 结算金额 → 商家应收). One row per SKU.
const PlatformSpec kJd = {
    .platform = Platform::kJd,
    .report = "JD 订单导出",
    .columns = {{kOrderId, {"订单号"}},
                {kStatus, {"订单状态"}},
                {kCreatedAt, {"下单时间"}},
                {kPaidAt, {"付款确认时间"}},
                {kCompletedAt, {"订单完成时间"}},
                {kTotal, {"订单金额"}},
                {kPaid, {"应付金额"}},
                {kBuyerAccount, {"下单帐号", "下单账号"}},
                {kBuyerPhone, {"联系电话"}},
                {kBuyerName, {"客户姓名"}},
                {kAddress, {"客户地址"}},
                {kLineTitle, {"商品名称"}},
                {kLineSku, {"商品ID"}},
                {kLineQuantity, {"订购数量"}},
                {kLineUnitPrice, {"京东价"}}},
    .statuses = {{"等待出库", OrderStatus::kPaid},
                 {"等待确认收货", OrderStatus::kShipped},
                 {"完成", OrderStatus::kCompleted},
                 {"已取消", OrderStatus::kCancelled},
                 // 锁定: JD holds a paid order while a cancellation or risk review is pending; it
                 // has been paid and not shipped.
                 {"锁定", OrderStatus::kPaid}},
    .status_required = true,
};

// §抖店: standard report (54 fields) and custom reports by 子订单 or by 主订单.
const PlatformSpec kDouyin = {
    .platform = Platform::kDouyin,
    .report = "Douyin 订单导出",
    .columns = {{kOrderId, {"主订单编号"}},
                {kStatus, {"订单状态"}},
                {kCreatedAt, {"订单提交时间"}},
                {kPaidAt, {"支付完成时间"}},
                {kCompletedAt, {"订单完成时间"}},
                {kTotal, {"订单应付金额"}},
                {kBuyerPhone, {"收件人手机号"}},
                {kBuyerName, {"收件人"}},
                {kProvince, {"省"}},
                {kCity, {"市"}},
                {kAddress, {"详细地址"}},
                {kLineTitle, {"选购商品"}},
                {kLineSku, {"商家编码"}},
                {kLineSkuFallback, {"商品ID"}},
                {kLineQuantity, {"商品数量"}},
                {kLineUnitPrice, {"商品单价"}},
                {kAfterSale, {"售后状态"}},
                {kSubOrderId, {"子订单编号"}}},
    .statuses = {{"待发货", OrderStatus::kPaid},
                 {"已发货", OrderStatus::kShipped},
                 {"已完成", OrderStatus::kCompleted},
                 {"已关闭", OrderStatus::kCancelled}},
    .status_required = true,
};

// §拼多多: compact header (23 columns) and the long version (~85 columns).
const PlatformSpec kPdd = {
    .platform = Platform::kPdd,
    .report = "PDD 订单导出",
    .columns = {{kOrderId, {"订单号"}},
                {kStatus, {"订单状态"}},
                {kCreatedAt, {"订单成交时间"}},
                {kPaidAt, {"支付时间"}},
                {kCompletedAt, {"确认收货时间"}},
                {kGoods, {"商品总价(元)"}},
                {kShipping, {"邮费(元)"}},
                {kPaid, {"用户实付金额(元)"}},
                {kBuyerPhone, {"用户购买手机号"}},
                {kProvince, {"省"}},
                {kCity, {"市"}},
                {kAddress, {"详细地址"}},
                {kLineTitle, {"商品"}},
                {kLineSku, {"商家编码-规格维度", "商家编码-SKU维度"}},
                {kLineSkuFallback, {"样式ID"}},
                {kLineQuantity, {"商品数量(件)"}},
                {kAfterSale, {"售后状态"}}},
    .statuses = {{"待发货", OrderStatus::kPaid},
                 {"已发货，待收货", OrderStatus::kShipped},
                 {"已发货，待签收", OrderStatus::kShipped},
                 {"已收货", OrderStatus::kCompleted},
                 {"已签收", OrderStatus::kCompleted},
                 {"已取消", OrderStatus::kCancelled},
                 {"退款成功", OrderStatus::kRefunded}},
    .status_required = true,
};

// §有赞: order-level report (~2021, 39 columns; 2025–26, 59 columns with 买家昵称).
const PlatformSpec kYouzan = {
    .platform = Platform::kYouzan,
    .report = "Youzan 订单报表",
    .columns = {{kOrderId, {"订单号"}},
                {kStatus, {"订单状态"}},
                {kCreatedAt, {"订单创建时间"}},
                {kPaidAt, {"买家付款时间"}},
                {kCompletedAt, {"交易成功时间"}},
                {kTotal, {"应收订单金额"}},
                {kGoods, {"商品金额合计"}},
                {kShipping, {"运费"}},
                {kPaid, {"订单实付金额"}},
                {kRefunded, {"订单已退款金额"}},
                {kBuyerAccount, {"买家昵称", "买家姓名"}},
                {kBuyerPhone, {"买家手机号"}},
                {kBuyerPhoneFallback, {"收货人手机号/提货人手机号", "收货人手机号"}},
                {kBuyerName, {"收货人/提货人", "收货人"}},
                {kProvince, {"收货人省份"}},
                {kCity, {"收货人城市"}},
                {kAddress, {"详细收货地址/提货地址", "详细收货地址"}},
                {kShopName, {"归属店铺"}},
                {kLineTitle, {"全部商品名称", "商品名称"}},
                {kLineSku, {"商品编码", "规格编码"}},
                {kLineQuantity, {"商品数量"}},
                {kLineUnitPrice, {"商品单价"}},
                {kAfterSale, {"订单退款状态"}}},
    .statuses = {{"待付款", OrderStatus::kPendingPayment},
                 {"待发货", OrderStatus::kPaid},
                 {"已发货", OrderStatus::kShipped},
                 {"交易完成", OrderStatus::kCompleted},
                 {"交易成功", OrderStatus::kCompleted},
                 {"交易关闭", OrderStatus::kCancelled}},
    .status_required = true,
};

const PlatformSpec& SpecFor(Platform platform) {
    switch (platform) {
        case Platform::kJd:
            return kJd;
        case Platform::kTaobao:
            return kTaobao;
        case Platform::kDouyin:
            return kDouyin;
        case Platform::kPdd:
            return kPdd;
        case Platform::kYouzan:
            return kYouzan;
        case Platform::kMapped:
            break;
    }
    return kTaobao;  // unreachable: kMapped is handled by the caller
}

std::string FullWidthCommas(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == ',')
            out += "\xEF\xBC\x8C";  // ，
        else
            out.push_back(c);
    }
    return out;
}

// `6.91792676882364E+18`, `1E+16`.
bool LooksScientific(std::string_view id) {
    const size_t e = id.find_first_of("Ee");
    if (e == std::string_view::npos || e == 0 || e + 2 > id.size() || (id[e + 1] != '+' && id[e + 1] != '-'))
        return false;
    const std::string_view mantissa = id.substr(0, e);
    const std::string_view exponent = id.substr(e + 2);
    auto digits = [](std::string_view s, bool dot) {
        if (s.empty()) return false;
        for (char c : s)
            if (!(c >= '0' && c <= '9') && !(dot && c == '.')) return false;
        return true;
    };
    return digits(mantissa, true) && digits(exponent, false);
}

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

std::string_view PlatformName(Platform platform) {
    switch (platform) {
        case Platform::kJd:
            return "jd";
        case Platform::kTaobao:
            return "taobao";
        case Platform::kDouyin:
            return "douyin";
        case Platform::kPdd:
            return "pdd";
        case Platform::kYouzan:
            return "youzan";
        case Platform::kMapped:
            return "mapped";
    }
    return "unknown";
}

Result<Platform> ParsePlatform(std::string_view text, std::string_view field) {
    for (Platform p :
         {Platform::kJd, Platform::kTaobao, Platform::kDouyin, Platform::kPdd, Platform::kYouzan, Platform::kMapped})
        if (PlatformName(p) == text) return p;
    return InvalidArgument("platform must be one of jd, taobao, douyin, pdd, youzan, mapped", std::string(field));
}

std::string_view OrderStatusName(OrderStatus status) {
    switch (status) {
        case OrderStatus::kPendingPayment:
            return "pending_payment";
        case OrderStatus::kPaid:
            return "paid";
        case OrderStatus::kShipped:
            return "shipped";
        case OrderStatus::kCompleted:
            return "completed";
        case OrderStatus::kCancelled:
            return "cancelled";
        case OrderStatus::kRefunded:
            return "refunded";
    }
    return "unknown";
}

Result<OrderStatus> ParseOrderStatus(std::string_view text, std::string_view field) {
    for (OrderStatus s : {OrderStatus::kPendingPayment, OrderStatus::kPaid, OrderStatus::kShipped,
                          OrderStatus::kCompleted, OrderStatus::kCancelled, OrderStatus::kRefunded})
        if (OrderStatusName(s) == text) return s;
    return InvalidArgument("status must be one of pending_payment, paid, shipped, completed, cancelled, refunded",
                           std::string(field));
}

Result<ColumnMapping> ParseColumnMapping(std::string_view json) {
    boost::system::error_code ec;
    const boost::json::value root = boost::json::parse(json, ec);
    if (ec || !root.is_object()) return InvalidArgument("the column mapping must be a JSON object", "mapping");
    ColumnMapping mapping;
    for (const auto& [key, value] : root.as_object()) {
        if (key == "statuses") {
            if (!value.is_object()) return InvalidArgument("statuses must map raw statuses to statuses", "statuses");
            for (const auto& [raw, status] : value.as_object()) {
                if (!status.is_string()) return InvalidArgument("status must be a string", "statuses");
                YT_ASSIGN_OR_RETURN(OrderStatus parsed,
                                    ParseOrderStatus(std::string_view(status.as_string()), "statuses"));
                mapping.statuses.emplace(std::string(raw), parsed);
            }
            continue;
        }
        const auto known = std::find_if(kMappingKeys.begin(), kMappingKeys.end(),
                                        [&](const auto& entry) { return entry.first == std::string_view(key); });
        if (known == kMappingKeys.end()) return InvalidArgument("unknown mapping key", std::string(key));
        if (!value.is_string() || value.as_string().empty())
            return InvalidArgument("a mapping value must be a header name", std::string(key));
        mapping.columns.emplace(std::string(key), internal::NormalizeHeader(std::string_view(value.as_string())));
    }
    for (std::string_view required : {"order_id", "created_at"})
        if (!mapping.columns.contains(std::string(required)))
            return InvalidArgument("the column mapping needs " + std::string(required), std::string(required));
    return mapping;
}

class OrderReader::Impl {
  public:
    Impl(std::unique_ptr<internal::RecordReader> records, TimeZone zone)
        : records_(std::move(records)), zone_(std::move(zone)) {}

    Status ReadHeader(const ReaderOptions& options);
    Result<std::optional<ImportedOrder>> Next();

    Platform platform_ = Platform::kMapped;
    std::unique_ptr<internal::RecordReader> records_;
    std::vector<RowError> errors_;
    std::string header_row_;

  private:
    struct Group {
        ImportedOrder order;
        bool bad = false;
        bool paid_at_empty = false;
        std::string after_sale;
        std::string close_reason;
        std::vector<std::string> sub_orders;  // Douyin: sub-order ids already counted
    };

    Status Detect(const std::vector<std::string>& headers);
    std::string_view Cell(const CsvRecord& record, Field field) const;
    const std::string& Header(Field field) const { return headers_[static_cast<size_t>(columns_[field])]; }
    bool Has(Field field) const { return columns_[field] >= 0; }
    void Reject(const CsvRecord& record, Field field, std::string reason);
    // Parses one row into `group` (a new order when `first`). False when a cell is bad.
    bool AddRow(const CsvRecord& record, Group& group, bool first);
    std::optional<ImportedOrder> Finish(Group group);
    std::optional<Timestamp> Time(const CsvRecord& record, Field field, bool& ok);
    std::optional<Money> Amount(const CsvRecord& record, Field field, bool& ok);

    TimeZone zone_;
    std::vector<std::string> headers_;
    std::array<int, kFieldCount> columns_{};
    std::map<std::string, OrderStatus> status_words_;
    std::optional<Group> group_;
    std::optional<CsvRecord> lookahead_;
};

Status OrderReader::Impl::ReadHeader(const ReaderOptions& options) {
    CsvRecord header;
    YT_ASSIGN_OR_RETURN(bool have, records_->Next(header));
    if (!have) return InvalidArgument("the file is empty: no header row", "file");
    for (const std::string& name : header.fields) headers_.push_back(internal::NormalizeHeader(name));
    if (!Utf8Length(header.raw)) return InvalidArgument("the header row is not readable text", "file");
    header_row_ = header.raw;
    columns_.fill(-1);
    auto find = [&](std::string_view name) -> int {
        // Extra and unknown columns are ignored; the first column with the name wins.
        for (size_t i = 0; i < headers_.size(); ++i)
            if (headers_[i] == name) return static_cast<int>(i);
        return -1;
    };
    if (options.platform) {
        platform_ = *options.platform;
    } else {
        YT_TRY(Detect(headers_));
    }
    if (platform_ == Platform::kMapped) {
        if (!options.mapping) return InvalidArgument("a mapped import needs a column mapping", "mapping");
        for (const auto& [key, header_name] : options.mapping->columns) {
            const auto known = std::find_if(kMappingKeys.begin(), kMappingKeys.end(),
                                            [&](const auto& entry) { return entry.first == key; });
            if (known == kMappingKeys.end()) return InvalidArgument("unknown mapping key", key);
        }
        if (!options.mapping->columns.contains("order_id") || !options.mapping->columns.contains("created_at"))
            return InvalidArgument("the column mapping needs order_id and created_at", "mapping");
        // In field order, so the first missing header named is the most important one.
        for (const auto& [key, field] : kMappingKeys) {
            const auto mapped = options.mapping->columns.find(std::string(key));
            if (mapped == options.mapping->columns.end()) continue;
            columns_[field] = find(mapped->second);
            if (columns_[field] < 0)
                return InvalidArgument("no " + mapped->second + " column: the mapping does not fit this file", "file");
        }
        for (const auto& [raw, status] : options.mapping->statuses) status_words_.emplace(FullWidthCommas(raw), status);
        return OkStatus();
    }
    const PlatformSpec& spec = SpecFor(platform_);
    for (const Column& column : spec.columns) {
        for (std::string_view name : column.headers) {
            if (columns_[column.field] < 0) columns_[column.field] = find(name);
        }
    }
    for (const StatusWord& word : spec.statuses) status_words_.emplace(std::string(word.text), word.status);
    std::vector<Field> required = {kOrderId, kCreatedAt};
    if (spec.status_required) required.push_back(kStatus);
    for (Field field : required) {
        if (Has(field)) continue;
        const auto column =
            std::find_if(spec.columns.begin(), spec.columns.end(), [&](const Column& c) { return c.field == field; });
        std::string message =
            "no " + std::string(*column->headers.begin()) + " column: not a " + std::string(spec.report);
        if (platform_ == Platform::kTaobao && (find("标题") >= 0 || find("商品标题") >= 0))
            message += " (this is a 宝贝报表, one row per item; export the 订单报表)";
        return InvalidArgument(std::move(message), "file");
    }
    return OkStatus();
}

Status OrderReader::Impl::Detect(const std::vector<std::string>& headers) {
    auto has = [&](std::string_view name) { return std::find(headers.begin(), headers.end(), name) != headers.end(); };
    if (has("主订单编号") && has("订单提交时间")) {
        platform_ = Platform::kDouyin;
    } else if (has("订单编号")) {
        // §淘宝: the 订单报表 and the 宝贝报表 are told apart by the second header cell
        // (`买家会员名` vs `标题`); the shared Tmall dataset keeps 订单创建时间 but not 买家会员名.
        const bool item_report = headers.size() > 1 && (headers[1] == "标题" || headers[1] == "商品标题");
        if (item_report || (!has("买家会员名") && !has("订单创建时间")))
            return InvalidArgument("a Taobao 宝贝报表 (one row per item) is not supported yet; export the 订单报表",
                                   "file");
        platform_ = Platform::kTaobao;
    } else if (has("订单号") && (has("下单帐号") || has("下单账号") || has("京东价") || has("订购数量"))) {
        platform_ = Platform::kJd;
    } else if (has("订单号") && (has("订单成交时间") || has("商品总价(元)") || has("用户实付金额(元)"))) {
        platform_ = Platform::kPdd;
    } else if (has("订单号") && has("订单创建时间") &&
               (has("归属店铺") || has("应收订单金额") || has("订单实付金额") || has("买家付款时间"))) {
        platform_ = Platform::kYouzan;
    } else {
        return InvalidArgument(
            "the header matches no known export (京东, 淘宝/天猫, 抖店, 拼多多, 有赞); import it with a column mapping",
            "file");
    }
    return OkStatus();
}

std::string_view OrderReader::Impl::Cell(const CsvRecord& record, Field field) const {
    const int index = columns_[field];
    // Short rows read as empty cells; extra trailing fields (§淘宝 宝贝报表's trailing comma) are ignored.
    if (index < 0 || static_cast<size_t>(index) >= record.fields.size()) return {};
    return record.fields[static_cast<size_t>(index)];
}

void OrderReader::Impl::Reject(const CsvRecord& record, Field field, std::string reason) {
    errors_.push_back({.line = record.line,
                       .column = field == kFieldCount ? std::string() : Header(field),
                       .reason = std::move(reason),
                       .raw_row = record.raw});
}

std::optional<Timestamp> OrderReader::Impl::Time(const CsvRecord& record, Field field, bool& ok) {
    if (!Has(field)) return std::nullopt;
    auto local = internal::ParseDateTimeCell(Cell(record, field), Header(field));
    if (!local.ok()) {
        Reject(record, field, local.status().message());
        ok = false;
        return std::nullopt;
    }
    if (!local->has_value()) return std::nullopt;
    return zone_.FromLocal(**local);
}

std::optional<Money> OrderReader::Impl::Amount(const CsvRecord& record, Field field, bool& ok) {
    if (!Has(field)) return std::nullopt;
    auto amount = internal::ParseAmountCell(Cell(record, field), Header(field));
    if (!amount.ok()) {
        Reject(record, field, amount.status().message());
        ok = false;
        return std::nullopt;
    }
    return *amount;
}

bool OrderReader::Impl::AddRow(const CsvRecord& record, Group& group, bool first) {
    bool ok = true;
    ImportedOrder& order = group.order;
    // Every row is checked in full (JD repeats the order-level cells on each SKU row), but only
    // the first row of an order supplies them.
    const std::optional<Timestamp> created = Time(record, kCreatedAt, ok);
    const std::optional<Timestamp> paid_at = Time(record, kPaidAt, ok);
    const std::optional<Timestamp> completed_at = Time(record, kCompletedAt, ok);
    const std::optional<Money> total = Amount(record, kTotal, ok);
    const std::optional<Money> goods = Amount(record, kGoods, ok);
    const std::optional<Money> shipping = Amount(record, kShipping, ok);
    const std::optional<Money> paid = Amount(record, kPaid, ok);
    const std::optional<Money> refunded = Amount(record, kRefunded, ok);
    const std::optional<Money> unit_price = Amount(record, kLineUnitPrice, ok);
    std::optional<int64_t> quantity;
    if (Has(kLineQuantity)) {
        auto parsed = internal::ParseQuantityCell(Cell(record, kLineQuantity), Header(kLineQuantity));
        if (parsed.ok()) {
            quantity = *parsed;
        } else {
            Reject(record, kLineQuantity, parsed.status().message());
            ok = false;
        }
    }
    if (ok && !created) {
        Reject(record, kCreatedAt, "empty creation time");
        ok = false;
    }
    std::string raw_status = internal::CleanCell(Cell(record, kStatus));
    if (first && Has(kStatus)) {
        // §京东: any status may carry `(删除)` when the buyer deleted the order; §淘宝: half-width
        // comma variants occur.
        std::string word = raw_status;
        for (std::string_view deleted : {"(删除)", "（删除）"})
            if (word.starts_with(deleted)) word = internal::CleanCell(std::string_view(word).substr(deleted.size()));
        const auto found = status_words_.find(FullWidthCommas(word));
        if (found == status_words_.end()) {
            // Unknown statuses are reported, never guessed (order-exports.md, introduction).
            Reject(record, kStatus, raw_status.empty() ? "empty status" : "unknown status \"" + raw_status + "\"");
            ok = false;
        } else {
            order.status = found->second;
        }
    }
    // UTF-8 files must stay UTF-8 past the first chunk; in GB18030 files the decoder replaced
    // undecodable bytes with U+FFFD.
    if (!Utf8Length(record.raw) ||
        (records_->encoding() == "GB18030" && record.raw.find("\xEF\xBF\xBD") != std::string::npos)) {
        Reject(record, kFieldCount, "the row is not readable text");
        ok = false;
    }
    if (!ok) return false;

    Money row_total = total.value_or(Money());
    if (!total && (goods || shipping)) {
        auto sum = goods.value_or(Money()).Add(shipping.value_or(Money()));
        if (!sum.ok()) {
            Reject(record, kGoods, "amount out of range");
            return false;
        }
        row_total = *sum;
    }
    // Douyin by-子订单 reports: one row per sub-order with its own 订单应付金额, so an order's
    // amount is the sum over its sub-orders (counted once each).
    const std::string sub_order = internal::CleanCell(Cell(record, kSubOrderId));
    const bool per_row_amounts = platform_ == Platform::kDouyin && Has(kSubOrderId);
    if (!first && per_row_amounts &&
        std::find(group.sub_orders.begin(), group.sub_orders.end(), sub_order) == group.sub_orders.end()) {
        auto sum = order.total.Add(row_total);
        if (!sum.ok()) {
            Reject(record, kTotal, "amount out of range");
            return false;
        }
        order.total = *sum;
        order.paid = order.total;
    }
    if (per_row_amounts) group.sub_orders.push_back(sub_order);

    if (first) {
        order.platform = platform_;
        order.raw_status = raw_status;
        order.created_at = *created;
        order.paid_at = paid_at;
        order.completed_at = completed_at;
        order.total = row_total;
        order.paid = paid.value_or(row_total);
        order.refunded = refunded.value_or(Money());
        group.paid_at_empty = Has(kPaidAt) && !paid_at;
        group.after_sale = internal::CleanCell(Cell(record, kAfterSale));
        group.close_reason = internal::CleanCell(Cell(record, kCloseReason));
        order.buyer_account = internal::CleanCell(Cell(record, kBuyerAccount));
        order.buyer_phone = internal::CleanPhone(Cell(record, kBuyerPhone));
        if (order.buyer_phone.empty()) order.buyer_phone = internal::CleanPhone(Cell(record, kBuyerPhoneFallback));
        order.buyer_name = internal::CleanCell(Cell(record, kBuyerName));
        order.province = internal::CleanCell(Cell(record, kProvince));
        order.city = internal::CleanCell(Cell(record, kCity));
        order.address = internal::CleanCell(Cell(record, kAddress));
        order.shop_name = internal::CleanCell(Cell(record, kShopName));
        order.first_line = record.line;
        // §淘宝 2025: 收货地址 packs `姓名，86-手机号，省 市 区 地址`.
        if (platform_ == Platform::kTaobao) {
            const size_t first_comma = order.address.find("，");
            const size_t phone_at = order.address.find("，86-");
            if (first_comma != std::string::npos && first_comma == phone_at) {
                const size_t phone_start = phone_at + std::string_view("，86-").size();
                const size_t phone_end = order.address.find("，", phone_start);
                if (phone_end != std::string::npos) {
                    if (order.buyer_name.empty()) order.buyer_name = order.address.substr(0, first_comma);
                    if (order.buyer_phone.empty())
                        order.buyer_phone = order.address.substr(phone_start, phone_end - phone_start);
                    order.address.erase(0, phone_end + std::string_view("，").size());
                }
            }
        }
        if (order.province.empty() && order.city.empty() && !order.address.empty()) {
            internal::Region region = internal::SplitRegion(order.address);
            order.province = std::move(region.province);
            order.city = std::move(region.city);
        }
    }
    ImportedLine line;
    line.title = internal::CleanCell(Cell(record, kLineTitle));
    line.sku = internal::CleanCell(Cell(record, kLineSku));
    if (line.sku.empty()) line.sku = internal::CleanCell(Cell(record, kLineSkuFallback));
    line.quantity = quantity.value_or(1);
    if (unit_price) {
        line.unit_price = *unit_price;
    } else if (platform_ == Platform::kPdd && goods && goods->fen() % line.quantity == 0) {
        // PDD has one product per order and no unit price: 商品总价 / 商品数量 when exact.
        line.unit_price = Money::FromFen(goods->fen() / line.quantity);
    }
    if (!line.title.empty() || !line.sku.empty()) order.lines.push_back(std::move(line));
    return true;
}

std::optional<ImportedOrder> OrderReader::Impl::Finish(Group group) {
    if (group.bad) return std::nullopt;
    ImportedOrder& order = group.order;
    if (!Has(kStatus)) {
        // No status column (the shared Tmall dataset; mappings without one): derive it from the
        // payment facts. raw_status stays empty to show the status was not exported.
        if (group.paid_at_empty)
            order.status = OrderStatus::kPendingPayment;
        else if (order.refunded.fen() > 0 && order.refunded >= order.paid)
            order.status = OrderStatus::kRefunded;
        else
            order.status = OrderStatus::kPaid;
    }
    // An empty payment time means the order was never paid (§淘宝: "an unpaid order has an empty
    // 订单付款时间"); the amount column then shows what was due, not what was paid.
    if (group.paid_at_empty || order.status == OrderStatus::kPendingPayment) order.paid = Money();
    // Refund flags: §淘宝 订单关闭原因 `退款` "doubles as a refund flag"; §抖店/§拼多多 售后状态 退款成功;
    // §有赞 订单退款状态 退款成功（全额退款）.
    if (order.status == OrderStatus::kCancelled &&
        (Contains(group.close_reason, "退款") || order.refunded.fen() > 0 || group.after_sale == "退款成功"))
        order.status = OrderStatus::kRefunded;
    if (platform_ == Platform::kYouzan && Contains(group.after_sale, "全额退款") &&
        Contains(group.after_sale, "退款成功"))
        order.status = OrderStatus::kRefunded;
    return std::move(group.order);
}

Result<std::optional<ImportedOrder>> OrderReader::Impl::Next() {
    while (true) {
        CsvRecord record;
        if (lookahead_) {
            record = std::move(*lookahead_);
            lookahead_.reset();
        } else {
            YT_ASSIGN_OR_RETURN(bool have, records_->Next(record));
            if (!have) {
                if (!group_) return std::optional<ImportedOrder>();
                Group done = std::move(*group_);
                group_.reset();
                if (auto order = Finish(std::move(done))) return order;
                return std::optional<ImportedOrder>();
            }
        }
        const bool blank = std::all_of(record.fields.begin(), record.fields.end(),
                                       [](const std::string& f) { return internal::CleanCell(f).empty(); });
        if (blank) continue;
        std::string id = internal::CleanCell(Cell(record, kOrderId));
        if (id.empty()) {
            Reject(record, kOrderId, "empty order id");
            continue;
        }
        if (LooksScientific(id)) {
            // A file saved again by Excel turns long ids into `6.91792676882364E+18`: the digits
            // are gone and must not be guessed.
            Reject(record, kOrderId, "order id in scientific notation: the file was re-saved by Excel");
            continue;
        }
        if (group_ && group_->order.order_id == id) {
            // §京东: one row per SKU, 订单号 repeats: consecutive rows form one order.
            if (!AddRow(record, *group_, false)) group_->bad = true;
            continue;
        }
        if (group_) {
            lookahead_ = std::move(record);
            Group done = std::move(*group_);
            group_.reset();
            if (auto order = Finish(std::move(done))) return order;
            continue;
        }
        group_.emplace();
        group_->order.order_id = std::move(id);
        if (!AddRow(record, *group_, true)) group_->bad = true;
    }
}

OrderReader::OrderReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OrderReader::~OrderReader() = default;

Result<std::unique_ptr<OrderReader>> OrderReader::Open(const std::string& path, ReaderOptions options) {
    YT_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load(options.time_zone));
    YT_ASSIGN_OR_RETURN(std::unique_ptr<internal::RecordReader> records, internal::OpenRecords(path));
    auto impl = std::make_unique<Impl>(std::move(records), std::move(zone));
    YT_TRY(impl->ReadHeader(options));
    return std::unique_ptr<OrderReader>(new OrderReader(std::move(impl)));
}

Platform OrderReader::platform() const { return impl_->platform_; }
std::string_view OrderReader::encoding() const { return impl_->records_->encoding(); }
Result<std::optional<ImportedOrder>> OrderReader::Next() { return impl_->Next(); }
const std::vector<RowError>& OrderReader::errors() const { return impl_->errors_; }

const std::string& OrderReader::header_row() const { return impl_->header_row_; }
uint64_t OrderReader::bytes_read() const { return impl_->records_->bytes_read(); }
uint64_t OrderReader::bytes_total() const { return impl_->records_->bytes_total(); }
size_t OrderReader::peak_buffer_bytes() const { return impl_->records_->peak_buffer_bytes(); }

}  // namespace yutang::imports
