#include "yutang/imports/internal/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <iconv.h>
#include <sys/stat.h>

#include "yutang/base/text.hpp"
#include "yutang/imports/internal/records.hpp"

namespace yutang::imports::internal {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// True when `bytes` is valid UTF-8, allowing a character cut off at the end (the chunk boundary).
bool LooksLikeUtf8(std::string_view bytes, bool complete) {
    if (Utf8Length(bytes)) return true;
    if (complete) return false;
    for (size_t cut = 1; cut <= 3 && cut < bytes.size(); ++cut)
        if (Utf8Length(bytes.substr(0, bytes.size() - cut))) return true;
    return false;
}

}  // namespace

Result<std::unique_ptr<TextSource>> TextSource::Open(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return NotFound("the export file does not exist");
        return Unavailable("cannot read the export file", std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) return InvalidArgument("the export is not a regular file", "file");
    std::unique_ptr<TextSource> source(new TextSource());
    source->bytes_total_ = static_cast<uint64_t>(info.st_size);
    source->file_ = std::fopen(path.c_str(), "rb");
    if (source->file_ == nullptr) return Unavailable("cannot read the export file", std::strerror(errno));
    YT_TRY(source->Fill());
    const std::string_view head = source->raw_;
    // Seller back-ends also hand out workbooks (order-exports.md: Taobao after 2019, JD, Youzan);
    // JD's 2026 detail export and Taobao's 发货报表 are password-encrypted Office files.
    if (head.starts_with("PK\x03\x04")) return InvalidArgument("the file is a zip archive, not CSV text", "file");
    if (head.starts_with("\xD0\xCF\x11\xE0"))
        return InvalidArgument("the file is an encrypted or legacy Office file; open it and save as CSV", "file");
    if (head.starts_with("\xFF\xFE") || head.starts_with("\xFE\xFF"))
        return InvalidArgument("UTF-16 text is not supported; save as CSV (UTF-8)", "file");
    if (head.starts_with(kUtf8Bom)) {
        // Douyin and PDD: UTF-8 with BOM (order-exports.md §抖店, §拼多多).
        source->raw_.erase(0, kUtf8Bom.size());
    } else if (!LooksLikeUtf8(head, source->file_eof_)) {
        // JD and Taobao CSVs are GBK (order-exports.md §京东, §淘宝); GB18030 is its superset.
        // Every export's header is Chinese, so the first chunk decides.
        iconv_t cd = ::iconv_open("UTF-8", "GB18030");
        if (cd == reinterpret_cast<iconv_t>(-1)) return Internal("iconv_open(GB18030) failed");
        source->iconv_ = cd;
        source->gb18030_ = true;
    }
    return source;
}

TextSource::~TextSource() {
    if (iconv_ != nullptr) ::iconv_close(static_cast<iconv_t>(iconv_));
    if (file_ != nullptr) std::fclose(file_);
}

Status TextSource::Fill() {
    if (file_eof_) return OkStatus();
    const size_t old = raw_.size();
    raw_.resize(old + kChunkBytes);
    const size_t got = std::fread(raw_.data() + old, 1, kChunkBytes, file_);
    raw_.resize(old + got);
    bytes_read_ += got;
    if (got < kChunkBytes) {
        if (std::ferror(file_)) return Unavailable("cannot read the export file", std::strerror(errno));
        file_eof_ = true;
    }
    return OkStatus();
}

void TextSource::Decode(std::string& out, bool at_end) {
    if (!gb18030_) {
        out.append(raw_);
        raw_.clear();
        return;
    }
    auto cd = static_cast<iconv_t>(iconv_);
    size_t in_pos = 0;
    while (in_pos < raw_.size()) {
        const size_t old = out.size();
        const size_t room = (raw_.size() - in_pos) * 2 + 16;
        out.resize(old + room);
        char* in = raw_.data() + in_pos;
        size_t in_left = raw_.size() - in_pos;
        char* dst = out.data() + old;
        size_t dst_left = room;
        const size_t rc = ::iconv(cd, &in, &in_left, &dst, &dst_left);
        const int error = errno;
        out.resize(old + (room - dst_left));
        in_pos = raw_.size() - in_left;
        if (rc != static_cast<size_t>(-1)) continue;
        if (error == E2BIG) continue;
        if (error == EINVAL && !at_end) break;  // a character cut by the chunk boundary: wait for more
        // An invalid (or, at the end, truncated) byte: replace it and go on; the row is still
        // reported if a needed cell is unreadable.
        out.append(kReplacement);
        ++in_pos;
    }
    raw_.erase(0, in_pos);
}

