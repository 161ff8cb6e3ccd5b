// Importing a 1M-row 京东 order export: OrderReader alone, OrderImporter::Import into a fresh
// SQLite store, and a raw sqlite3 insert of the same orders rows as the baseline.
//
// The export is generated before the clock starts, streamed to a file in a temp dir from a fixed
// seed: the JD order export of a tea shop as the seller back-end gives it today — 36 columns (the
// 2015 set with 结算金额 → 商家应收, plus 商家SKUID, 订单标签, 虚拟号过期时间, 门店名称, 导购员账号,
// 承诺发货时间), one row per SKU with the order-level cells repeated, about 1.45 rows per order,
// encoded in GBK (YT_BENCH_IMPORT_ENCODING=utf8 for UTF-8). Buyers: 60 % of orders come from a
// buyer not seen before and 40 % from an earlier one, so the importer both creates and matches
// customers; a buyer's 下单帐号 is `jd_<hex>` or a Chinese nick (empty for 5 %), and their phone is
// masked as JD does today (`1******6198`, 70 %), full (20 %: the phone becomes an identity too) or
// empty (10 %). Orders whose buyer has no account and no full phone are stored unlinked. 客户姓名
// is masked (`王*`) with a masked phone; 应付金额 of orders still waiting to ship carries JD's
// `（系统计算中，该值仅供参考）`; one row in 20 011 has a quantity of `两` and its order is rejected.
//
// The cases, in the order they run (both export files are generated first, before anything is
// timed):
//
//   reader/OrderReader/<enc>          imports::OrderReader over the whole file (decode, CSV,
//                                     cells, grouping rows into orders); nothing is stored
//   import/OrderImporter/<enc>/batch:N
//                                     events::OrderImporter::Import into a fresh SQLite store
//                                     (journal_mode=WAL, every COMMIT fsynced) with N orders per
//                                     transaction (500 is the default of ImportOptions and of
//                                     import jobs; 5 000 shows what the batch size is worth):
//                                     read, resolve buyers, upsert orders and traits; then the
//                                     same file imported again (all unchanged, not timed in the
//                                     case's time: again_rows_per_s).
//                                     YT_BENCH_IMPORT_BATCH=N adds a case with N.
//                                     The case also measures its second baseline: the rows
//                                     the import wrote (customers, identities, orders, traits)
//                                     inserted again by raw sqlite3 into a fresh store with the
//                                     same schema, indexes and triggers, as many orders per
//                                     transaction (the adaptive case: its largest batch); see
//                                     MeasureWriteSet
//   sqlite/raw_orders_insert          the baseline: raw sqlite3 C API, the orders table with its
//                                     indexes, one INSERT per order of the same values and sizes
//                                     (lines JSON, a buyer blob of the encrypted size), prepared
//                                     once, 500 rows per BEGIN IMMEDIATE … COMMIT; building the
//                                     rows is not timed
//
// Counters: items_per_second and rows_per_s = export rows/s; orders_per_s; peak_rss_mb (VmHWM
// during the case, reset before it); written_kb_per_order (write_bytes of /proc/self/io: WAL and
// checkpoints); for the import, customers_created/_matched, unidentified, rejected_rows, db_mb,
// again_rows_per_s, raw_orders_per_s and raw_written_kb_per_order (the baseline measured again
// right after the case, over the same orders) and vs_raw = orders/s ÷ raw_orders_per_s;
// write_set_orders_per_s, write_set_written_kb_per_order and vs_write_set = orders/s ÷
// write_set_orders_per_s. YT_BENCH_WRITE_SET_BATCH, YT_BENCH_WRITE_SET_TRIGGERS=0 and
// YT_BENCH_WRITE_SET_CHECKPOINT=0 vary the second baseline (docs/benchmarks.md).
//
//   build/release/bench/import_benchmark --benchmark_counters_tabular=true   # 1 000 000 rows
//   YT_BENCH_IMPORT_ROWS=20000 build/release/bench/import_benchmark          # a smoke run
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <iconv.h>
#include <sqlite3.h>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/log.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/events/order_import.hpp"
#include "yutang/events/orders.hpp"
#include "yutang/imports/order_reader.hpp"
#include "yutang/store/migrations.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

#include "bench/bench_support.hpp"

