// Streaming XLSX reading: the first worksheet's XML is inflated by libzip and parsed by expat
// in 64 KiB chunks; only the shared-string table (which Excel keeps in one part) and the styles
// are read whole.
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <vector>

#include <expat.h>
#include <zip.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/imports/internal/records.hpp"

namespace yutang::imports::internal {
namespace {

// Reads a whole (small) part of the workbook; nullopt when absent.
std::optional<std::string> ReadPart(zip_t* archive, const std::string& name) {
    zip_file_t* file = zip_fopen(archive, name.c_str(), 0);
    if (file == nullptr) return std::nullopt;
    std::string out;
    char buffer[65536];
    while (true) {
        const zip_int64_t got = zip_fread(file, buffer, sizeof buffer);
        if (got <= 0) break;
        out.append(buffer, static_cast<size_t>(got));
    }
    zip_fclose(file);
    return out;
}

const char* Attribute(const XML_Char** attributes, std::string_view name) {
    for (size_t i = 0; attributes[i] != nullptr; i += 2)
        if (name == attributes[i]) return attributes[i + 1];
    return nullptr;
}

// Element names without their namespace prefix (`x:row` → `row`).
std::string_view Local(const XML_Char* name) {
    std::string_view n = name;
    const size_t colon = n.rfind(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// A whole-document expat pass with one handler object.
template <typename Handler>
bool ParseWhole(const std::string& xml, Handler& handler) {
    XML_Parser parser = XML_ParserCreate("UTF-8");
    XML_SetUserData(parser, &handler);
    XML_SetElementHandler(
        parser,
        [](void* data, const XML_Char* name, const XML_Char** attributes) {
            static_cast<Handler*>(data)->Start(Local(name), attributes);
        },
        [](void* data, const XML_Char* name) { static_cast<Handler*>(data)->End(Local(name)); });
    XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* text, int length) {
        static_cast<Handler*>(data)->Text(std::string_view(text, static_cast<size_t>(length)));
    });
    const bool ok = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
    XML_ParserFree(parser);
    return ok;
}

struct SharedStrings {
    std::vector<std::string> strings;
    bool in_text = false;
    int phonetic = 0;  // <rPh> runs are reading aids, not text
    void Start(std::string_view name, const XML_Char**) {
        if (name == "si")
            strings.emplace_back();
        else if (name == "rPh")
            ++phonetic;
        else if (name == "t" && phonetic == 0)
            in_text = true;
    }
    void End(std::string_view name) {
        if (name == "t")
            in_text = false;
        else if (name == "rPh")
            --phonetic;
    }
    void Text(std::string_view text) {
        if (in_text && !strings.empty()) strings.back().append(text);
    }
};

// Which cell styles (`s` index) show dates: Youzan exports "dates as real Excel date cells".
struct Styles {
    std::map<int, std::string> formats;  // custom numFmtId → formatCode
    std::vector<int> xf_formats;         // cellXfs index → numFmtId
    bool in_cell_xfs = false;
    void Start(std::string_view name, const XML_Char** attributes) {
        if (name == "numFmt") {
            const char* id = Attribute(attributes, "numFmtId");
            const char* code = Attribute(attributes, "formatCode");
            if (id && code) formats[std::atoi(id)] = code;
        } else if (name == "cellXfs") {
            in_cell_xfs = true;
        } else if (name == "xf" && in_cell_xfs) {
            const char* id = Attribute(attributes, "numFmtId");
            xf_formats.push_back(id ? std::atoi(id) : 0);
        }
    }
    void End(std::string_view name) {
        if (name == "cellXfs") in_cell_xfs = false;
    }
    void Text(std::string_view) {}

