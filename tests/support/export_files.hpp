// Helpers for the imports tests (and the importer's): writing fixture files, GBK bytes and
// workbooks laid out as Excel and the platforms' exporters write them. Link PkgConfig::LIBZIP.
#pragma once

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <iconv.h>
#include <zip.h>

namespace yutang::testing {

// UTF-8 text → GBK bytes, as JD and Taobao CSV exports are encoded.
inline std::string ToGbk(std::string_view utf8) {
    iconv_t cd = ::iconv_open("GBK", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv_open(GBK)");
    std::string in(utf8);
    std::string out(in.size() * 2 + 16, '\0');
    char* src = in.data();
    size_t src_left = in.size();
    char* dst = out.data();
    size_t dst_left = out.size();
    const size_t rc = ::iconv(cd, &src, &src_left, &dst, &dst_left);
    ::iconv_close(cd);
    if (rc == static_cast<size_t>(-1)) throw std::runtime_error("text has no GBK form");
    out.resize(out.size() - dst_left);
    return out;
}

inline void WriteFile(const std::string& path, std::string_view bytes) {
    std::ofstream file(path, std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline constexpr std::string_view kBom = "\xEF\xBB\xBF";

// A CSV cell as the platforms' exporters write it: quoted when `quote_all` or when it must be,
// Excel's text formula `="…"` bare.
inline std::string CsvCell(const std::string& value, bool quote_all) {
    if (value.starts_with("=\"")) return value;
    if (!quote_all && value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char c : value) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

// A workbook cell: text, a number as Excel writes it, or a date as Excel's serial day count.
struct DateCell {
    double serial;
};
struct NumberCell {
    std::string text;
};
using Cell = std::variant<std::string, NumberCell, DateCell>;

inline std::string XmlEscape(const std::string& text) {
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

inline std::string ColumnName(size_t index) {
    std::string name;
    for (size_t n = index + 1; n > 0; n = (n - 1) / 26)
        name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
    return name;
}

// Writes a minimal workbook the way Excel lays it out: text in sharedStrings (every other string
// cell inline, as some exporters do), dates as serials with a date style, a first sheet that is
// not named sheet1.xml when `first_sheet_part` says so.
inline void WriteWorkbook(const std::string& path, const std::vector<std::vector<Cell>>& rows,
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
                    sheet += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + XmlEscape(*text) + "</t></is></c>";
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
    for (const auto& s : shared) strings += "<si><t>" + XmlEscape(s) + "</t></si>";
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

}  // namespace yutang::testing
