#include <variant>

#include <gtest/gtest.h>
#include <zip.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/base/xlsx_writer.hpp"
#include "yutang/imports/internal/records.hpp"
#include "yutang/imports/order_reader.hpp"

#include "tests/support/temp_dir.hpp"

namespace yutang::imports::internal {
namespace {

struct DateCell {
    double serial;
};
struct NumberCell {
    std::string text;
};
using Cell = std::variant<std::string, NumberCell, DateCell>;

std::string Escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '"')
            out += "&quot;";
        else
            out += c;
    }
    return out;
}

std::string ColumnName(size_t index) {
    std::string name;
    for (size_t n = index + 1; n > 0; n = (n - 1) / 26)
        name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
    return name;
}

// Writes a minimal workbook the way Excel lays it out: text in sharedStrings (every other string
// cell inline, as some exporters do), dates as serials with a date style, a first sheet that is
// not named sheet1.xml when `first_sheet_part` says so.
void WriteWorkbook(const std::string& path, const std::vector<std::vector<Cell>>& rows,
                   const std::string& first_sheet_part = "sheet1.xml") {
    std::vector<std::string> shared;
    std::string sheet = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                        R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)";
    for (size_t r = 0; r < rows.size(); ++r) {
        sheet += "<row r=\"" + std::to_string(r + 1) + "\">";
        for (size_t c = 0; c < rows[r].size(); ++c) {
            const std::string ref = ColumnName(c) + std::to_string(r + 1);
            if (const auto* text = std::get_if<std::string>(&rows[r][c])) {
                if (text->empty()) continue;  // Excel leaves empty cells out
                if (c % 2 == 0) {
                    sheet += "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(shared.size()) + "</v></c>";
                    shared.push_back(*text);
                } else {
                    sheet += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + Escape(*text) + "</t></is></c>";
                }
            } else if (const auto* number = std::get_if<NumberCell>(&rows[r][c])) {
                sheet += "<c r=\"" + ref + "\"><v>" + number->text + "</v></c>";
            } else {
                char v[64];
                std::snprintf(v, sizeof v, "%.10f", std::get<DateCell>(rows[r][c]).serial);
                sheet += "<c r=\"" + ref + "\" s=\"1\"><v>" + v + "</v></c>";
            }
        }
        sheet += "</row>";
    }
    sheet += "</sheetData></worksheet>";
    std::string strings =
        R"(<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)";
    for (const auto& s : shared) strings += "<si><t>" + Escape(s) + "</t></si>";
    strings += "</sst>";
    const std::string styles =
        R"(<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)"
        R"(<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/></numFmts>)"
        R"(<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="176" applyNumberFormat="1"/></cellXfs></styleSheet>)";
    const std::string workbook =
        R"(<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" )"
        R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)"
        R"(<sheet name="订单报表" sheetId="1" r:id="rId7"/><sheet name="销售明细" sheetId="2" r:id="rId8"/></sheets></workbook>)";
    const std::string rels =
        R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId8" Type="worksheet" Target="worksheets/other.xml"/>)"
        R"(<Relationship Id="rId7" Type="worksheet" Target="worksheets/)" +
        first_sheet_part + R"("/></Relationships>)";
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    ASSERT_NE(archive, nullptr);
    std::vector<std::string> keep = {workbook, rels, strings, styles, sheet, "<worksheet><sheetData/></worksheet>"};
    const std::vector<std::string> names = {
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels",        "xl/sharedStrings.xml",
        "xl/styles.xml",   "xl/worksheets/" + first_sheet_part, "xl/worksheets/other.xml"};
    for (size_t i = 0; i < names.size(); ++i) {
        zip_source_t* source = zip_source_buffer(archive, keep[i].data(), keep[i].size(), 0);
        ASSERT_GE(zip_file_add(archive, names[i].c_str(), source, ZIP_FL_ENC_UTF_8), 0);
    }
    ASSERT_EQ(zip_close(archive), 0);
}

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
