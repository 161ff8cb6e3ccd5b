// The order reader's view of an export: a stream of records (rows of cells), whether the file
// is CSV or an XLSX workbook.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "yutang/base/status.hpp"
#include "yutang/imports/internal/csv.hpp"

namespace yutang::imports::internal {

class RecordReader {
  public:
    virtual ~RecordReader() = default;
    // The next record; false at the end. Errors as CsvReader::Next / XLSX read errors.
    virtual Result<bool> Next(CsvRecord& record) = 0;
    virtual std::string_view encoding() const = 0;
    virtual uint64_t bytes_read() const = 0;
    virtual uint64_t bytes_total() const = 0;
    virtual size_t peak_buffer_bytes() const = 0;
};

// Opens a CSV file or (by its zip signature) an XLSX workbook's first sheet.
// not_found when missing; invalid_argument (field "file") for encrypted Office files, UTF-16
// text and workbooks without a readable sheet; unavailable when unreadable.
Result<std::unique_ptr<RecordReader>> OpenRecords(const std::string& path);

// The XLSX side of OpenRecords (xlsx.cpp).
Result<std::unique_ptr<RecordReader>> OpenXlsx(const std::string& path);

// An Excel date serial (days since 1899-12-30, fraction = time of day) as
// "YYYY-MM-DD HH:MM:SS"; empty when out of range.
std::string ExcelSerialToText(double serial);

}  // namespace yutang::imports::internal