namespace yutang::events {
namespace {

using bench::CheckOk;
using bench::Die;
using bench::TempDir;

constexpr TenantId kTenant(1);
constexpr size_t kBatchOrders = 500;  // the importer's default batch, and the baseline's transaction
constexpr uint64_t kSeed = 20260101;
constexpr int64_t kBadRowEvery = 20'011;

int64_t TargetRows() { return bench::EnvCount("YT_BENCH_IMPORT_ROWS", 1'000'000); }

double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// splitmix64's finaliser: a bijection on 64 bits, so distinct inputs give distinct values.
uint64_t Mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string Money2(int64_t fen) {
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(fen / 100),
                  static_cast<long long>(fen % 100));
    return text;
}

// Local wall time "YYYY-MM-DD HH:MM:SS" of `seconds` counted from 1970-01-01 00:00:00 local.
std::string WallTime(int64_t seconds) {
    using namespace std::chrono;
    const sys_seconds t{std::chrono::seconds{seconds}};
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return text;
}

// ---------------------------------------------------------------------------------------------
// The shop: products and buyers, all derived from numbers so that nothing needs storing.

constexpr std::string_view kBrands[] = {"鱼塘优选", "茗山堂", "云岭茶园", "西湖印象", "闽北老枞", "徽州茶社"};
constexpr std::string_view kItems[] = {
    "云南普洱熟茶饼", "西湖龙井明前特级", "安溪铁观音浓香型", "武夷山大红袍", "福鼎白茶寿眉饼",
    "正山小种红茶",   "黄山毛峰绿茶",     "凤凰单丛蜜兰香",   "茉莉花茶银针", "祁门红茶工夫",
    "陈皮白茶小青柑", "手工粗陶茶杯",     "玻璃公道杯",       "旅行便携茶具", "竹制茶盘",
    "紫砂壶西施壶",   "六堡茶罐装",       "碧螺春嫩芽",       "金骏眉蜜香",   "老白茶贡眉",
};
constexpr std::string_view kSpecs[] = {"357g 礼盒装", "250g 罐装", "500g 袋装", "100g×3罐", "一壶四杯", "单只装"};
constexpr std::string_view kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"};
constexpr std::string_view kGivenNames[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军"};
constexpr std::string_view kNickParts[] = {"爱喝茶", "小茶童", "老茶客", "清风", "明月", "山人", "茶香", "闲云"};
constexpr std::string_view kRegions[] = {
    "广东省深圳市南山区", "浙江省杭州市西湖区", "北京市朝阳区",       "上海市浦东新区",     "江苏省南京市鼓楼区",
    "四川省成都市武侯区", "湖北省武汉市洪山区", "福建省厦门市思明区", "山东省青岛市市南区", "陕西省西安市雁塔区",
};
constexpr std::string_view kStreets[] = {"科技园路", "文三路", "建国路", "世纪大道", "中山北路", "人民南路"};
constexpr std::string_view kSources[] = {"移动端", "PC端", "微信", "京东APP"};

constexpr int kProducts = 240;

struct Product {
    std::string id;         // 商品ID
    std::string sku;        // 商家SKUID
    std::string title;      // 商品名称
    std::string item_no;    // 货号
    int64_t price_fen = 0;  // 京东价
};

Product ProductAt(int index) {
    const auto u = static_cast<size_t>(index);
    Product p;
    p.id = std::to_string(100012000000ULL + Mix(u) % 900000);
    p.sku = "SKU-" + std::to_string(30000 + index);
    p.title = std::string(kBrands[u % std::size(kBrands)]) + " " + std::string(kItems[u % std::size(kItems)]) + " " +
              std::string(kSpecs[(u / 3) % std::size(kSpecs)]);
    if (index % 17 == 0) p.title += "，赠品随机";  // a comma: the cell gets quoted in the CSV
    p.item_no = "HH-" + std::to_string(1000 + index);
    p.price_fen = 990 + static_cast<int64_t>(Mix(u + 7) % 80000) / 10 * 10;
    return p;
}

const std::vector<Product>& Products() {
    static const std::vector<Product> products = [] {
        std::vector<Product> out;
        for (int i = 0; i < kProducts; ++i) out.push_back(ProductAt(i));
        return out;
    }();
    return products;
}

enum class PhoneKind { kMasked, kFull, kEmpty };

struct Buyer {
    std::string account;  // 下单帐号, "" for some
    std::string name;     // 客户姓名 as exported
    std::string address;  // 客户地址
    std::string phone;    // 联系电话 as exported
    PhoneKind phone_kind = PhoneKind::kMasked;
};

// A mainland mobile for buyer `b`: "1", a second digit 3–9 and nine more, built from parts.
std::string FullPhone(uint64_t b) {
    const uint64_t h = Mix(b ^ 0x5eed);
    std::string nine = std::to_string(100000000 + (b * 387'420'489ULL + h % 7) % 900000000);
    return "1" + std::to_string(3 + h % 7) + nine;
}

Buyer BuyerAt(uint64_t b) {
    const uint64_t h = Mix(b);
    Buyer buyer;
    const uint64_t account_kind = h % 100;
    if (account_kind < 70) {
        char hex[24];
        std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(Mix(b + 1) & 0xffffffffffffULL));
        buyer.account = "jd_" + std::string(hex);
    } else if (account_kind < 95) {
        buyer.account = std::string(kSurnames[(h >> 8) % std::size(kSurnames)]) +
                        std::string(kNickParts[(h >> 12) % std::size(kNickParts)]) + std::to_string(b);
    }
    const uint64_t phone_kind = (h >> 20) % 100;
    buyer.phone_kind = phone_kind < 70 ? PhoneKind::kMasked : phone_kind < 90 ? PhoneKind::kFull : PhoneKind::kEmpty;
    const std::string phone = FullPhone(b);
    const std::string surname(kSurnames[(h >> 28) % std::size(kSurnames)]);
    switch (buyer.phone_kind) {
        case PhoneKind::kMasked:
            buyer.phone = phone.substr(0, 1) + "******" + phone.substr(7);
            buyer.name = surname + "*";
            break;
        case PhoneKind::kFull:
            buyer.phone = phone;
            buyer.name = surname + std::string(kGivenNames[(h >> 32) % std::size(kGivenNames)]);
            break;
        case PhoneKind::kEmpty:
            buyer.name = surname + "*";
            break;
    }
    buyer.address = std::string(kRegions[(h >> 36) % std::size(kRegions)]) +
                    std::string(kStreets[(h >> 40) % std::size(kStreets)]) + std::to_string(1 + (h >> 44) % 300) +
                    "号" + std::to_string(1 + (h >> 52) % 20) + "栋" + std::to_string(101 + (h >> 56) % 30) + "室";
    return buyer;
}

// ---------------------------------------------------------------------------------------------
// The orders, one at a time, from a fixed seed.

struct GenLine {
    int product = 0;
    int64_t quantity = 1;
    bool bad = false;  // the row's 订购数量 is `两`
};

struct GenOrder {
    int64_t number = 0;  // 0, 1, 2 … in file order
    std::string id;      // 订单号
    uint64_t buyer = 0;
    std::string status;  // as exported
    std::string common_status;
    int64_t created = 0;  // local seconds
    std::optional<int64_t> paid;
    std::optional<int64_t> completed;
    int64_t shipping_fen = 0;
    int64_t total_fen = 0;
    std::vector<GenLine> lines;
    bool bad = false;
};

class OrderGenerator {
  public:
    explicit OrderGenerator(int64_t rows) : target_rows_(rows), rng_(kSeed) {
        // About 1.45 rows per order, spread over two years from 2024-01-01.
        const double orders = static_cast<double>(rows) / 1.45;
        seconds_per_order_ = std::max<int64_t>(1, static_cast<int64_t>(2.0 * 365 * 86400 / orders));
    }

    int64_t rows() const { return rows_; }

