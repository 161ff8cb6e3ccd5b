#include "yutang/imports/internal/csv.hpp"

#include <gtest/gtest.h>

#include "tests/support/export_files.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::imports::internal {
namespace {

using yutang::testing::ToGbk;
using yutang::testing::WriteFile;

std::vector<CsvRecord> ReadRecords(const std::string& path, std::string* encoding = nullptr) {
    auto source = TextSource::Open(path);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    if (!source.ok()) return {};
    if (encoding) *encoding = std::string((*source)->encoding());
    CsvReader reader(**source);
    std::vector<CsvRecord> records;
    CsvRecord record;
    while (true) {
        auto more = reader.Next(record);
        EXPECT_TRUE(more.ok()) << more.status().ToString();
        if (!more.ok() || !*more) break;
        records.push_back(record);
    }
    return records;
}

TEST(CsvReaderTest, ReadsRfc4180WithQuirks) {
    yutang::testing::TempDir dir;
    WriteFile(dir.File("a.csv"),
              "a,b,c\r\n"
              "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
              "=\"0012\",plain\"quote,\"q\"tail\n"
              "last,,");
    auto records = ReadRecords(dir.File("a.csv"));
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[1].fields, (std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"}));
    EXPECT_EQ(records[1].line, 2);
    EXPECT_EQ(records[1].raw, "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"");
    EXPECT_EQ(records[2].fields, (std::vector<std::string>{"0012", "plain\"quote", "qtail"}));
    EXPECT_EQ(records[2].line, 4);
    EXPECT_EQ(records[3].fields, (std::vector<std::string>{"last", "", ""}));
    EXPECT_EQ(records[3].line, 5);
}

TEST(CsvReaderTest, RecordsAndCharactersSpanningChunkBoundaries) {
    yutang::testing::TempDir dir;
    // Rows of Chinese text in GBK put 2-byte characters, CRLF pairs and quoted fields across
    // every offset of the 64 KiB boundaries.
    std::string text = "订单号,名称\r\n";
    std::vector<std::string> names;
    for (int i = 0; i < 9000; ++i) {
        std::string name = "商品" + std::to_string(i) + std::string(static_cast<size_t>(i % 7), 'x') + "，蓝";
        names.push_back(name);
        text += std::to_string(i) + ",\"" + name + "\"\r\n";
    }
    WriteFile(dir.File("gbk.csv"), ToGbk(text));
    std::string encoding;
    auto records = ReadRecords(dir.File("gbk.csv"), &encoding);
    EXPECT_EQ(encoding, "GB18030");
    ASSERT_EQ(records.size(), 9001u);
    for (int i = 0; i < 9000; ++i) {
        ASSERT_EQ(records[static_cast<size_t>(i + 1)].fields.size(), 2u) << i;
        EXPECT_EQ(records[static_cast<size_t>(i + 1)].fields[1], names[static_cast<size_t>(i)]) << i;
        EXPECT_EQ(records[static_cast<size_t>(i + 1)].line, i + 2);
    }
}

TEST(CsvReaderTest, DetectsEncodings) {
    yutang::testing::TempDir dir;
    WriteFile(dir.File("bom.csv"), "\xEF\xBB\xBF订单号\n1\n");
    std::string encoding;
    auto records = ReadRecords(dir.File("bom.csv"), &encoding);
    EXPECT_EQ(encoding, "UTF-8");
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].fields[0], "订单号");  // BOM removed
    WriteFile(dir.File("gbk.csv"), ToGbk("订单号\n1\n"));
    records = ReadRecords(dir.File("gbk.csv"), &encoding);
    EXPECT_EQ(encoding, "GB18030");
    EXPECT_EQ(records[0].fields[0], "订单号");
    WriteFile(dir.File("utf16.csv"), "\xFF\xFE\x00\x00");
    auto utf16 = TextSource::Open(dir.File("utf16.csv"));
    ASSERT_FALSE(utf16.ok());
    EXPECT_EQ(utf16.status().code(), ErrorCode::kInvalidArgument);
}

TEST(CsvReaderTest, AnUnbalancedQuoteStopsAtTheRecordLimit) {
    yutang::testing::TempDir dir;
    std::string text = "a\n\"";
    text += std::string(2 * kMaxRecordBytes, 'x');
    WriteFile(dir.File("q.csv"), text);
    auto source = TextSource::Open(dir.File("q.csv"));
    ASSERT_TRUE(source.ok());
    CsvReader reader(**source);
    CsvRecord record;
    ASSERT_TRUE(*reader.Next(record));
    auto next = reader.Next(record);
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(next.status().field(), "file");
}

}  // namespace
}  // namespace yutang::imports::internal
