#include "yutang/events/order_import.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/export_files.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

using testing::Cell;
using testing::DateCell;
using testing::NumberCell;

// A JD export as merchants download it today: one row per SKU, masked phones, one bad row.
constexpr const char* kJdExport =
    "订单号,商品ID,商品名称,订购数量,下单时间,订单金额,应付金额,订单状态,下单帐号,客户姓名,客户地址,联系电话,"
    "付款确认时间,订单完成时间,京东价\n"
    "J100,1001,保温杯,2,2026-11-01 10:00:00,306.00,306.00,完成,jd_alice,张三,广东省深圳市南山区1号,1******6198,"
    "2026-11-01 10:01:00,2026-11-05 10:00:00,99.00\n"
    "J100,1002,杯套,1,2026-11-01 10:00:00,306.00,306.00,完成,jd_alice,张三,广东省深圳市南山区1号,1******6198,"
    "2026-11-01 10:01:00,2026-11-05 10:00:00,108.00\n"
    "J101,1001,保温杯,1,2026-11-10 09:00:00,99.00,99.00,完成,jd_alice,张三,广东省深圳市南山区1号,1******6198,"
    "2026-11-10 09:01:00,2026-11-12 10:00:00,99.00\n"
    "J102,1003,茶叶,1,2026-11-11 09:00:00,abc,50.00,完成,jd_bob,李四,北京市朝阳区2号,1******1234,"
    "2026-11-11 09:01:00,,50.00\n"
    "J103,1003,茶叶,1,2026-11-12 09:00:00,50.00,50.00,已取消,,王五,上海市3号,1******5555,,,50.00\n";

class OrderImportTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(
            db_->Write([](store::Session& s) {
                   return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0)").status();
               })
                .ok());
        std::ofstream(dir_.File("ExportOrderList.csv")) << kJdExport;
        importer_ = std::make_unique<OrderImporter>(*db_, resolver_, orders_, clock_);
    }
    int64_t Count(const std::string& sql) {
        int64_t n = -1;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
                           n = row->IsNull(0) ? 0 : row->Int(0);
                           return OkStatus();
                       })
                        .ok());
        return n;
    }
    // Every row a second import could touch, with its last change.
    std::string Snapshot() {
        std::string out;
        for (const char* sql :
             {"SELECT COUNT(*) FROM orders", "SELECT MAX(updated_at) FROM orders", "SELECT COUNT(*) FROM customers",
              "SELECT MAX(updated_at) FROM customers", "SELECT COUNT(*) FROM customer_identities",
              "SELECT MAX(updated_at) FROM customer_traits", "SELECT COUNT(*) FROM customer_merges",
              "SELECT SUM(total_spend_fen) FROM customer_traits", "SELECT SUM(refunded_fen) FROM customer_traits"})
            out += std::to_string(Count(sql)) + "/";
        return out;
    }
    Result<ImportReport> Import() {
        return importer_->Import(TenantId(1), dir_.File("ExportOrderList.csv"),
                                 {.reader = {}, .batch_size = 2, .rejected_path = dir_.File("rejected.csv")});
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    customers::IdentityResolver resolver_{keys_, clock_};
    OrderStore orders_{keys_, clock_};
    std::unique_ptr<OrderImporter> importer_;
};

TEST_F(OrderImportTest, ImportsKeepsBadRowsAsideAndLinksBuyersByAccountNotMaskedPhone) {
    auto report = Import();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->platform, "jd");
    EXPECT_EQ(report->orders_read, 3);
    EXPECT_EQ(report->orders_created, 3);
    EXPECT_EQ(report->customers_created, 1);    // jd_alice
    EXPECT_EQ(report->customers_matched, 1);    // jd_alice again
    EXPECT_EQ(report->orders_unidentified, 1);  // J103: no account, masked phone only
    ASSERT_EQ(report->rejected.size(), 1u);
    EXPECT_EQ(report->rejected[0].line, 5);
    EXPECT_EQ(report->rejected_file, dir_.File("rejected.csv"));
    std::stringstream rejected;
    rejected << std::ifstream(dir_.File("rejected.csv")).rdbuf();
    EXPECT_NE(rejected.str().find("J102"), std::string::npos);

    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 3);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_identities WHERE kind = 'phone'"), 0) << "masked phones are hints";
    EXPECT_EQ(Count("SELECT order_count FROM customer_traits"), 2);
    EXPECT_EQ(Count("SELECT total_spend_fen FROM customer_traits"), 40500);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE customer_id IS NULL AND status = 'cancelled'"), 1);
}