    // The next order, or false when the file has its rows.
    bool Next(GenOrder& order) {
        if (rows_ >= target_rows_) return false;
        order = GenOrder();
        order.number = orders_++;
        order.id = std::to_string(3'000'000'000'000LL + order.number * 7 + static_cast<int64_t>(rng_() % 7));
        // 60 % new buyers, 40 % someone who bought before (recent buyers more often).
        if (buyers_ == 0 || rng_() % 100 < 60) {
            order.buyer = buyers_++;
        } else {
            const uint64_t back = rng_() % 2 == 0 ? rng_() % std::min<uint64_t>(buyers_, 5000) : rng_() % buyers_;
            order.buyer = buyers_ - 1 - back;
        }
        const uint64_t lines_roll = rng_() % 100;
        const int lines = lines_roll < 70   ? 1
                          : lines_roll < 90 ? 2
                          : lines_roll < 97 ? 3
                                            : 4 + static_cast<int>(rng_() % 2);
        int64_t goods = 0;
        for (int i = 0; i < lines && rows_ < target_rows_; ++i) {
            GenLine line;
            line.product = static_cast<int>(rng_() % kProducts);
            line.quantity = rng_() % 100 < 85 ? 1 : 2 + static_cast<int64_t>(rng_() % 3);
            line.bad = (rows_ + 1) % kBadRowEvery == 0;
            order.bad = order.bad || line.bad;
            goods += Products()[static_cast<size_t>(line.product)].price_fen * line.quantity;
            order.lines.push_back(line);
            ++rows_;
        }
        order.shipping_fen = goods >= 9900 ? 0 : 600;
        order.total_fen = goods + order.shipping_fen;
        order.created = kStart + order.number * seconds_per_order_ + static_cast<int64_t>(rng_() % 60);
        const bool recent = rows_ > target_rows_ - target_rows_ / 50;  // the last 2 %: not delivered yet
        const uint64_t roll = rng_() % 100;
        if (recent) {
            order.status = roll < 50 ? "等待出库" : "等待确认收货";
            order.common_status = roll < 50 ? "paid" : "shipped";
        } else if (roll < 86) {
            order.status = "完成";
            order.common_status = "completed";
        } else if (roll < 95) {
            order.status = "已取消";
            order.common_status = "cancelled";
        } else if (roll < 99) {
            order.status = "(删除)完成";
            order.common_status = "completed";
        } else {
            order.status = "锁定";
            order.common_status = "paid";
        }
        if (order.common_status != "cancelled" || roll % 2 == 0)
            order.paid = order.created + 5 + static_cast<int64_t>(rng_() % 300);
        if (order.common_status == "completed")
            order.completed = order.created + 2 * 86400 + static_cast<int64_t>(rng_() % (4 * 86400));
        return true;
    }

  private:
    static constexpr int64_t kStart = 1'704'067'200;  // 2024-01-01 00:00:00