    std::set<int> DateStyles() const {
        std::set<int> out;
        for (size_t i = 0; i < xf_formats.size(); ++i) {
            const int id = xf_formats[i];
            // Built-in date formats, including the CJK ones (27–36, 50–58).
            bool date =
                (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
            if (const auto custom = formats.find(id); custom != formats.end()) {
                date = false;
                bool quoted = false;
                bool bracket = false;
                for (char c : custom->second) {
                    if (c == '"')
                        quoted = !quoted;
                    else if (!quoted && c == '[')
                        bracket = true;
                    else if (!quoted && c == ']')
                        bracket = false;
                    else if (!quoted && !bracket && std::string_view("ymdhsYMDHS").find(c) != std::string_view::npos)
                        date = true;
                }
            }
            if (date) out.insert(static_cast<int>(i));
        }
        return out;
    }
};

struct Relations {
    std::map<std::string, std::string> targets;
    void Start(std::string_view name, const XML_Char** attributes) {
        if (name != "Relationship") return;
        const char* id = Attribute(attributes, "Id");
        const char* target = Attribute(attributes, "Target");
        if (id && target) targets[id] = target;
    }
    void End(std::string_view) {}
    void Text(std::string_view) {}
};

struct FirstSheet {
    std::string relation_id;
    void Start(std::string_view name, const XML_Char** attributes) {
        if (name != "sheet" || !relation_id.empty()) return;
        for (size_t i = 0; attributes[i] != nullptr; i += 2)
            if (Local(attributes[i]) == "id") relation_id = attributes[i + 1];
    }
    void End(std::string_view) {}
    void Text(std::string_view) {}
};

// "B12" → 1 (zero-based column); -1 when malformed.
int ColumnOf(const char* reference) {
    int column = 0;
    int letters = 0;
    for (const char* p = reference; *p >= 'A' && *p <= 'Z'; ++p, ++letters) column = column * 26 + (*p - 'A' + 1);
    return letters == 0 ? -1 : column - 1;
}

// Numbers as Excel stores them (`178.80000000000001`) shortened to what Excel shows.
std::string ShortNumber(const std::string& text) {
    if (text.size() <= 15 || text.find_first_of("eE") != std::string::npos) return text;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') return text;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.15g", value);
    return buffer;
}

std::string QuoteCsv(const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

class XlsxRecordReader final : public RecordReader {
  public:
    ~XlsxRecordReader() override {
        if (parser_ != nullptr) XML_ParserFree(parser_);
        if (sheet_ != nullptr) zip_fclose(sheet_);
        if (archive_ != nullptr) zip_discard(archive_);
    }

    Status Init(const std::string& path) {
        int error = 0;
        archive_ = zip_open(path.c_str(), ZIP_RDONLY, &error);
        if (archive_ == nullptr) return InvalidArgument("the file is not a readable XLSX workbook", "file");
        std::string sheet_name = "xl/worksheets/sheet1.xml";
        FirstSheet first;
        Relations relations;
        const auto workbook = ReadPart(archive_, "xl/workbook.xml");
        const auto rels = ReadPart(archive_, "xl/_rels/workbook.xml.rels");
        if (!workbook) return InvalidArgument("the file is a zip archive but not an XLSX workbook", "file");
        if (ParseWhole(*workbook, first) && rels && ParseWhole(*rels, relations)) {
            // Taobao's 2026 workbook: the first sheet is the 订单报表 (order-exports.md §淘宝).
            if (const auto target = relations.targets.find(first.relation_id); target != relations.targets.end())
                sheet_name = target->second.starts_with('/') ? target->second.substr(1) : "xl/" + target->second;
        }
        if (const auto strings = ReadPart(archive_, "xl/sharedStrings.xml")) {
            SharedStrings shared;
            if (!ParseWhole(*strings, shared))
                return InvalidArgument("the workbook's shared strings are unreadable", "file");
            strings_ = std::move(shared.strings);
        }
        if (const auto styles_xml = ReadPart(archive_, "xl/styles.xml")) {
            Styles styles;
            if (ParseWhole(*styles_xml, styles)) date_styles_ = styles.DateStyles();
        }
        zip_stat_t stat;
        zip_stat_init(&stat);
        if (zip_stat(archive_, sheet_name.c_str(), 0, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE)) total_ = stat.size;
        sheet_ = zip_fopen(archive_, sheet_name.c_str(), 0);
        if (sheet_ == nullptr) return InvalidArgument("the workbook has no readable first sheet", "file");
        parser_ = XML_ParserCreate("UTF-8");
        XML_SetUserData(parser_, this);
        XML_SetElementHandler(
            parser_,
            [](void* data, const XML_Char* name, const XML_Char** attributes) {
                static_cast<XlsxRecordReader*>(data)->Start(Local(name), attributes);
            },
            [](void* data, const XML_Char* name) { static_cast<XlsxRecordReader*>(data)->End(Local(name)); });
        XML_SetCharacterDataHandler(parser_, [](void* data, const XML_Char* text, int length) {
            static_cast<XlsxRecordReader*>(data)->Text(std::string_view(text, static_cast<size_t>(length)));
        });
        return OkStatus();
    }

    Result<bool> Next(CsvRecord& record) override {
        while (ready_.empty() && !done_) {
            char buffer[kChunkBytes];
            const zip_int64_t got = zip_fread(sheet_, buffer, sizeof buffer);
            if (got < 0) return InvalidArgument("the workbook's sheet is damaged", "file");
            read_ += static_cast<uint64_t>(got);
            done_ = got == 0;
            if (XML_Parse(parser_, buffer, static_cast<int>(got), done_ ? 1 : 0) != XML_STATUS_OK)
                return InvalidArgument("the workbook's sheet is not well-formed XML", "file");
            size_t pending = 0;
            for (const auto& r : ready_) pending += r.raw.size();
            peak_ = std::max(peak_, pending);
        }
        if (ready_.empty()) return false;
        record = std::move(ready_.front());
        ready_.pop_front();
        return true;
    }
    std::string_view encoding() const override { return "UTF-8"; }
    uint64_t bytes_read() const override { return read_; }
    uint64_t bytes_total() const override { return total_; }
    size_t peak_buffer_bytes() const override { return peak_; }

  private:
    void Start(std::string_view name, const XML_Char** attributes) {
        if (name == "row") {
            row_ = CsvRecord();
            const char* r = Attribute(attributes, "r");
            row_.line = r ? std::atoll(r) : last_line_ + 1;
            next_column_ = 0;
        } else if (name == "c") {
            const char* reference = Attribute(attributes, "r");
            column_ = reference ? ColumnOf(reference) : next_column_;
            if (column_ < 0) column_ = next_column_;
            const char* type = Attribute(attributes, "t");
            type_ = type ? type : "n";
            const char* style = Attribute(attributes, "s");
            style_ = style ? std::atoi(style) : 0;
            value_.clear();
        } else if (name == "v" || (name == "t" && type_ == "inlineStr")) {
            in_value_ = true;
        }
    }
    void End(std::string_view name) {
        if (name == "v" || name == "t") {
            in_value_ = false;
        } else if (name == "c") {
            std::string cell;
            if (type_ == "s") {
                const size_t index = static_cast<size_t>(std::atoll(value_.c_str()));
                if (index < strings_.size()) cell = strings_[index];
            } else if (type_ == "n" && !value_.empty() && date_styles_.contains(style_)) {
                cell = ExcelSerialToText(std::strtod(value_.c_str(), nullptr));
            } else if (type_ == "n") {
                cell = ShortNumber(value_);
            } else {
                cell = value_;  // str, inlineStr, b, e
            }
            const size_t at = static_cast<size_t>(column_);
            if (at < 16384) {
                if (row_.fields.size() <= at) row_.fields.resize(at + 1);
                row_.fields[at] = std::move(cell);
            }
            next_column_ = column_ + 1;
        } else if (name == "row") {
            for (size_t i = 0; i < row_.fields.size(); ++i) row_.raw += (i ? "," : "") + QuoteCsv(row_.fields[i]);
            last_line_ = row_.line;
            if (row_.fields.empty()) row_.fields.emplace_back();
            ready_.push_back(std::move(row_));
        }
    }
    void Text(std::string_view text) {
        if (in_value_) value_.append(text);
    }

    zip_t* archive_ = nullptr;
    zip_file_t* sheet_ = nullptr;
    XML_Parser parser_ = nullptr;
    std::vector<std::string> strings_;
    std::set<int> date_styles_;
    std::deque<CsvRecord> ready_;  // rows completed by the last chunk
    CsvRecord row_;
    int64_t last_line_ = 0;
    int column_ = 0;
    int next_column_ = 0;
    std::string type_;
    int style_ = 0;
    std::string value_;
    bool in_value_ = false;
    bool done_ = false;
    uint64_t read_ = 0;
    uint64_t total_ = 0;
    size_t peak_ = 0;
};

}  // namespace

std::string ExcelSerialToText(double serial) {
    if (!(serial >= 1 && serial < 2958466)) return {};  // 1900-01-01 … 9999-12-31
    auto seconds = static_cast<int64_t>(std::llround(serial * 86400.0));
    const int64_t days = seconds / 86400 - 25569;  // 1970-01-01 is serial 25569
    seconds %= 86400;
    const LocalDate date = DateOfDay(static_cast<int32_t>(days));
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d", date.year, date.month, date.day,
                  static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                  static_cast<int>(seconds % 60));
    return buffer;
}

Result<std::unique_ptr<RecordReader>> OpenXlsx(const std::string& path) {
    auto reader = std::make_unique<XlsxRecordReader>();
    YT_TRY(reader->Init(path));
    return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace yutang::imports::internal
