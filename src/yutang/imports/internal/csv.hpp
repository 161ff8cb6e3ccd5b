// Streaming input for the order reader: a file decoded chunk by chunk into UTF-8, and an
// RFC 4180 record reader on top of it. Neither ever holds more than a few chunks.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/status.hpp"

namespace yutang::imports::internal {

inline constexpr size_t kChunkBytes = 64 * 1024;
inline constexpr size_t kMaxRecordBytes = 4 * 1024 * 1024;

// A file decoded to UTF-8 in chunks.
class TextSource {
  public:
    // not_found when missing; invalid_argument (field "file") for XLSX, encrypted Office files
    // and UTF-16; unavailable when unreadable.
    static Result<std::unique_ptr<TextSource>> Open(const std::string& path);
    ~TextSource();
    TextSource(const TextSource&) = delete;
    TextSource& operator=(const TextSource&) = delete;

    std::string_view encoding() const { return gb18030_ ? "GB18030" : "UTF-8"; }
    // Appends the next decoded chunk to `out`. Returns false at the end of the file.
    Result<bool> ReadMore(std::string& out);
    uint64_t bytes_read() const { return bytes_read_; }
    uint64_t bytes_total() const { return bytes_total_; }

  private:
    TextSource() = default;
    Status Fill();  // reads one chunk of raw bytes into raw_
    void Decode(std::string& out, bool at_end);

    std::FILE* file_ = nullptr;
    void* iconv_ = nullptr;  // iconv_t when gb18030_
    bool gb18030_ = false;
    bool file_eof_ = false;
    std::string raw_;  // raw bytes read but not yet decoded (at most one chunk plus a partial character)
    uint64_t bytes_read_ = 0;
    uint64_t bytes_total_ = 0;
};

struct CsvRecord {
    std::vector<std::string> fields;
    std::string raw;   // the record's text without its line ending
    int64_t line = 0;  // 1-based physical line where the record starts
};

// RFC 4180 records (quoted fields with embedded commas, quotes and newlines; CRLF or LF), read
// tolerantly: a quote inside an unquoted field is kept as text, text after a closing quote is
// appended, and `="…"` (Taobao's Excel guard, order-exports.md §淘宝) is read as a quoted field.
class CsvReader {
  public:
    explicit CsvReader(TextSource& source) : source_(source) {}
    // Fills `record` with the next record; false at the end. invalid_argument (field "file") for a
    // record longer than kMaxRecordBytes.
    Result<bool> Next(CsvRecord& record);
    size_t peak_buffer_bytes() const { return peak_; }

  private:
    enum class Parse { kComplete, kNeedMore };
    Parse TryParse(CsvRecord& record, size_t& end, size_t& next, int64_t& newlines) const;

    TextSource& source_;
    std::string buffer_;
    size_t pos_ = 0;
    bool eof_ = false;
    int64_t line_ = 1;
    size_t peak_ = 0;
};

}  // namespace yutang::imports::internal