    int64_t target_rows_;
    std::mt19937_64 rng_;
    int64_t seconds_per_order_ = 1;
    int64_t rows_ = 0;
    int64_t orders_ = 0;
    uint64_t buyers_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The export file.

constexpr std::string_view kHeader[] = {"订单号",       "商品ID",
                                        "商家SKUID",    "商品名称",
                                        "订购数量",     "支付方式",
                                        "下单时间",     "京东价",
                                        "订单金额",     "商家应收",
                                        "余额支付",     "应付金额",
                                        "订单状态",     "订单类型",
                                        "订单标签",     "下单帐号",
                                        "客户姓名",     "客户地址",
                                        "联系电话",     "虚拟号过期时间",
                                        "订单备注",     "发票类型",
                                        "发票抬头",     "发票内容",
                                        "商家备注",     "商家备注等级（等级1-5为由高到低）",
                                        "运费金额",     "付款确认时间",
                                        "增值税发票",   "货号",
                                        "订单完成时间", "订单来源",
                                        "订单渠道",     "门店名称",
                                        "导购员账号",   "承诺发货时间"};

// Appends one CSV cell, quoted only when it must be (JD's CSV quotes little).
void AppendCell(std::string& out, std::string_view cell, bool first = false) {
    if (!first) out += ',';
    if (cell.find_first_of(",\"\n") == std::string_view::npos && cell.find("，") == std::string_view::npos) {
        out += cell;
        return;
    }
    out += '"';
    for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

void AppendRows(std::string& out, const GenOrder& order) {
    const Buyer buyer = BuyerAt(order.buyer);
    const std::string created = WallTime(order.created);
    const std::string paid = order.paid ? WallTime(*order.paid) : "";
    const std::string completed = order.completed ? WallTime(*order.completed) : "";
    const std::string promised = WallTime(order.created + 2 * 86400);
    const std::string total = Money2(order.total_fen);
    const bool provisional = order.common_status == "paid" || order.common_status == "shipped";
    const std::string payable = provisional ? total + "（系统计算中，该值仅供参考）" : total;
    const std::string receivable = Money2(order.total_fen - order.total_fen / 20);
    const std::string_view source = kSources[Mix(static_cast<uint64_t>(order.number)) % std::size(kSources)];
    for (const GenLine& line : order.lines) {
        const Product& p = Products()[static_cast<size_t>(line.product)];
        AppendCell(out, order.id, true);
        AppendCell(out, p.id);
        AppendCell(out, p.sku);
        AppendCell(out, p.title);
        AppendCell(out, line.bad ? "两" : std::to_string(line.quantity));
        AppendCell(out, "在线支付");
        AppendCell(out, created);
        AppendCell(out, Money2(p.price_fen));
        AppendCell(out, total);
        AppendCell(out, receivable);
        AppendCell(out, "0.00");
        AppendCell(out, payable);
        AppendCell(out, order.status);
        AppendCell(out, "普通订单");
        AppendCell(out, order.number % 3 == 0 ? "京东物流" : "");
        AppendCell(out, buyer.account);
        AppendCell(out, buyer.name);
        AppendCell(out, buyer.address);
        AppendCell(out, buyer.phone);
        AppendCell(out, buyer.phone_kind == PhoneKind::kMasked ? promised : "");
        AppendCell(out, order.number % 11 == 0 ? "请尽快发货，谢谢" : "");
        AppendCell(out, "电子发票");
        AppendCell(out, "个人");
        AppendCell(out, "商品明细");
        AppendCell(out, "");
        AppendCell(out, "");
        AppendCell(out, Money2(order.shipping_fen));
        AppendCell(out, paid);
        AppendCell(out, "否");
        AppendCell(out, p.item_no);
        AppendCell(out, completed);
        AppendCell(out, source);
        AppendCell(out, "京东商城");
        AppendCell(out, "");
        AppendCell(out, "");
        AppendCell(out, promised);
        out += "\r\n";
    }
}

// Streams UTF-8 text to a file, converted to GBK when asked.
class ExportWriter {
  public:
    ExportWriter(const std::string& path, bool gbk) : file_(std::fopen(path.c_str(), "wb")) {
        if (file_ == nullptr) Die("fopen " + path + ": " + std::strerror(errno));
        if (gbk) {
            iconv_ = ::iconv_open("GBK", "UTF-8");
            if (iconv_ == reinterpret_cast<iconv_t>(-1)) Die("iconv_open(GBK)");
        }
    }
    ~ExportWriter() {
        if (iconv_ != nullptr) ::iconv_close(iconv_);
    }
    ExportWriter(const ExportWriter&) = delete;
    ExportWriter& operator=(const ExportWriter&) = delete;

    // Writes `text` (whole rows) out.
    void Write(std::string& text) {
        if (iconv_ == nullptr) {
            Put(text.data(), text.size());
        } else {
            encoded_.resize(text.size() + 16);
            char* in = text.data();
            size_t in_left = text.size();
            char* out = encoded_.data();
            size_t out_left = encoded_.size();
            if (::iconv(iconv_, &in, &in_left, &out, &out_left) == static_cast<size_t>(-1))
                Die(std::string("iconv to GBK: ") + std::strerror(errno));
            Put(encoded_.data(), encoded_.size() - out_left);
        }
        text.clear();
    }
    void Close() {
        if (std::fclose(file_) != 0) Die("fclose");
        file_ = nullptr;
    }

  private:
    void Put(const char* data, size_t size) {
        if (std::fwrite(data, 1, size, file_) != size) Die(std::string("fwrite: ") + std::strerror(errno));
    }

    std::FILE* file_;
    iconv_t iconv_ = nullptr;
    std::string encoded_;
};

struct ExportFile {
    std::string path;
    std::string encoding;  // "GBK" or "UTF-8"
    int64_t rows = 0;      // data rows
    int64_t orders = 0;
    int64_t bad_orders = 0;
    int64_t bytes = 0;
    int64_t distinct_buyers = 0;
    double seconds = 0;  // to generate it
};

TempDir& FilesDir() {
    static TempDir dir;
    return dir;
}

ExportFile Generate(bool gbk) {
    const auto start = std::chrono::steady_clock::now();
    ExportFile file;
    file.encoding = gbk ? "GBK" : "UTF-8";
    file.path = FilesDir().path() + (gbk ? "/ExportOrderList-gbk.csv" : "/ExportOrderList-utf8.csv");
    ExportWriter writer(file.path, gbk);
    std::string text;
    for (size_t i = 0; i < std::size(kHeader); ++i) AppendCell(text, kHeader[i], i == 0);
    text += "\r\n";
    OrderGenerator generator(TargetRows());
    GenOrder order;
    uint64_t max_buyer = 0;
    while (generator.Next(order)) {
        AppendRows(text, order);
        ++file.orders;
        file.bad_orders += order.bad ? 1 : 0;
        max_buyer = std::max(max_buyer, order.buyer + 1);
        if (text.size() > (1 << 20)) writer.Write(text);
    }
    writer.Write(text);
    writer.Close();
    file.rows = generator.rows();
    file.distinct_buyers = static_cast<int64_t>(max_buyer);
    file.bytes = bench::FileBytes(file.path);
    file.seconds = SecondsSince(start);
    return file;
}

const ExportFile& File(bool gbk) {
    static std::optional<ExportFile> files[2];
    std::optional<ExportFile>& file = files[gbk ? 1 : 0];
    if (!file) {
        file = Generate(gbk);
        benchmark::AddCustomContext("export_" + file->encoding,
                                    std::to_string(file->rows) + " rows, " + std::to_string(file->orders) +
                                        " orders (" + std::to_string(file->bad_orders) + " with a bad row), " +
                                        std::to_string(file->distinct_buyers) + " buyers, " +
                                        std::to_string(file->bytes / (1 << 20)) + " MiB, generated in " +
                                        std::to_string(static_cast<int>(file->seconds)) + " s");
    }
    return *file;
}

// ---------------------------------------------------------------------------------------------
// The baseline: raw sqlite3, the orders table and its indexes, the same rows.

constexpr const char* kOrdersSchema =
    "CREATE TABLE orders (tenant_id BIGINT NOT NULL, order_id BIGINT NOT NULL, source TEXT NOT NULL, "
    "external_id TEXT NOT NULL, customer_id BIGINT, status TEXT NOT NULL, raw_status TEXT NOT NULL, "
    "total_fen BIGINT NOT NULL, paid_fen BIGINT NOT NULL, refunded_fen BIGINT NOT NULL, currency TEXT NOT NULL, "
    "ordered_at BIGINT NOT NULL, paid_at BIGINT, completed_at BIGINT, lines TEXT NOT NULL, buyer_hint TEXT NOT NULL, "
    "buyer_cipher BLOB NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, "
    "PRIMARY KEY (tenant_id, order_id));"
    "CREATE UNIQUE INDEX orders_external ON orders (tenant_id, source, external_id);"
    "CREATE INDEX orders_customer ON orders (tenant_id, customer_id, ordered_at);";
constexpr const char* kRawInsert =
    "INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, raw_status, total_fen, "
    "paid_fen, refunded_fen, currency, ordered_at, paid_at, completed_at, lines, buyer_hint, buyer_cipher, "
    "created_at, updated_at) VALUES (?1, ?2, 'jd', ?3, ?4, ?5, ?6, ?7, ?8, 0, 'CNY', ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?15)";

// The values the importer stores for one order.
struct RawOrder {
    std::string external_id;
    std::optional<int64_t> customer;
    std::string status;
    std::string raw_status;
    int64_t total = 0;
    int64_t paid = 0;
    int64_t ordered_at = 0;
    std::optional<int64_t> paid_at;
    std::optional<int64_t> completed_at;
    std::string lines;
    std::string hint;
    std::string cipher;
};

int64_t Micros(int64_t local_seconds) { return (local_seconds - 8 * 3600) * 1'000'000; }

RawOrder ToRaw(const GenOrder& order) {
    const Buyer buyer = BuyerAt(order.buyer);
    RawOrder raw;
    raw.external_id = order.id;
    if (!buyer.account.empty() || buyer.phone_kind == PhoneKind::kFull)
        raw.customer = static_cast<int64_t>(order.buyer) + 1;
    raw.status = order.common_status;
    raw.raw_status = order.status;
    raw.total = order.total_fen;
    raw.paid = order.paid ? order.total_fen : 0;
    raw.ordered_at = Micros(order.created);
    if (order.paid) raw.paid_at = Micros(*order.paid);
    if (order.completed) raw.completed_at = Micros(*order.completed);
    raw.lines = "[";
    for (const GenLine& line : order.lines) {
        const Product& p = Products()[static_cast<size_t>(line.product)];
        if (raw.lines.size() > 1) raw.lines += ",";
        raw.lines += R"({"sku":")" + p.id + R"(","title":")" + p.title + R"(","quantity":)" +
                     std::to_string(line.quantity) + R"(,"unit_price_fen":)" + std::to_string(p.price_fen) + "}";
    }
    raw.lines += "]";
    if (buyer.phone_kind == PhoneKind::kMasked) raw.hint = buyer.phone;
    // The encrypted buyer details: key id, nonce and tag (44 bytes) around the JSON.
    const std::string details = R"({"account":")" + buyer.account + R"(","name":")" + buyer.name + R"(","phone":")" +
                                buyer.phone + R"(","province":"广东省","city":"深圳市","address":")" + buyer.address +
                                "\"}";
    raw.cipher.assign(details.size() + 44, '\x5a');
    return raw;
}

class RawOrders : public bench::RawSqliteBase {
  public:
    explicit RawOrders(const std::string& path) : RawSqliteBase(path, kOrdersSchema, kRawInsert) {
        Exec("PRAGMA cache_size=-65536");  // as the store's writer
    }