Result<bool> TextSource::ReadMore(std::string& out) {
    if (raw_.empty() && file_eof_) return false;
    if (raw_.empty() || !file_eof_) YT_TRY(Fill());
    if (raw_.empty() && file_eof_) return false;
    Decode(out, file_eof_);
    return true;
}

CsvReader::Parse CsvReader::TryParse(CsvRecord& record, size_t& end, size_t& next, int64_t& newlines) const {
    const std::string& b = buffer_;
    const size_t n = b.size();
    size_t i = pos_;
    newlines = 0;
    record.fields.clear();
    std::string field;
    while (true) {
        field.clear();
        const bool excel_guard = i + 1 < n && b[i] == '=' && b[i + 1] == '"';
        if (i < n && (b[i] == '"' || excel_guard)) {
            i += excel_guard ? 2 : 1;
            while (true) {
                if (i >= n) {
                    if (!eof_) return Parse::kNeedMore;
                    break;  // unterminated quote at the end of the file: take what is there
                }
                const char c = b[i];
                if (c == '"') {
                    if (i + 1 >= n && !eof_) return Parse::kNeedMore;
                    if (i + 1 < n && b[i + 1] == '"') {
                        field.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (c == '\n') ++newlines;
                field.push_back(c);
                ++i;
            }
        }
        // Unquoted text (or text after a closing quote, kept as is).
        while (i < n && b[i] != ',' && b[i] != '\n' && b[i] != '\r') field.push_back(b[i++]);
        if (i >= n) {
            if (!eof_) return Parse::kNeedMore;
            record.fields.push_back(std::move(field));
            end = next = n;
            return Parse::kComplete;
        }
        record.fields.push_back(std::move(field));
        if (b[i] == ',') {
            ++i;
            continue;
        }
        end = i;
        if (b[i] == '\r') {
            if (i + 1 >= n && !eof_) return Parse::kNeedMore;
            if (i + 1 < n && b[i + 1] == '\n') ++i;
        }
        next = i + 1;
        ++newlines;
        return Parse::kComplete;
    }
}

Result<bool> CsvReader::Next(CsvRecord& record) {
    while (true) {
        if (pos_ >= buffer_.size() && eof_) return false;
        size_t end = 0;
        size_t next = 0;
        int64_t newlines = 0;
        if (pos_ < buffer_.size() && TryParse(record, end, next, newlines) == Parse::kComplete) {
            record.raw.assign(buffer_, pos_, end - pos_);
            record.line = line_;
            line_ += newlines;
            pos_ = next;
            return true;
        }
        if (buffer_.size() - pos_ > kMaxRecordBytes)
            return InvalidArgument("a row is longer than 4 MiB (an unbalanced quote?)", "file");
        // Drop consumed text before reading more so the buffer stays near one chunk.
        buffer_.erase(0, pos_);
        pos_ = 0;
        // A record longer than the buffer is re-parsed from its start after each read, so read
        // until the unparsed text has doubled: the re-parsing stays linear in the record length.
        const size_t target = std::max(2 * buffer_.size(), kChunkBytes);
        while (!eof_ && buffer_.size() < target && buffer_.size() <= kMaxRecordBytes) {
            YT_ASSIGN_OR_RETURN(bool more, source_.ReadMore(buffer_));
            if (!more) eof_ = true;
        }
        peak_ = std::max(peak_, buffer_.size());
    }
}

namespace {

class CsvRecordReader final : public RecordReader {
  public:
    explicit CsvRecordReader(std::unique_ptr<TextSource> source) : source_(std::move(source)), csv_(*source_) {}
    Result<bool> Next(CsvRecord& record) override { return csv_.Next(record); }
    std::string_view encoding() const override { return source_->encoding(); }
    uint64_t bytes_read() const override { return source_->bytes_read(); }
    uint64_t bytes_total() const override { return source_->bytes_total(); }
    size_t peak_buffer_bytes() const override { return csv_.peak_buffer_bytes(); }

  private:
    std::unique_ptr<TextSource> source_;
    CsvReader csv_;
};

}  // namespace

Result<std::unique_ptr<RecordReader>> OpenRecords(const std::string& path) {
    {
        std::FILE* file = std::fopen(path.c_str(), "rb");
        if (file != nullptr) {
            char magic[4] = {};
            const size_t got = std::fread(magic, 1, sizeof magic, file);
            std::fclose(file);
            // XLSX: Taobao after 2019, JD and Youzan today (order-exports.md).
            if (got == 4 && std::string_view(magic, 4) == "PK\x03\x04") return OpenXlsx(path);
        }
    }
    YT_ASSIGN_OR_RETURN(std::unique_ptr<TextSource> source, TextSource::Open(path));
    return std::unique_ptr<RecordReader>(new CsvRecordReader(std::move(source)));
}

}  // namespace yutang::imports::internal
