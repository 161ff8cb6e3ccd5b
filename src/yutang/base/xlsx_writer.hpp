// Writing a one-sheet XLSX workbook (Office Open XML, ECMA-376) for exports people open in Excel
// or WPS: numbers as numbers, text as inline strings, an optional bold header row.
//
// Rows are appended as they come and kept in an anonymous temporary file, not in memory; the
// workbook is zipped (libzip) when it is finished, to a file or into a string.
//
//   YT_ASSIGN_OR_RETURN(XlsxWriter sheet, XlsxWriter::Create({.sheet_name = "members"}));
//   YT_TRY(sheet.AddRow({"customer_id", "identities"}, XlsxWriter::RowStyle::kHeader));
//   YT_TRY(sheet.AddRow({int64_t{42}, "phone:138****0000"}));
//   YT_TRY(sheet.Finish("/tmp/members.xlsx"));   // or: YT_TRY(sheet.Finish(stdout));
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "yutang/base/status.hpp"
#include "yutang/base/temp_file.hpp"

namespace yutang {

struct XlsxSettings {
    // The sheet's tab name: at most 31 characters, none of []:*?/\ (others are replaced by '_').
    std::string sheet_name = "Sheet1";
    // Column widths in Excel's units (characters of the default font), from column A; 0 or
    // missing: Excel's default.
    std::vector<double> column_widths;
    // Keep the first row in view while scrolling (for a header row).
    bool freeze_first_row = false;
};

// Not thread-safe; movable, not copyable. A writer that is destroyed unfinished leaves nothing
// behind.
class XlsxWriter {
  public:
    // An empty cell (std::monostate), text (UTF-8), a whole number or a number. Numbers are
    // stored as Excel stores them (doubles: integers beyond 2^53 lose precision); a NaN or an
    // infinity becomes an empty cell.
    using Cell = std::variant<std::monostate, std::string_view, int64_t, double>;
    enum class RowStyle { kPlain, kHeader };  // kHeader: bold

    // Excel's limits (ECMA-376 leaves them to the application; Excel's "specifications and
    // limits" page): 1,048,576 rows and 16,384 columns a sheet, 32,767 characters a cell.
    static constexpr int64_t kMaxRows = 1'048'576;
    static constexpr size_t kMaxColumns = 16'384;
    static constexpr size_t kMaxCellCharacters = 32'767;

    // Starts a workbook. unavailable when no temporary file can be made.
    static Result<XlsxWriter> Create(XlsxSettings settings = {});

    XlsxWriter(XlsxWriter&& other) noexcept;
    XlsxWriter& operator=(XlsxWriter&& other) noexcept;
    ~XlsxWriter();

    // Appends the next row. Text is written as it is, except what XML 1.0 cannot carry: control
    // characters other than tab, line feed and carriage return, U+FFFE and U+FFFF, and bytes
    // that are not UTF-8 are dropped; text beyond kMaxCellCharacters (UTF-16 units, as Excel
    // counts) is cut. failed_precondition after kMaxRows rows, for more than kMaxColumns cells,
    // or once finished; unavailable when the temporary file cannot be written.
    Status AddRow(std::span<const Cell> cells, RowStyle style = RowStyle::kPlain);
    Status AddRow(std::initializer_list<Cell> cells, RowStyle style = RowStyle::kPlain) {
        return AddRow(std::span<const Cell>(cells.begin(), cells.size()), style);
    }

    // Rows added so far.
    int64_t rows() const { return rows_; }

    // Finishes the workbook and writes it to `path`, replacing any file there only once the whole
    // workbook is written. unavailable when it cannot be written; failed_precondition when
    // already finished.
    Status Finish(const std::string& path);
    // Finishes the workbook and writes it to `out` where it stands (an HTTP body, standard
    // output), flushed. The archive is made in memory first (a full sheet compresses to tens of
    // megabytes). Errors as Finish(path).
    Status Finish(std::FILE* out);

  private:
    XlsxWriter(XlsxSettings settings, UniqueFile rows);
    // Closes <sheetData>; the parts are zipped next.
    Status EndSheet();

    XlsxSettings settings_;
    UniqueFile rows_file_;  // <sheetData> rows written so far
    int64_t rows_ = 0;
    bool finished_ = false;
    std::string buffer_;  // one row's XML, reused
};

}  // namespace yutang