    void Insert(const RawOrder& o, int64_t order_id) {
        auto text = [&](int index, const std::string& s) {
            sqlite3_bind_text(insert_, index, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
        };
        auto optional = [&](int index, const std::optional<int64_t>& v) {
            if (v)
                sqlite3_bind_int64(insert_, index, *v);
            else
                sqlite3_bind_null(insert_, index);
        };
        sqlite3_bind_int64(insert_, 1, kTenant.value());
        sqlite3_bind_int64(insert_, 2, order_id);
        text(3, o.external_id);
        optional(4, o.customer);
        text(5, o.status);
        text(6, o.raw_status);
        sqlite3_bind_int64(insert_, 7, o.total);
        sqlite3_bind_int64(insert_, 8, o.paid);
        sqlite3_bind_int64(insert_, 9, o.ordered_at);
        optional(10, o.paid_at);
        optional(11, o.completed_at);
        text(12, o.lines);
        text(13, o.hint);
        sqlite3_bind_blob(insert_, 14, o.cipher.data(), static_cast<int>(o.cipher.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert_, 15, 1'795'406'067'000'000);
        Step(insert_);
    }
};

struct RawResult {
    int64_t orders = 0;
    double seconds = 0;   // inserting only: building the rows is not timed
    int64_t written = 0;  // bytes written to storage (WAL, checkpoints)
};

// Inserts the export's orders (the good ones), 500 per transaction, into a fresh table.
RawResult MeasureRawInsert() {
    TempDir dir;
    RawOrders raw(dir.path() + "/baseline.db");
    OrderGenerator generator(TargetRows());
    RawResult result;
    std::vector<RawOrder> batch;
    GenOrder order;
    bool more = true;
    const int64_t written_before = bench::IoWriteBytes();
    while (more) {
        batch.clear();
        while (batch.size() < kBatchOrders && (more = generator.Next(order))) {
            if (!order.bad) batch.push_back(ToRaw(order));
        }
        if (batch.empty()) break;
        const auto start = std::chrono::steady_clock::now();
        raw.Begin();
        for (const RawOrder& o : batch) raw.Insert(o, ++result.orders);
        raw.Commit();
        result.seconds += SecondsSince(start);
    }
    result.written = bench::IoWriteBytes() - written_before;
    return result;
}

// ---------------------------------------------------------------------------------------------
// The cases.

const KeyRing& Keys() {
    static const KeyRing keys = [] {
        CheckOk(InitCrypto(), "InitCrypto");
        return KeyRing::Generate();
    }();
    return keys;
}

void BM_Reader(benchmark::State& state, bool gbk) {
    const ExportFile& file = File(gbk);
    int64_t orders = 0;
    int64_t lines = 0;
    size_t rejected = 0;
    size_t peak_buffer = 0;
    double seconds = 0;
    bench::ResetPeakRss();
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        auto reader = imports::OrderReader::Open(file.path, {.platform = std::nullopt});
        CheckOk(reader.status(), "OrderReader::Open");
        while (true) {
            auto next = (*reader)->Next();
            CheckOk(next.status(), "OrderReader::Next");
            if (!*next) break;
            ++orders;
            lines += static_cast<int64_t>((*next)->lines.size());
            benchmark::DoNotOptimize(**next);
        }
        seconds += SecondsSince(start);
        rejected = (*reader)->errors().size();
        peak_buffer = (*reader)->peak_buffer_bytes();
        if ((*reader)->encoding() != (gbk ? "GB18030" : "UTF-8")) Die("unexpected encoding");
    }
    const auto iterations = static_cast<int64_t>(state.iterations());
    if (orders != (file.orders - file.bad_orders) * iterations) {
        state.SkipWithError(
            ("read " + std::to_string(orders) + " orders, expected " + std::to_string(file.orders - file.bad_orders))
                .c_str());
        return;
    }
    state.SetItemsProcessed(file.rows * iterations);
    state.SetBytesProcessed(file.bytes * iterations);
    state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(file.rows * iterations) / seconds);
    state.counters["orders_per_s"] = benchmark::Counter(static_cast<double>(orders) / seconds);
    state.counters["lines"] = benchmark::Counter(static_cast<double>(lines / iterations));
    state.counters["rejected_rows"] = benchmark::Counter(static_cast<double>(rejected));
    state.counters["peak_rss_mb"] = benchmark::Counter(static_cast<double>(bench::PeakRssBytes()) / (1 << 20));
    state.counters["buffer_kb"] = benchmark::Counter(static_cast<double>(peak_buffer) / 1024);
}

// A fresh store with one merchant.
struct ImportStack {
    TempDir dir;
    std::unique_ptr<store::Database> db;
    customers::IdentityResolver resolver{Keys(), SystemClock::Instance()};
    OrderStore orders{Keys(), SystemClock::Instance()};
    std::optional<OrderImporter> importer;

