#include <gtest/gtest.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/base/xlsx_writer.hpp"
#include "yutang/imports/internal/records.hpp"
#include "yutang/imports/order_reader.hpp"

#include "tests/support/export_files.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::imports::internal {
namespace {

using yutang::testing::Cell;
using yutang::testing::DateCell;
using yutang::testing::NumberCell;
using yutang::testing::WriteWorkbook;

// 2017-07-08 00:42:32 as an Excel serial.
constexpr double kJuly8 = 42924.0 + 2552.0 / 86400.0;

TEST(ExcelSerialTest, ConvertsToLocalText) {
    EXPECT_EQ(ExcelSerialToText(kJuly8), "2017-07-08 00:42:32");
    EXPECT_EQ(ExcelSerialToText(45658.5), "2025-01-01 12:00:00");
    EXPECT_EQ(ExcelSerialToText(0), "");
}

TEST(XlsxTest, ReadsAYouzanWorkbookWithDateCells) {
    yutang::testing::TempDir dir;
    const std::string path = dir.File("youzan.xlsx");
    WriteWorkbook(path,
                  {{std::string("订单号"), std::string("归属店铺"), std::string("订单状态"),
                    std::string("订单创建时间"), std::string("买家付款时间"), std::string("应收订单金额"),
                    std::string("订单实付金额"), std::string("买家昵称"), std::string("全部商品名称")},
                   {std::string("E1"), std::string("有赞小店"), std::string("交易成功"), DateCell{kJuly8},
                    DateCell{kJuly8 + 60.0 / 86400.0}, NumberCell{"178.80000000000001"}, NumberCell{"178.8"},
                    std::string("小王"), std::string("咖啡 & 茶")},
                   {std::string("E2"), std::string(""), std::string("待付款"), DateCell{kJuly8}, std::string(""),
                    NumberCell{"10"}, NumberCell{"0"}, std::string(""), std::string("茶")}},
                  "sheet3.xml");
    auto opened = OrderReader::Open(path, {});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    OrderReader& reader = **opened;
    EXPECT_EQ(reader.platform(), Platform::kYouzan);
    EXPECT_EQ(reader.encoding(), "UTF-8");
    auto first = reader.Next();
    ASSERT_TRUE(first.ok() && first->has_value()) << first.status().ToString();
    const ImportedOrder& o = **first;
    EXPECT_EQ(o.order_id, "E1");
    EXPECT_EQ(o.status, OrderStatus::kCompleted);
    EXPECT_EQ(o.created_at, TimeZone::Default().FromLocal({.date = {2017, 7, 8}, .minute = 42, .second = 32}));
    ASSERT_TRUE(o.paid_at.has_value());
    EXPECT_EQ(*o.paid_at, TimeZone::Default().FromLocal({.date = {2017, 7, 8}, .minute = 43, .second = 32}));
    EXPECT_EQ(o.total, Money::FromFen(17880));
    EXPECT_EQ(o.buyer_account, "小王");
    EXPECT_EQ(o.shop_name, "有赞小店");
    EXPECT_EQ(o.lines.at(0).title, "咖啡 & 茶");
    EXPECT_EQ(o.first_line, 2);
    auto second = reader.Next();
    ASSERT_TRUE(second.ok() && second->has_value());
    EXPECT_EQ((*second)->status, OrderStatus::kPendingPayment);
    EXPECT_FALSE((*second)->paid_at.has_value());
    auto end = reader.Next();
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end->has_value());
    EXPECT_TRUE(reader.errors().empty());
    EXPECT_EQ(reader.bytes_read(), reader.bytes_total());
}

TEST(XlsxTest, StreamsALargeSheetAndReportsBadRows) {
    yutang::testing::TempDir dir;
    const std::string path = dir.File("taobao.xlsx");
    std::vector<std::vector<Cell>> rows = {{std::string("订单编号"), std::string("买家会员名"), std::string("总金额"),
                                            std::string("买家实际支付金额"), std::string("订单状态"),
                                            std::string("订单创建时间"), std::string("订单付款时间")}};
    constexpr int kRows = 30'000;
    for (int i = 0; i < kRows; ++i)
        rows.push_back({std::string("T") + std::to_string(i), std::string("buyer"), NumberCell{"20.5"},
                        NumberCell{"20.5"}, std::string(i == 7 ? "外星状态" : "交易成功"), DateCell{kJuly8},
                        DateCell{kJuly8}});
    WriteWorkbook(path, rows);
    auto opened = OrderReader::Open(path, {});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    OrderReader& reader = **opened;
    EXPECT_EQ(reader.platform(), Platform::kTaobao);
    int orders = 0;
    while (true) {
        auto next = reader.Next();
        ASSERT_TRUE(next.ok());
        if (!next->has_value()) break;
        ++orders;
    }
    EXPECT_EQ(orders, kRows - 1);
    ASSERT_EQ(reader.errors().size(), 1u);
    EXPECT_EQ(reader.errors()[0].line, 9);
    EXPECT_EQ(reader.errors()[0].column, "订单状态");
    EXPECT_EQ(reader.errors()[0].raw_row, "T7,buyer,20.5,20.5,外星状态,2017-07-08 00:42:32,2017-07-08 00:42:32");
    EXPECT_GT(reader.bytes_total(), 4u * 1024u * 1024u);
    EXPECT_LT(reader.peak_buffer_bytes(), 256u * 1024u);  // rows pending at once, not the sheet
}

// What base's XlsxWriter writes (segment exports), read back cell by cell by this reader.
TEST(XlsxTest, ReadsWhatXlsxWriterWrites) {
    yutang::testing::TempDir dir;
    const std::string path = dir.File("members.xlsx");
    const std::string phone_hint = std::string("138") + "****" + "0000";
    auto writer = XlsxWriter::Create({.sheet_name = "members", .freeze_first_row = true});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE(writer->AddRow({"customer_id", "entered_at", "identities"}, XlsxWriter::RowStyle::kHeader).ok());
    ASSERT_TRUE(writer->AddRow({int64_t{12}, "2025-01-01T08:00:00Z", std::string_view("phone:" + phone_hint)}).ok());
    ASSERT_TRUE(writer->AddRow({int64_t{13}, std::monostate{}, "微信昵称 <&>\"引号\" 演示"}).ok());
    ASSERT_TRUE(writer->AddRow({2.5, " spaced ", "two\nlines\r\n"}).ok());
    ASSERT_TRUE(writer->Finish(path).ok());

    auto opened = OpenRecords(path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    RecordReader& reader = **opened;
    std::vector<std::vector<std::string>> rows;
    std::vector<int64_t> lines;
    CsvRecord record;
    while (true) {
        auto next = reader.Next(record);
        ASSERT_TRUE(next.ok()) << next.status().ToString();
        if (!*next) break;
        rows.push_back(record.fields);
        lines.push_back(record.line);
    }
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(rows[0], (std::vector<std::string>{"customer_id", "entered_at", "identities"}));
    EXPECT_EQ(rows[1], (std::vector<std::string>{"12", "2025-01-01T08:00:00Z", "phone:" + phone_hint}));
    EXPECT_EQ(rows[2], (std::vector<std::string>{"13", "", "微信昵称 <&>\"引号\" 演示"}))
        << "the empty cell stays empty";
    EXPECT_EQ(rows[3], (std::vector<std::string>{"2.5", " spaced ", "two\nlines\r\n"}));
    EXPECT_EQ(reader.bytes_read(), reader.bytes_total());
}

}  // namespace
}  // namespace yutang::imports::internal