TEST_F(OrderImportTest, ImportingTheSameFileTwiceChangesNothing) {
    ASSERT_TRUE(Import().ok());
    const std::string before = Snapshot();
    clock_.Advance(std::chrono::hours(1));
    auto again = Import();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->orders_unchanged, 3);
    EXPECT_EQ(again->orders_created + again->orders_updated + again->customers_created, 0);
    EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderImportTest, UnknownFilesAreRefusedWithAReason) {
    std::ofstream(dir_.File("notes.csv")) << "a,b,c\n1,2,3\n";
    auto report = importer_->Import(TenantId(1), dir_.File("notes.csv"), {});
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(importer_->Import(TenantId(1), dir_.File("missing.csv"), {}).status().code(), ErrorCode::kNotFound);
}

// A store that answers WriteThen late, from a thread of its own, as the SQLite store does while
// its syncer catches up: a transaction is answered once the next one has committed, or after
// 300 ms. The answer of transaction number `fail_at` (from 1) is a failed sync.
class LateAnswers : public store::Database {
  public:
    LateAnswers(store::Database& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}
    ~LateAnswers() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    store::Dialect dialect() const override { return inner_.dialect(); }
    Status Write(const store::Work& work) override { return inner_.Write(work); }
    Status Read(const store::Work& work) override { return inner_.Read(work); }
    Status Ping() override { return inner_.Ping(); }
    void WriteThen(const store::Work& work, std::function<void(Status)> durable) override {
        Status status = inner_.Write(work);
        std::lock_guard lock(mutex_);
        if (++writes_ == fail_at_) status = Unavailable("the disk failed");
        waiting_.push_back({std::move(status), std::move(durable), std::chrono::steady_clock::now()});
        most_waiting_ = std::max(most_waiting_, waiting_.size());
        changed_.notify_all();
    }
    // The most transactions that were waiting for their answer at once, and those still waiting.
    size_t most_waiting() {
        std::lock_guard lock(mutex_);
        return most_waiting_;
    }
    size_t waiting() {
        std::lock_guard lock(mutex_);
        return waiting_.size();
    }

  private:
    struct Waiting {
        Status status;
        std::function<void(Status)> durable;
        std::chrono::steady_clock::time_point committed;
    };
    void Run() {
        std::unique_lock lock(mutex_);
        while (true) {
            changed_.wait_for(lock, std::chrono::milliseconds(10));
            if (waiting_.empty()) {
                if (stopping_) return;
                continue;
            }
            const bool due =
                waiting_.size() >= 2 || stopping_ ||
                std::chrono::steady_clock::now() - waiting_.front().committed > std::chrono::milliseconds(300);
            if (!due) continue;
            Waiting first = std::move(waiting_.front());
            waiting_.pop_front();
            lock.unlock();
            first.durable(first.status);
            lock.lock();
        }
    }

    store::Database& inner_;
    const int fail_at_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Waiting> waiting_;
    int writes_ = 0;
    size_t most_waiting_ = 0;
    bool stopping_ = false;
    std::thread thread_{[this] { Run(); }};  // last: starts once the members above exist
};

TEST_F(OrderImportTest, WritesTheNextBatchWhileTheDiskCatchesUpAndAnswersOnceAllAreDurable) {
    LateAnswers late(*db_, /*fail_at=*/0);
    OrderImporter importer(late, resolver_, orders_, clock_);
    auto report = importer.Import(TenantId(1), dir_.File("ExportOrderList.csv"), {.reader = {}, .batch_size = 1});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->orders_created, 3);
    EXPECT_EQ(late.waiting(), 0u) << "answered before every batch was durable";
    EXPECT_EQ(late.most_waiting(), 2u) << "one batch written while the one before it syncs, never more";
}

TEST_F(OrderImportTest, AFailedSyncFailsTheImport) {
    LateAnswers late(*db_, /*fail_at=*/2);
    OrderImporter importer(late, resolver_, orders_, clock_);
    auto report = importer.Import(TenantId(1), dir_.File("ExportOrderList.csv"), {.reader = {}, .batch_size = 1});
    EXPECT_EQ(report.status().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(report.status().message(), "the disk failed");
    EXPECT_EQ(late.waiting(), 0u);
}

TEST_F(OrderImportTest, AdaptiveBatchesGrowWhileTransactionsAreQuick) {
    // 60 one-row orders; quick transactions double the batch from 2 up to 16.
    std::string csv =
        "订单号,商品ID,商品名称,订购数量,下单时间,订单金额,应付金额,订单状态,下单帐号,客户姓名,客户地址,联系电话,"
        "付款确认时间,订单完成时间,京东价\n";
    for (int i = 0; i < 60; ++i) {
        csv += "K" + std::to_string(i) + ",1001,保温杯,1,2026-11-01 10:00:00,99.00,99.00,完成,jd_k" +
               std::to_string(i % 7) + ",张三,广东省深圳市南山区1号,1******6198,2026-11-01 10:01:00,,99.00\n";
    }
    std::ofstream(dir_.File("many.csv")) << csv;
    std::vector<int64_t> batch_ends;
    auto report = importer_->Import(TenantId(1), dir_.File("many.csv"),
                                    {.reader = {},
                                     .batch_size = 2,
                                     .max_batch_size = 16,
                                     .target_transaction_time = std::chrono::seconds(10),
                                     .progress = [&](uint64_t, uint64_t, const ImportReport& so_far) {
                                         batch_ends.push_back(so_far.orders_read);
                                     }});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->orders_created, 60);
    EXPECT_EQ(batch_ends, (std::vector<int64_t>{2, 6, 14, 30, 46, 60}));
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 60);
}

