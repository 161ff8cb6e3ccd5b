// The workbook's parts as written. Reading it back cell by cell with the importer's XLSX reader is
// in imports/internal/xlsx_test.cpp (base may not use imports).
#include "yutang/base/xlsx_writer.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <zip.h>

#include "yutang/base/temp_file.hpp"

#include "tests/support/temp_dir.hpp"

namespace yutang {
namespace {

using Cell = XlsxWriter::Cell;

// Every part of a workbook file, by name.
std::map<std::string, std::string> Parts(const std::string& path) {
    std::map<std::string, std::string> parts;
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (archive == nullptr) return parts;
    for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
        zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
        std::string content;
        char buffer[4096];
        zip_int64_t got = 0;
        while ((got = zip_fread(file, buffer, sizeof buffer)) > 0) content.append(buffer, static_cast<size_t>(got));
        zip_fclose(file);
        parts[zip_get_name(archive, static_cast<zip_uint64_t>(i), 0)] = std::move(content);
    }
    zip_discard(archive);
    return parts;
}

std::string Sheet(const std::string& path) { return Parts(path)["xl/worksheets/sheet1.xml"]; }

TEST(XlsxWriter, WritesThePackagePartsExcelNeeds) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create({.sheet_name = "成员 members"});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE(writer->AddRow({"customer_id", "identities"}, XlsxWriter::RowStyle::kHeader).ok());
    ASSERT_TRUE(writer->AddRow({int64_t{42}, "phone:138****0000"}).ok());
    EXPECT_EQ(writer->rows(), 2);
    ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());

    const auto parts = Parts(dir.File("a.xlsx"));
    for (const char* name : {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                             "xl/styles.xml", "xl/worksheets/sheet1.xml"}) {
        EXPECT_TRUE(parts.contains(name)) << name;
    }
    EXPECT_NE(parts.at("xl/workbook.xml").find(R"(<sheet name="成员 members" sheetId="1" r:id="rId1"/>)"),
              std::string::npos)
        << parts.at("xl/workbook.xml");
    const std::string& sheet = parts.at("xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find(R"(<row r="1"><c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">customer_id</t>)"),
              std::string::npos)
        << sheet;
    EXPECT_NE(sheet.find(R"(<row r="2"><c r="A2"><v>42</v></c><c r="B2" t="inlineStr">)"), std::string::npos)
        << "numbers are numbers: " << sheet;
    EXPECT_TRUE(sheet.ends_with("</sheetData></worksheet>")) << sheet;
}

TEST(XlsxWriter, EscapesMarkupAndDropsWhatXmlCannotCarry) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create();
    ASSERT_TRUE(writer.ok());
    const std::string text = std::string("<a & \"b\">") + '\x01' + "\xEF\xBF\xBF" /* U+FFFF */ + "\xFF" +
                             "\xED\xA0\x80" /* a surrogate */ + "\r\n\tend";
    ASSERT_TRUE(writer->AddRow({std::string_view(text)}).ok());
    ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());
    EXPECT_NE(Sheet(dir.File("a.xlsx")).find("<t xml:space=\"preserve\">&lt;a &amp; &quot;b&quot;&gt;&#13;\n\tend</t>"),
              std::string::npos)
        << Sheet(dir.File("a.xlsx"));
}

TEST(XlsxWriter, LeavesEmptyCellsOutAndKeepsColumnsInPlace) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create();
    ASSERT_TRUE(writer.ok());
    std::vector<Cell> row(28);
    row[0] = "first";
    row[27] = 2.5;  // column AB
    row[3] = std::numeric_limits<double>::quiet_NaN();
    ASSERT_TRUE(writer->AddRow(row).ok());
    ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());
    const std::string sheet = Sheet(dir.File("a.xlsx"));
    EXPECT_NE(sheet.find(R"(<c r="AB1"><v>2.5</v></c></row>)"), std::string::npos) << sheet;
    EXPECT_EQ(sheet.find(R"(r="B1")"), std::string::npos) << sheet;
    EXPECT_EQ(sheet.find(R"(r="D1")"), std::string::npos) << "NaN is no number: " << sheet;
}

TEST(XlsxWriter, CutsTextAtExcelsCellLimit) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create();
    ASSERT_TRUE(writer.ok());
    std::string text;
    for (size_t i = 0; i < XlsxWriter::kMaxCellCharacters - 1; ++i) text += 'x';
    text += "😀";  // two UTF-16 units: does not fit in the one left
    ASSERT_TRUE(writer->AddRow({std::string_view(text)}).ok());
    ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());
    const std::string sheet = Sheet(dir.File("a.xlsx"));
    const size_t start = sheet.find("<t xml:space=\"preserve\">") + 24;
    EXPECT_EQ(sheet.find("</t>", start) - start, XlsxWriter::kMaxCellCharacters - 1);
}