    ImportStack() {
        auto opened = store::OpenSqlite({.path = dir.path() + "/yutang.db"});
        CheckOk(opened.status(), "OpenSqlite");
        db = std::move(opened).value();
        CheckOk(store::ApplyMigrations(*db, store::BuiltinMigrations(), SystemClock::Instance()).status(),
                "migrations");
        CheckOk(db->Write([](store::Session& s) {
            return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'bench', 0)").status();
        }),
                "tenant");
        importer.emplace(*db, resolver, orders, SystemClock::Instance());
    }

    int64_t DbBytes() const {
        return bench::FileBytes(dir.path() + "/yutang.db") + bench::FileBytes(dir.path() + "/yutang.db-wal");
    }
};

// ---------------------------------------------------------------------------------------------
// The second baseline: the rows an import wrote (customers, identities, orders, traits),
// inserted again by raw sqlite3 into a fresh store with the same schema, indexes and triggers.

// Rows of a SELECT whose first column is a key and the others the values to insert, copied
// (sqlite3_value_dup) so that they outlive the statement's step.
class HeldRows {
  public:
    HeldRows() = default;
    ~HeldRows() { Clear(); }
    HeldRows(const HeldRows&) = delete;
    HeldRows& operator=(const HeldRows&) = delete;

    // Copies the row `select` stands on.
    void Add(sqlite3_stmt* select) {
        const int columns = sqlite3_column_count(select);
        columns_ = static_cast<size_t>(columns - 1);
        for (int i = 1; i < columns; ++i) values_.push_back(sqlite3_value_dup(sqlite3_column_value(select, i)));
    }
    // Binds each row in turn to `insert` (parameters in column order) and calls step(insert).
    template <typename StepFn>
    void Insert(sqlite3_stmt* insert, StepFn step) const {
        for (size_t from = 0; from < values_.size(); from += columns_) {
            for (size_t i = 0; i < columns_; ++i)
                sqlite3_bind_value(insert, static_cast<int>(i + 1), values_[from + i]);
            step(insert);
        }
    }
    void Clear() {
        for (sqlite3_value* v : values_) sqlite3_value_free(v);
        values_.clear();
    }

  private:
    size_t columns_ = 1;
    std::vector<sqlite3_value*> values_;
};

// YT_BENCH_WRITE_SET_TRIGGERS=0 and YT_BENCH_WRITE_SET_CHECKPOINT=0, for experiments with the
// write set (docs/benchmarks.md): the copy without the change log's triggers, or with its WAL
// never checkpointed during the run.
bool EnvOff(const char* name) {
    const char* text = std::getenv(name);
    return text != nullptr && std::string_view(text) == "0";
}

// The values are bound in the order the SELECTs of MeasureWriteSet list them.
class RawWriteSet : public bench::RawSqliteBase {
  public:
    // `path`: a fresh store, migrations applied and the merchant inserted, not open elsewhere.
    explicit RawWriteSet(const std::string& path)
        : RawSqliteBase(path, "PRAGMA cache_size=-65536",  // as the store's writer
                        "INSERT INTO orders (tenant_id, order_id, source, external_id, customer_id, status, "
                        "raw_status, total_fen, paid_fen, refunded_fen, currency, ordered_at, paid_at, completed_at, "
                        "lines, buyer_hint, buyer_cipher, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)") {
        if (EnvOff("YT_BENCH_WRITE_SET_CHECKPOINT")) Exec("PRAGMA wal_autocheckpoint=0");
        if (EnvOff("YT_BENCH_WRITE_SET_TRIGGERS")) {
            std::vector<std::string> triggers;
            sqlite3_stmt* names =
                Prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_logged'");
            while (bench::NextRow(names))
                triggers.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(names, 0)));
            sqlite3_finalize(names);
            for (const std::string& name : triggers) Exec(("DROP TRIGGER " + name).c_str());
        }
        customer_ = Prepare(
            "INSERT INTO customers (tenant_id, customer_id, merged_into, created_at, updated_at, owner_staff_id, "
            "source_channel, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        identity_ = Prepare(
            "INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
            "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        traits_ = Prepare(
            "INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
            "first_order_at, last_order_at, platform_counts, updated_at, lifecycle_stage) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
            "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET order_count = excluded.order_count, "
            "total_spend_fen = excluded.total_spend_fen, refunded_fen = excluded.refunded_fen, "
            "first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, "
            "platform_counts = excluded.platform_counts, updated_at = excluded.updated_at, "
            "lifecycle_stage = excluded.lifecycle_stage");
    }
    ~RawWriteSet() {
        sqlite3_finalize(customer_);
        sqlite3_finalize(identity_);
        sqlite3_finalize(traits_);
    }
    RawWriteSet(const RawWriteSet&) = delete;
    RawWriteSet& operator=(const RawWriteSet&) = delete;

    // One transaction: the customers and identities, then the orders, then the traits.
    void Insert(const HeldRows& customers, const HeldRows& identities, const HeldRows& orders, const HeldRows& traits) {
        const auto step = [this](sqlite3_stmt* stmt) { Step(stmt); };
        Begin();
        customers.Insert(customer_, step);
        identities.Insert(identity_, step);
        orders.Insert(insert_, step);
        traits.Insert(traits_, step);
        Commit();
    }

    int64_t Count(const char* table) { return bench::ScalarOn(db_, std::string("SELECT count(*) FROM ") + table); }

  private:
    sqlite3_stmt* customer_ = nullptr;
    sqlite3_stmt* identity_ = nullptr;
    sqlite3_stmt* traits_ = nullptr;
};