// Every platform's export, in every form its back-end ships it in, through the whole importer: the same orders with two
// bad rows each, as a CSV in GBK or UTF-8 (with or without BOM) with the platform's cell quirks, or as a workbook with
// typed number and date cells. The good orders go in, the bad rows are reported by line and column and kept aside, and
// importing the same file a second time changes nothing.

// Full mobiles are split so that no source line holds one whole.
const std::string kPhoneA = std::string("138") + "0000" + "1111";
const std::string kPhoneB = std::string("137") + "0000" + "3333";

// An export as a platform writes it: its header and rows (cells by trimmed header name; a
// missing cell is empty), and how it writes cells.
struct ExportTable {
    std::vector<std::string> header;  // as in the file (Taobao's carry trailing spaces)
    std::vector<std::map<std::string, std::string>> rows;
    // CSV: every cell quoted; what ends every data row (JD 2015: a comma); a prefix and suffix
    // around some columns' values (Taobao ="…" ids and '… phones, Douyin's TAB before ids); how
    // an empty cell is written (Douyin "-", PDD a lone TAB).
    bool quote_all = false;
    std::string row_trailer;
    std::map<std::string, std::pair<std::string, std::string>> wrapped;
    std::string empty_cell;
    // Workbook: columns written as number cells and as date cells (when their text is one).
    std::set<std::string> numbers;
    std::set<std::string> dates;
    std::optional<imports::ColumnMapping> mapping;  // for the mapped importer
};

enum class Form { kCsvGbk, kCsvUtf8, kCsvUtf8Bom, kXlsx };

std::string Trimmed(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

std::string CsvText(const ExportTable& table) {
    std::string text;
    for (size_t i = 0; i < table.header.size(); ++i)
        text += (i ? "," : "") + testing::CsvCell(table.header[i], table.quote_all);
    text += "\r\n";
    for (const auto& row : table.rows) {
        for (size_t i = 0; i < table.header.size(); ++i) {
            const std::string name = Trimmed(table.header[i]);
            auto it = row.find(name);
            std::string value = it == row.end() ? "" : it->second;
            if (value.empty()) {
                value = table.empty_cell;
            } else if (auto wrap = table.wrapped.find(name); wrap != table.wrapped.end()) {
                value = wrap->second.first + value + wrap->second.second;
            }
            text += (i ? "," : "") + testing::CsvCell(value, table.quote_all);
        }
        text += table.row_trailer + "\r\n";
    }
    return text;
}

// "2025-06-18 20:00:00" → Excel's serial (days since 1899-12-30), or nullopt for other text.
std::optional<double> ExcelSerial(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) return std::nullopt;
    using namespace std::chrono;
    const auto days = sys_days(year{y} / mo / d) - sys_days(year{1899} / December / 30);
    return static_cast<double>(days.count()) + (h * 3600 + mi * 60 + s) / 86400.0;
}

bool IsNumber(const std::string& text) {
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size();
}

std::vector<std::vector<Cell>> SheetRows(const ExportTable& table) {
    std::vector<std::vector<Cell>> rows(1);
    for (const auto& name : table.header) rows[0].push_back(name);
    for (const auto& row : table.rows) {
        auto& out = rows.emplace_back();
        for (const auto& header : table.header) {
            const std::string name = Trimmed(header);
            auto it = row.find(name);
            const std::string value = it == row.end() ? "" : it->second;
            if (table.dates.contains(name) && ExcelSerial(value)) {
                out.push_back(DateCell{*ExcelSerial(value)});
            } else if (table.numbers.contains(name) && IsNumber(value)) {
                out.push_back(NumberCell{value});
            } else {
                out.push_back(value);
            }
        }
    }
    return rows;
}

// What importing a table must give, whatever its form.
struct Expected {
    std::string platform;
    int64_t orders = 0;
    int64_t customers_created = 0;
    int64_t customers_matched = 0;
    int64_t unidentified = 0;
    int64_t identities = 0;
    int64_t spend_fen = 0;                                  // the buyers' total spend, over all of them
    std::vector<std::pair<int64_t, std::string>> rejected;  // line, column
    std::vector<std::string> rejected_ids;                  // order ids the rejected file must hold
};