TEST(XlsxWriter, SheetNamesFollowExcelsRules) {
    testing::TempDir dir;
    for (const auto& [wanted, written] : std::vector<std::pair<std::string, std::string>>{
             {"a/b:c", "a_b_c"}, {"", "Sheet1"}, {"'q'", "_q_"}, {"0123456789012345678901234567890123", ""}}) {
        auto writer = XlsxWriter::Create({.sheet_name = wanted});
        ASSERT_TRUE(writer.ok());
        ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());
        const std::string expected = written.empty() ? wanted.substr(0, 31) : written;
        EXPECT_NE(Parts(dir.File("a.xlsx"))["xl/workbook.xml"].find("name=\"" + expected + "\""), std::string::npos)
            << wanted;
    }
}

TEST(XlsxWriter, ColumnWidthsAndAFrozenHeader) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create({.column_widths = {12, 0, 60.5}, .freeze_first_row = true});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());
    const std::string sheet = Sheet(dir.File("a.xlsx"));
    EXPECT_NE(sheet.find(R"(<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>)"),
              std::string::npos);
    EXPECT_NE(sheet.find(R"(<cols><col min="1" max="1" width="12" customWidth="1"/>)"
                         R"(<col min="3" max="3" width="60.5" customWidth="1"/></cols><sheetData>)"),
              std::string::npos)
        << sheet;
}

TEST(XlsxWriter, FinishesIntoAnOpenFileAsIntoAPath) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->AddRow({"演示", int64_t{7}}).ok());
    std::FILE* out = std::fopen(dir.File("m.xlsx").c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_GE(std::fputs("after this: ", out), 0);
    const Status finished = writer->Finish(out);
    std::fclose(out);
    ASSERT_TRUE(finished.ok()) << finished.ToString();
    // Written where the file stood, after what was there.
    std::ifstream in(dir.File("m.xlsx"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 16u);
    EXPECT_EQ(bytes.substr(0, 16), std::string("after this: PK\x03\x04", 16));
    std::ofstream(dir.File("w.xlsx"), std::ios::binary) << bytes.substr(12);
    EXPECT_NE(Sheet(dir.File("w.xlsx")).find(R"(<t xml:space="preserve">演示</t>)"), std::string::npos);
}

TEST(XlsxWriter, AnonymousTempFilesHaveNoName) {
    testing::TempDir dir;
    const char* before = std::getenv("TMPDIR");
    const std::optional<std::string> tmpdir = before ? std::optional<std::string>(before) : std::nullopt;
    ::setenv("TMPDIR", dir.path().c_str(), 1);
    auto file = AnonymousTempFile("a test");
    if (tmpdir) {
        ::setenv("TMPDIR", tmpdir->c_str(), 1);
    } else {
        ::unsetenv("TMPDIR");
    }
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    // Nothing in the directory it was made in; what is written reads back.
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
    ASSERT_GE(std::fputs("部分 kept", file->get()), 0);
    std::rewind(file->get());
    char back[32] = {};
    EXPECT_EQ(std::fread(back, 1, sizeof back, file->get()), std::string("部分 kept").size());
    EXPECT_STREQ(back, "部分 kept");
}

TEST(XlsxWriter, ReplacesAnExistingFile) {
    testing::TempDir dir;
    std::ofstream(dir.File("a.xlsx")) << "not a workbook";
    auto writer = XlsxWriter::Create();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->AddRow({"new"}).ok());
    ASSERT_TRUE(writer->Finish(dir.File("a.xlsx")).ok());
    EXPECT_NE(Sheet(dir.File("a.xlsx")).find(">new<"), std::string::npos);
}

TEST(XlsxWriter, Errors) {
    testing::TempDir dir;
    auto writer = XlsxWriter::Create();
    ASSERT_TRUE(writer.ok());
    const std::vector<Cell> too_wide(XlsxWriter::kMaxColumns + 1, int64_t{1});
    EXPECT_EQ(writer->AddRow(too_wide).code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(writer->rows(), 0);
    EXPECT_EQ(writer->Finish(dir.File("missing-dir/a.xlsx")).code(), ErrorCode::kUnavailable);
    EXPECT_EQ(writer->AddRow({"late"}).code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(writer->Finish(stdout).code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace yutang