// Inserts again what an import stored in the store file `imported`, `batch` orders per
// transaction, in the order the import wrote them: each transaction holds its orders, the
// customers created up to its largest buyer with their identities, and one traits row per buyer
// (as the importer recomputes them once per customer and batch). Only the inserts and commits
// are timed; reading the stored rows is not.
RawResult MeasureWriteSet(const std::string& imported, size_t batch) {
    batch = static_cast<size_t>(bench::EnvCount("YT_BENCH_WRITE_SET_BATCH", static_cast<int64_t>(batch)));
    sqlite3* source = nullptr;
    if (sqlite3_open_v2(imported.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        Die("sqlite3_open_v2 " + imported);
    }
    sqlite3_stmt* customer_rows = bench::PrepareOn(
        source,
        "SELECT customer_id, tenant_id, customer_id, merged_into, created_at, updated_at, owner_staff_id, "
        "source_channel, last_seen_at FROM customers ORDER BY tenant_id, customer_id");
    sqlite3_stmt* identity_rows = bench::PrepareOn(
        source,
        "SELECT customer_id, tenant_id, kind, value_index, value_cipher, hint, customer_id, source, created_at "
        "FROM customer_identities ORDER BY tenant_id, customer_id");
    sqlite3_stmt* order_rows = bench::PrepareOn(
        source,
        "SELECT coalesce(customer_id, 0), tenant_id, order_id, source, external_id, customer_id, status, raw_status, "
        "total_fen, paid_fen, refunded_fen, currency, ordered_at, paid_at, completed_at, lines, buyer_hint, "
        "buyer_cipher, created_at, updated_at FROM orders ORDER BY tenant_id, order_id");
    sqlite3_stmt* traits_row = bench::PrepareOn(
        source,
        "SELECT customer_id, tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, first_order_at, "
        "last_order_at, platform_counts, updated_at, lifecycle_stage FROM customer_traits WHERE tenant_id = ?1 AND "
        "customer_id = ?2");
    RawResult result;
    ImportStack fresh;  // a fresh store: migrations and the merchant
    fresh.importer.reset();
    fresh.db.reset();
    {
        RawWriteSet copy(fresh.dir.path() + "/yutang.db");
        HeldRows customers, identities, orders, traits;
        bool more_customers = bench::NextRow(customer_rows);
        bool more_identities = bench::NextRow(identity_rows);
        bool more_orders = bench::NextRow(order_rows);
        const int64_t written_before = bench::IoWriteBytes();
        while (more_orders) {
            customers.Clear();
            identities.Clear();
            orders.Clear();
            traits.Clear();
            std::vector<int64_t> buyers;
            for (size_t n = 0; n < batch && more_orders; ++n, more_orders = bench::NextRow(order_rows)) {
                if (const int64_t buyer = sqlite3_column_int64(order_rows, 0); buyer != 0) buyers.push_back(buyer);
                orders.Add(order_rows);
                ++result.orders;
            }
            const int64_t last = buyers.empty() ? 0 : *std::max_element(buyers.begin(), buyers.end());
            for (; more_customers && sqlite3_column_int64(customer_rows, 0) <= last;
                 more_customers = bench::NextRow(customer_rows)) {
                customers.Add(customer_rows);
            }
            for (; more_identities && sqlite3_column_int64(identity_rows, 0) <= last;
                 more_identities = bench::NextRow(identity_rows)) {
                identities.Add(identity_rows);
            }
            std::sort(buyers.begin(), buyers.end());
            buyers.erase(std::unique(buyers.begin(), buyers.end()), buyers.end());
            for (int64_t buyer : buyers) {
                sqlite3_bind_int64(traits_row, 1, kTenant.value());
                sqlite3_bind_int64(traits_row, 2, buyer);
                if (bench::NextRow(traits_row)) traits.Add(traits_row);
                sqlite3_reset(traits_row);
            }
            const auto start = std::chrono::steady_clock::now();
            copy.Insert(customers, identities, orders, traits);
            result.seconds += SecondsSince(start);
        }
        result.written = bench::IoWriteBytes() - written_before;
        for (const char* table : {"customers", "customer_identities", "orders", "customer_traits"}) {
            if (bench::ScalarOn(source, std::string("SELECT count(*) FROM ") + table) != copy.Count(table)) {
                Die(std::string("the copy misses rows of ") + table);
            }
        }
    }
    for (sqlite3_stmt* stmt : {customer_rows, identity_rows, order_rows, traits_row}) sqlite3_finalize(stmt);
    sqlite3_close_v2(source);
    return result;
}

void BM_Import(benchmark::State& state, bool gbk, size_t batch, size_t max_batch) {
    const ExportFile& file = File(gbk);
    std::optional<ImportReport> report;
    std::optional<ImportReport> again;
    double seconds = 0;
    double again_seconds = 0;
    int64_t db_bytes = 0;
    int64_t peak_rss = 0;
    int64_t written = 0;
    RawResult write_set;
    for (auto _ : state) {
        state.PauseTiming();
        auto stack = std::make_unique<ImportStack>();
        bench::ResetPeakRss();
        state.ResumeTiming();
        const int64_t written_before = bench::IoWriteBytes();
        auto start = std::chrono::steady_clock::now();
        auto imported = stack->importer->Import(
            kTenant, file.path,
            {.reader = {.platform = std::nullopt}, .batch_size = batch, .max_batch_size = max_batch});
        CheckOk(imported.status(), "Import");
        seconds = SecondsSince(start);
        written = bench::IoWriteBytes() - written_before;
        state.PauseTiming();
        peak_rss = bench::PeakRssBytes();
        report = std::move(imported).value();
        start = std::chrono::steady_clock::now();
        auto second = stack->importer->Import(
            kTenant, file.path,
            {.reader = {.platform = std::nullopt}, .batch_size = batch, .max_batch_size = max_batch});
        CheckOk(second.status(), "Import again");
        again_seconds = SecondsSince(start);
        again = std::move(second).value();
        db_bytes = stack->DbBytes();
        write_set = MeasureWriteSet(stack->dir.path() + "/yutang.db", max_batch ? max_batch : batch);
        stack.reset();
        state.ResumeTiming();
    }
    const int64_t good = file.orders - file.bad_orders;
    if (report->orders_read != good || report->orders_created != good || again->orders_unchanged != good) {
        state.SkipWithError(("orders read " + std::to_string(report->orders_read) + ", created " +
                             std::to_string(report->orders_created) + ", unchanged on the second import " +
                             std::to_string(again->orders_unchanged) + "; expected " + std::to_string(good))
                                .c_str());
        return;
    }
    const double orders_per_s = static_cast<double>(good) / seconds;
    state.SetItemsProcessed(file.rows * static_cast<int64_t>(state.iterations()));
    state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(file.rows) / seconds);
    state.counters["orders_per_s"] = benchmark::Counter(orders_per_s);
    state.counters["customers_created"] = benchmark::Counter(static_cast<double>(report->customers_created));
    state.counters["customers_matched"] = benchmark::Counter(static_cast<double>(report->customers_matched));
    state.counters["unidentified"] = benchmark::Counter(static_cast<double>(report->orders_unidentified));
    state.counters["rejected_rows"] = benchmark::Counter(static_cast<double>(report->rejected.size()));
    state.counters["db_mb"] = benchmark::Counter(static_cast<double>(db_bytes) / (1 << 20));
    state.counters["peak_rss_mb"] = benchmark::Counter(static_cast<double>(peak_rss) / (1 << 20));
    state.counters["written_kb_per_order"] =
        benchmark::Counter(static_cast<double>(written) / 1024 / static_cast<double>(good));
    state.counters["again_rows_per_s"] = benchmark::Counter(static_cast<double>(file.rows) / again_seconds);
    const RawResult raw = MeasureRawInsert();
    const double raw_rate = static_cast<double>(raw.orders) / raw.seconds;
    state.counters["raw_orders_per_s"] = benchmark::Counter(raw_rate);
    state.counters["raw_written_kb_per_order"] =
        benchmark::Counter(static_cast<double>(raw.written) / 1024 / static_cast<double>(raw.orders));
    state.counters["vs_raw"] = benchmark::Counter(orders_per_s / raw_rate);
    const double write_set_rate = static_cast<double>(write_set.orders) / write_set.seconds;
    state.counters["write_set_orders_per_s"] = benchmark::Counter(write_set_rate);
    state.counters["write_set_written_kb_per_order"] =
        benchmark::Counter(static_cast<double>(write_set.written) / 1024 / static_cast<double>(write_set.orders));
    state.counters["vs_write_set"] = benchmark::Counter(orders_per_s / write_set_rate);
}