struct Case {
    std::string name;
    ExportTable (*table)();
    Form form;
    Expected (*expected)();
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// §京东: one row per SKU (J1 has two), 下单帐号 the buyer, phones full (2015) or masked (today),
// JD's provisional amounts.
ExportTable Jd() {
    ExportTable t;
    t.header = {"订单号",   "商品ID",   "商品名称", "订购数量", "下单时间", "京东价",       "订单金额",    "应付金额",
                "订单状态", "下单帐号", "客户姓名", "客户地址", "联系电话", "付款确认时间", "订单完成时间"};
    const std::map<std::string, std::string> j1 = {{"订单号", "J1"},
                                                   {"下单时间", "2025-11-11 00:01:02"},
                                                   {"订单金额", "306.00"},
                                                   {"应付金额", "306.00"},
                                                   {"订单状态", "完成"},
                                                   {"下单帐号", "jd_alice"},
                                                   {"客户姓名", "张三"},
                                                   {"客户地址", "广东省深圳市南山区1号"},
                                                   {"联系电话", kPhoneB},
                                                   {"付款确认时间", "2025-11-11 00:02:00"},
                                                   {"订单完成时间", "2025-11-15 10:00:00"}};
    auto with = [](std::map<std::string, std::string> row, std::map<std::string, std::string> extra) {
        for (auto& [k, v] : extra) row[k] = v;
        return row;
    };
    t.rows = {
        with(j1, {{"商品ID", "1001"}, {"商品名称", "保温杯"}, {"订购数量", "2"}, {"京东价", "99.00"}}),
        with(j1, {{"商品ID", "1002"}, {"商品名称", "杯套, 蓝色"}, {"订购数量", "1"}, {"京东价", "108.00"}}),
        {{"订单号", "J2"},
         {"商品ID", "1001"},
         {"商品名称", "保温杯"},
         {"订购数量", "1"},
         {"京东价", "99.00"},
         {"下单时间", "2025-11-20 09:00:00"},
         {"订单金额", "99.00"},
         {"应付金额", "99.00"},
         {"订单状态", "等待出库"},
         {"下单帐号", "jd_alice"},
         {"联系电话", "1******3333"},
         {"付款确认时间", "2025-11-20 09:00:30"}},
        {{"订单号", "J3"},
         {"商品ID", "1003"},
         {"商品名称", "茶叶"},
         {"订购数量", "1"},
         {"京东价", "50.00"},
         {"下单时间", "2025-11-21 09:00:00"},
         {"订单金额", "50.00"},
         {"应付金额", "50.00（系统计算中，该值仅供参考）"},
         {"订单状态", "等待确认收货"},
         {"下单帐号", "jd_bob"},
         {"客户姓名", "李*"},
         {"联系电话", "1******1234"},
         {"付款确认时间", "2025-11-21 09:00:30"}},
        {{"订单号", "J4"},
         {"商品ID", "1003"},
         {"商品名称", "茶叶"},
         {"订购数量", "1"},
         {"京东价", "50.00"},
         {"下单时间", "2025-11-22 09:00:00"},
         {"订单金额", "50.00"},
         {"应付金额", "50.00"},
         {"订单状态", "(删除)已取消"},
         {"客户姓名", "王*"},
         {"联系电话", "1******6198"}},
        {{"订单号", "J5"},
         {"商品ID", "1003"},
         {"商品名称", "茶叶"},
         {"订购数量", "两"},
         {"京东价", "50.00"},
         {"下单时间", "2025-11-22 10:00:00"},
         {"订单金额", "100.00"},
         {"应付金额", "100.00"},
         {"订单状态", "完成"},
         {"下单帐号", "jd_carol"}},
        {{"订单号", "J6"},
         {"商品ID", "1003"},
         {"商品名称", "茶叶"},
         {"订购数量", "1"},
         {"京东价", "50.00"},
         {"下单时间", "2025-11-22 11:00:00"},
         {"订单金额", "50.00"},
         {"应付金额", "50.00"},
         {"订单状态", "外星状态"},
         {"下单帐号", "jd_dave"}},
    };
    t.row_trailer = ",";
    t.numbers = {"订购数量", "京东价", "订单金额", "应付金额"};
    t.dates = {"下单时间", "付款确认时间", "订单完成时间"};
    return t;
}

Expected JdExpected() {
    // jd_alice (account + full phone) with J1 and J2, jd_bob (masked phone: a hint) with J3; J4
    // has no account and a masked phone. Spend: 306 + 99 + 50 yuan.
    return {.platform = "jd",
            .orders = 4,
            .customers_created = 2,
            .customers_matched = 1,
            .unidentified = 1,
            .identities = 3,
            .spend_fen = 45500,
            .rejected = {{7, "订购数量"}, {8, "订单状态"}},
            .rejected_ids = {"J5", "J6"}};
}

// §淘宝: one row per order, every cell quoted, ids as ="…", phones with a leading ', header names
// with trailing spaces.
ExportTable Taobao() {
    ExportTable t;
    t.header = {"订单编号",      "买家会员名", "买家应付货款", "总金额",       "买家实际支付金额",
                "订单状态",      "收货人姓名", "收货地址 ",    "联系手机",     "订单创建时间",
                "订单付款时间 ", "宝贝标题 ",  "宝贝总数量",   "订单关闭原因", "退款金额"};
    t.rows = {
        {{"订单编号", "10000000000000001"},
         {"买家会员名", "tb_alice"},
         {"买家应付货款", "189.00"},
         {"总金额", "201.12"},
         {"买家实际支付金额", "201.12"},
         {"订单状态", "买家已付款，等待卖家发货"},
         {"收货人姓名", "张三"},
         {"收货地址", "浙江省 杭州市 西湖区 文三路1号(310000)"},
         {"联系手机", kPhoneA},
         {"订单创建时间", "2025-07-08 00:42:32"},
         {"订单付款时间", "2025-07-08 00:45:00"},
         {"宝贝标题", "茶叶礼盒，茶杯"},
         {"宝贝总数量", "2"},
         {"订单关闭原因", "订单未关闭"},
         {"退款金额", "0"}},
        {{"订单编号", "10000000000000002"},
         {"买家会员名", "tb_alice"},
         {"总金额", "50.00"},
         {"买家实际支付金额", "50.00"},
         {"订单状态", "交易成功"},
         {"订单创建时间", "2025-07-09 10:00:00"},
         {"订单付款时间", "2025-07-09 10:01:00"},
         {"宝贝总数量", "1"}},
        {{"订单编号", "10000000000000003"},
         {"买家会员名", "tb_bob"},
         {"总金额", "30.00"},
         {"买家实际支付金额", "30.00"},
         {"订单状态", "交易关闭"},
         {"订单关闭原因", "退款"},
         {"退款金额", "30.00"},
         {"订单创建时间", "2025-07-10 10:00:00"},
         {"订单付款时间", "2025-07-10 10:01:00"}},
        {{"订单编号", "10000000000000004"},
         {"总金额", "20.00"},
         {"买家实际支付金额", "20.00"},
         {"订单状态", "等待买家付款"},
         {"订单创建时间", "2025-07-11 10:00:00"}},
        {{"订单编号", "10000000000000005"},
         {"买家会员名", "tb_carol"},
         {"总金额", "abc"},
         {"买家实际支付金额", "10.00"},
         {"订单状态", "交易成功"},
         {"订单创建时间", "2025-07-12 10:00:00"}},
        {{"订单编号", "10000000000000006"},
         {"买家会员名", "tb_dave"},
         {"总金额", "10.00"},
         {"买家实际支付金额", "10.00"},
         {"订单状态", "外星状态"},
         {"订单创建时间", "2025-07-12 11:00:00"}},
    };
    t.quote_all = true;
    t.wrapped = {{"订单编号", {"=\"", "\""}}, {"联系手机", {"'", ""}}};
    t.numbers = {"买家应付货款", "总金额", "买家实际支付金额", "宝贝总数量", "退款金额"};
    t.dates = {"订单创建时间", "订单付款时间"};
    return t;
}

Expected TaobaoExpected() {
    // tb_alice (account + phone) twice, tb_bob once (refunded in full); the fourth order has no
    // buyer. Spend counts paid orders: 201.12 + 50 + 30, less tb_bob's refund in refunded_fen.
    return {.platform = "taobao",
            .orders = 4,
            .customers_created = 2,
            .customers_matched = 1,
            .unidentified = 1,
            .identities = 3,
            .spend_fen = 28112,
            .rejected = {{6, "总金额"}, {7, "订单状态"}},
            .rejected_ids = {"10000000000000005", "10000000000000006"}};
}

// §抖店: one row per 子订单 (D1 has two), everything quoted, a TAB before ids, `-` for empty
// cells, contacts as ciphertext: no buyer can be identified.
ExportTable Douyin() {
    ExportTable t;
    t.header = {"主订单编号", "子订单编号",   "选购商品",     "商品数量",     "商品ID",   "商家编码",
                "商品单价",   "订单应付金额", "收件人",       "收件人手机号", "省",       "市",
                "详细地址",   "订单提交时间", "支付完成时间", "订单完成时间", "订单状态", "售后状态"};
    auto order = [](std::string id, std::string sub, std::string quantity, std::string price, std::string status,
                    std::string after_sale) {
        return std::map<std::string, std::string>{{"主订单编号", id},
                                                  {"子订单编号", sub},
                                                  {"选购商品", "面膜"},
                                                  {"商品数量", quantity},
                                                  {"商品ID", "3600000001"},
                                                  {"商品单价", price},
                                                  {"订单应付金额", price},
                                                  {"收件人", "$7Kx2$AbCdEf==$"},
                                                  {"收件人手机号", "#ptv8#Zm9vYmFy==#"},
                                                  {"省", "浙江省"},
                                                  {"市", "杭州市"},
                                                  {"详细地址", "##密文"},
                                                  {"订单提交时间", "2025-06-18 20:00:00"},
                                                  {"支付完成时间", "2025-06-18 20:00:10"},
                                                  {"订单状态", status},
                                                  {"售后状态", after_sale}};
    };
    t.rows = {order("6917926768823640001", "6917926768823640011", "2", "39.90", "已发货", ""),
              order("6917926768823640001", "6917926768823640012", "1", "120.00", "已发货", ""),
              order("6917926768823640002", "6917926768823640021", "1", "39.90", "已完成", ""),
              order("6917926768823640003", "6917926768823640031", "1", "39.90", "已关闭", "退款成功"),
              order("6917926768823640004", "6917926768823640041", "1", "39.90", "待发货", ""),
              order("6917926768823640005", "6917926768823640051", "两", "39.90", "已完成", ""),
              order("6917926768823640006", "6917926768823640061", "1", "39.90", "外星状态", "")};
    t.rows[0]["订单应付金额"] = "79.80";
    t.rows[0]["订单完成时间"] = "";
    t.quote_all = true;
    t.wrapped = {{"主订单编号", {"\t", ""}}, {"子订单编号", {"\t", ""}}, {"商品ID", {"\t", ""}}};
    t.empty_cell = "-";
    return t;
}

Expected DouyinExpected() {
    return {.platform = "douyin",
            .orders = 4,
            .unidentified = 4,
            .rejected = {{7, "商品数量"}, {8, "订单状态"}},
            .rejected_ids = {"6917926768823640005", "6917926768823640006"}};
}

// §拼多多: compact header, every cell quoted, empty cells a lone TAB, no buyer contact at all.
ExportTable Pdd() {
    ExportTable t;
    t.header = {"商品",
                "订单号",
                "订单状态",
                "商品总价(元)",
                "邮费(元)",
                "店铺优惠折扣(元)",
                "平台优惠折扣(元)",
                "多多支付立减金额(元)",
                "用户实付金额(元)",
                "商家实收金额(元)",
                "商品数量(件)",
                "发货时间",
                "确认收货时间",
                "商品id",
                "商品规格",
                "样式ID",
                "商家编码-规格维度",
                "商家编码-商品维度",
                "商家备注",
                "售后状态",
                "快递单号",
                "快递公司",
                "订单成交时间"};
    auto order = [](std::string id, std::string status, std::string paid) {
        return std::map<std::string, std::string>{{"商品", "纸巾 10包"},
                                                  {"订单号", id},
                                                  {"订单状态", status},
                                                  {"商品总价(元)", "19.80"},
                                                  {"邮费(元)", "0.00"},
                                                  {"用户实付金额(元)", paid},
                                                  {"商品数量(件)", "2"},
                                                  {"样式ID", "998877"},
                                                  {"售后状态", "无售后或售后取消"},
                                                  {"订单成交时间", "2025-06-12 10:00:00"}};
    };
    t.rows = {order("250612-000000000000001", "已发货，待收货", "17.80"),
              order("250612-000000000000002", "已收货", "19.80"),
              order("250612-000000000000003", "已取消", "19.80"),
              order("250612-000000000000004", "待发货", "19.80"),
              order("250612-000000000000005", "待发货", "abc"),
              order("250612-000000000000006", "外星状态", "19.80")};
    t.quote_all = true;
    t.empty_cell = "\t";
    return t;
}

Expected PddExpected() {
    return {.platform = "pdd",
            .orders = 4,
            .unidentified = 4,
            .rejected = {{6, "用户实付金额(元)"}, {7, "订单状态"}},
            .rejected_ids = {"250612-000000000000005", "250612-000000000000006"}};
}

// §有赞: order-level report, full phones (the buyer's, else the receiver's), dates as date cells
// in workbooks.
ExportTable Youzan() {
    ExportTable t;
    t.header = {"订单号",
                "归属店铺",
                "订单状态",
                "订单创建时间",
                "买家付款时间",
                "交易成功时间",
                "商品金额合计",
                "运费",
                "应收订单金额",
                "订单实付金额",
                "全部商品名称",
                "收货人/提货人",
                "收货人手机号/提货人手机号",
                "详细收货地址/提货地址",
                "买家昵称",
                "买家手机号",
                "订单退款状态",
                "订单已退款金额"};
    t.rows = {
        {{"订单号", "E1"},
         {"归属店铺", "有赞小店"},
         {"订单状态", "交易完成"},
         {"订单创建时间", "2025-01-01 10:00:00"},
         {"买家付款时间", "2025-01-01 10:01:00"},
         {"交易成功时间", "2025-01-08 10:00:00"},
         {"商品金额合计", "100.00"},
         {"运费", "10.00"},
         {"应收订单金额", "105.00"},
         {"订单实付金额", "105.00"},
         {"全部商品名称", "咖啡豆"},
         {"收货人/提货人", "钱七"},
         {"收货人手机号/提货人手机号", kPhoneB},
         {"买家昵称", "coffee_fan"},
         {"买家手机号", kPhoneA},
         {"订单退款状态", "退款成功（部分退款）"},
         {"订单已退款金额", "20.00"}},
        {{"订单号", "E2"},
         {"订单状态", "待发货"},
         {"订单创建时间", "2025-01-02 10:00:00"},
         {"买家付款时间", "2025-01-02 10:01:00"},
         {"应收订单金额", "50"},
         {"订单实付金额", "50"},
         {"买家手机号", kPhoneA}},
        {{"订单号", "E3"},
         {"订单状态", "交易成功"},
         {"订单创建时间", "2025-01-03 10:00:00"},
         {"买家付款时间", "2025-01-03 10:01:00"},
         {"应收订单金额", "30"},
         {"订单实付金额", "30"},
         {"收货人手机号/提货人手机号", kPhoneB}},
        {{"订单号", "E4"},
         {"订单状态", "待付款"},
         {"订单创建时间", "2025-01-04 10:00:00"},
         {"应收订单金额", "40"},
         {"订单实付金额", "40"},
         {"买家昵称", "guest"}},
        {{"订单号", "E5"},
         {"订单状态", "交易成功"},
         {"订单创建时间", "2025-01-05 10:00:00"},
         {"应收订单金额", "40"},
         {"订单实付金额", "abc"},
         {"买家手机号", kPhoneA}},
        {{"订单号", "E6"},
         {"订单状态", "外星状态"},
         {"订单创建时间", "2025-01-06 10:00:00"},
         {"应收订单金额", "40"},
         {"订单实付金额", "40"}},
    };
    t.numbers = {"商品金额合计", "运费", "应收订单金额", "订单实付金额", "订单已退款金额"};
    t.dates = {"订单创建时间", "买家付款时间", "交易成功时间"};
    return t;
}

Expected YouzanExpected() {
    // The buyer's phone A (E1, E2), the receiver's phone B for E3; a nickname is no identity, so
    // E4 is unidentified. Spend: 105 + 50 + 30 yuan.
    return {.platform = "youzan",
            .orders = 4,
            .customers_created = 2,
            .customers_matched = 1,
            .unidentified = 1,
            .identities = 2,
            .spend_fen = 18500,
            .rejected = {{6, "订单实付金额"}, {7, "订单状态"}},
            .rejected_ids = {"E5", "E6"}};
}

// Any other CSV through a column mapping, here in GBK.
ExportTable Mapped() {
    ExportTable t;
    t.header = {"单号", "下单时间", "状态", "金额", "手机", "商品"};
    t.rows = {
        {{"单号", "W1"},
         {"下单时间", "2026-01-01 12:00:00"},
         {"状态", "已完成"},
         {"金额", "12.50"},
         {"手机", kPhoneA},
         {"商品", "围巾"}},
        {{"单号", "W2"},
         {"下单时间", "2026-01-02 12:00:00"},
         {"状态", "已付款"},
         {"金额", "20"},
         {"手机", kPhoneA},
         {"商品", "帽子"}},
        {{"单号", "W3"}, {"下单时间", "2026-01-03 12:00:00"}, {"状态", "已付款"}, {"金额", "8"}, {"商品", "手套"}},
        {{"单号", "W4"}, {"下单时间", "2026-01-04 12:00:00"}, {"状态", "退货中"}, {"金额", "8"}, {"手机", kPhoneB}},
        {{"单号", "W5"}, {"下单时间", "昨天"}, {"状态", "已付款"}, {"金额", "8"}, {"手机", kPhoneB}}};
    auto mapping = imports::ParseColumnMapping(
        R"({"order_id":"单号","created_at":"下单时间","status":"状态","total":"金额","buyer_phone":"手机",
            "line_title":"商品","statuses":{"已付款":"paid","已完成":"completed"}})");
    if (mapping.ok()) t.mapping = *mapping;
    return t;
}

