#include "yutang/events/order_import.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

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
                           n = row->Int(0);
                           return OkStatus();
                       })
                        .ok());
        return n;
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
    auto snapshot = [&] {
        return std::to_string(Count("SELECT COUNT(*) FROM orders")) + "/" +
               std::to_string(Count("SELECT MAX(updated_at) FROM orders")) + "/" +
               std::to_string(Count("SELECT COUNT(*) FROM customers")) + "/" +
               std::to_string(Count("SELECT MAX(updated_at) FROM customers")) + "/" +
               std::to_string(Count("SELECT MAX(updated_at) FROM customer_traits"));
    };
    const std::string before = snapshot();
    clock_.Advance(std::chrono::hours(1));
    auto again = Import();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->orders_unchanged, 3);
    EXPECT_EQ(again->orders_created + again->orders_updated + again->customers_created, 0);
    EXPECT_EQ(snapshot(), before);
}

TEST_F(OrderImportTest, UnknownFilesAreRefusedWithAReason) {
    std::ofstream(dir_.File("notes.csv")) << "a,b,c\n1,2,3\n";
    auto report = importer_->Import(TenantId(1), dir_.File("notes.csv"), {});
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(importer_->Import(TenantId(1), dir_.File("missing.csv"), {}).status().code(), ErrorCode::kNotFound);
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

}  // namespace
}  // namespace yutang::events