void BM_RawOrdersInsert(benchmark::State& state) {
    RawResult result;
    for (auto _ : state) {
        // The rows are built between transactions; only the inserts and commits are timed.
        result = MeasureRawInsert();
        state.SetIterationTime(result.seconds);
    }
    const double orders_per_s = static_cast<double>(result.orders) / result.seconds;
    state.SetItemsProcessed(result.orders * static_cast<int64_t>(state.iterations()));
    state.counters["orders_per_s"] = benchmark::Counter(orders_per_s);
    state.counters["written_kb_per_order"] =
        benchmark::Counter(static_cast<double>(result.written) / 1024 / static_cast<double>(result.orders));
    // Its ratio against a second measurement shows the noise floor (ideally 1).
    const RawResult again = MeasureRawInsert();
    const double raw_rate = static_cast<double>(again.orders) / again.seconds;
    state.counters["raw_orders_per_s"] = benchmark::Counter(raw_rate);
    state.counters["vs_raw"] = benchmark::Counter(orders_per_s / raw_rate);
}

// ---------------------------------------------------------------------------------------------

void AddContext() {
    benchmark::AddCustomContext("cores", std::to_string(std::thread::hardware_concurrency()));
    benchmark::AddCustomContext("cpu_model", bench::ReadFirstMatch("/proc/cpuinfo", "model name"));
    benchmark::AddCustomContext("temp_dir", TempDir::BaseDir() + " (" + bench::FilesystemOf(TempDir::BaseDir()) + ")");
    benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
    benchmark::AddCustomContext("sqlite_settings",
                                "journal_mode=WAL, every COMMIT fsynced, 500 orders per transaction");
    benchmark::AddCustomContext("export_rows", std::to_string(TargetRows()) + " (YT_BENCH_IMPORT_ROWS)");
}

bool ImportGbk() {
    const char* encoding = std::getenv("YT_BENCH_IMPORT_ENCODING");
    return encoding == nullptr || std::string_view(encoding) != "utf8";
}

void GenerateFiles() {
    File(true);
    File(false);
}

void RegisterAll() {
    const bool gbk = ImportGbk();
    const std::string suffix = gbk ? "gbk" : "utf8";
    for (bool reader_gbk : {true, false}) {
        const std::string name = std::string("reader/OrderReader/") + (reader_gbk ? "gbk" : "utf8");
        benchmark::RegisterBenchmark(name.c_str(), [reader_gbk](benchmark::State& s) { BM_Reader(s, reader_gbk); })
            ->Iterations(1)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
    // Fixed batches of 500 and 5000 orders, and the adaptive batches the CLI and import jobs use
    // (from 500, doubling while a transaction takes under 75 ms, up to 5000).
    std::vector<std::pair<size_t, size_t>> batches = {{500, 0}, {5000, 0}, {500, events::kAdaptiveImportMaxBatch}};
    if (const int64_t extra = bench::EnvCount("YT_BENCH_IMPORT_BATCH", 0); extra > 0) {
        batches.emplace_back(static_cast<size_t>(extra), 0);
    }
    for (const auto& [batch, max_batch] : batches) {
        const std::string name = "import/OrderImporter/" + suffix +
                                 (max_batch ? "/adaptive:" + std::to_string(batch) + "-" + std::to_string(max_batch)
                                            : "/batch:" + std::to_string(batch));
        benchmark::RegisterBenchmark(
            name.c_str(), [gbk, batch, max_batch](benchmark::State& s) { BM_Import(s, gbk, batch, max_batch); })
            ->Iterations(1)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark("sqlite/raw_orders_insert", BM_RawOrdersInsert)
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace yutang::events

int main(int argc, char** argv) {
    yutang::store::ConfigureSqliteLibrary();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (!yutang::InitLogging({.level = "warn"}).ok()) return 1;
    yutang::events::AddContext();
    yutang::events::RegisterAll();
    yutang::events::GenerateFiles();  // before the context is printed
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