Expected MappedExpected() {
    return {.platform = "mapped",
            .orders = 3,
            .customers_created = 1,
            .customers_matched = 1,
            .unidentified = 1,
            .identities = 1,
            .spend_fen = 3250,
            .rejected = {{5, "状态"}, {6, "下单时间"}},
            .rejected_ids = {"W4", "W5"}};
}

class PlatformImportTest : public OrderImportTest, public ::testing::WithParamInterface<Case> {
  protected:
    // Writes the table in the case's form; returns the file's path.
    std::string WriteExport(const ExportTable& table, Form form) {
        using testing::WriteFile;
        switch (form) {
            case Form::kCsvGbk:
                WriteFile(dir_.File("export.csv"), testing::ToGbk(CsvText(table)));
                return dir_.File("export.csv");
            case Form::kCsvUtf8:
                WriteFile(dir_.File("export.csv"), CsvText(table));
                return dir_.File("export.csv");
            case Form::kCsvUtf8Bom:
                WriteFile(dir_.File("export.csv"), std::string(testing::kBom) + CsvText(table));
                return dir_.File("export.csv");
            case Form::kXlsx:
                yutang::testing::WriteWorkbook(dir_.File("export.xlsx"), SheetRows(table));
                return dir_.File("export.xlsx");
        }
        return "";
    }
};

TEST_P(PlatformImportTest, GoodRowsGoInBadRowsAreKeptAsideAndASecondImportChangesNothing) {
    const Case& c = GetParam();
    const ExportTable table = c.table();
    const Expected want = c.expected();
    const std::string path = WriteExport(table, c.form);
    ImportOptions options{.reader = {}, .batch_size = 2, .rejected_path = dir_.File("rejected.csv")};
    if (table.mapping) options.reader = {.platform = imports::Platform::kMapped, .mapping = table.mapping};

    auto report = importer_->Import(TenantId(1), path, options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->platform, want.platform);
    EXPECT_EQ(report->encoding, c.form == Form::kCsvGbk ? "GB18030" : "UTF-8");
    EXPECT_EQ(report->orders_read, want.orders);
    EXPECT_EQ(report->orders_created, want.orders);
    EXPECT_EQ(report->customers_created, want.customers_created);
    EXPECT_EQ(report->customers_matched, want.customers_matched);
    EXPECT_EQ(report->orders_unidentified, want.unidentified);
    std::vector<std::pair<int64_t, std::string>> rejected;
    for (const auto& row : report->rejected) rejected.emplace_back(row.line, row.column);
    EXPECT_EQ(rejected, want.rejected);
    for (const auto& row : report->rejected) EXPECT_FALSE(row.reason.empty()) << "line " << row.line;

    std::stringstream kept;
    kept << std::ifstream(dir_.File("rejected.csv")).rdbuf();
    for (const auto& id : want.rejected_ids)
        EXPECT_NE(kept.str().find(id), std::string::npos) << id << " not kept aside";

    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), want.orders);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE customer_id IS NULL"), want.unidentified);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), want.customers_created);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_identities"), want.identities)
        << "masked or encrypted values are hints";
    EXPECT_EQ(Count("SELECT SUM(total_spend_fen) FROM customer_traits"), want.spend_fen);
    for (const auto& id : want.rejected_ids)
        EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE external_id = '" + id + "'"), 0) << id;

    const std::string before = Snapshot();
    clock_.Advance(std::chrono::hours(1));
    auto again = importer_->Import(TenantId(1), path, options);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->orders_unchanged, want.orders);
    EXPECT_EQ(again->orders_created + again->orders_updated + again->customers_created, 0);
    EXPECT_EQ(again->rejected.size(), want.rejected.size());
    EXPECT_EQ(Snapshot(), before);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(EveryPlatformInEveryForm, PlatformImportTest,
                         ::testing::Values(Case{"JdCsvGbk", Jd, Form::kCsvGbk, JdExpected},
                                           Case{"JdCsvUtf8", Jd, Form::kCsvUtf8, JdExpected},
                                           Case{"JdXlsx", Jd, Form::kXlsx, JdExpected},
                                           Case{"TaobaoCsvGbk", Taobao, Form::kCsvGbk, TaobaoExpected},
                                           Case{"TaobaoXlsx", Taobao, Form::kXlsx, TaobaoExpected},
                                           Case{"DouyinCsvUtf8Bom", Douyin, Form::kCsvUtf8Bom, DouyinExpected},
                                           Case{"PddCsvUtf8Bom", Pdd, Form::kCsvUtf8Bom, PddExpected},
                                           Case{"YouzanXlsx", Youzan, Form::kXlsx, YouzanExpected},
                                           Case{"YouzanCsvUtf8Bom", Youzan, Form::kCsvUtf8Bom, YouzanExpected},
                                           Case{"YouzanCsvUtf8", Youzan, Form::kCsvUtf8, YouzanExpected},
                                           Case{"MappedCsvGbk", Mapped, Form::kCsvGbk, MappedExpected}),
                         CaseName);

}  // namespace
}  // namespace yutang::events
