#include "yutang/base/xlsx_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <zip.h>

#include "yutang/base/temp_file.hpp"

namespace yutang {
namespace {

constexpr std::string_view kXmlDeclaration = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                                             "\n";
constexpr std::string_view kMainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

// The package parts besides the sheet (ECMA-376 Part 1 §12.2: the content types, the package
// relationship to the workbook, the workbook with its one sheet and its relationships).
constexpr std::string_view kContentTypes =
    R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
    R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
    R"(<Default Extension="xml" ContentType="application/xml"/>)"
    R"(<Override PartName="/xl/workbook.xml" )"
    R"(ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>)"
    R"(<Override PartName="/xl/worksheets/sheet1.xml" )"
    R"(ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>)"
    R"(<Override PartName="/xl/styles.xml" )"
    R"(ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>)"
    R"(</Types>)";

constexpr std::string_view kPackageRelationships =
    R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
    R"(<Relationship Id="rId1" )"
    R"(Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" )"
    R"(Target="xl/workbook.xml"/>)"
    R"(</Relationships>)";

constexpr std::string_view kWorkbookRelationships =
    R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
    R"(<Relationship Id="rId1" )"
    R"(Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" )"
    R"(Target="worksheets/sheet1.xml"/>)"
    R"(<Relationship Id="rId2" )"
    R"(Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>)"
    R"(</Relationships>)";

// Two cell formats: 0 plain, 1 bold (header rows). The fills, border and cell style are the ones
// Excel requires to be present.
constexpr std::string_view kStyles =
    R"(<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)"
    R"(<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>)"
    R"(<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>)"
    R"(<fills count="2"><fill><patternFill patternType="none"/></fill>)"
    R"(<fill><patternFill patternType="gray125"/></fill></fills>)"
    R"(<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>)"
    R"(<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>)"
    R"(<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>)"
    R"(<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>)"
    R"(<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>)"
    R"(</styleSheet>)";

// Appends `text` as XML character data (also fit for a double-quoted attribute), keeping only
// what XML 1.0 allows (§2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF]), at most `max_units` UTF-16 units of it.
void AppendXmlText(std::string& out, std::string_view text, size_t max_units) {
    size_t units = 0;
    for (size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        size_t length = 1;
        uint32_t code_point = byte;
        uint32_t smallest = 0;
        if (byte >= 0x80) {
            if ((byte & 0xE0) == 0xC0) {
                length = 2;
                code_point = byte & 0x1Fu;
                smallest = 0x80;
            } else if ((byte & 0xF0) == 0xE0) {
                length = 3;
                code_point = byte & 0x0Fu;
                smallest = 0x800;
            } else if ((byte & 0xF8) == 0xF0) {
                length = 4;
                code_point = byte & 0x07u;
                smallest = 0x10000;
            } else {
                ++i;  // a stray continuation byte or an invalid lead byte
                continue;
            }
            size_t k = 1;
            for (; k < length && i + k < text.size(); ++k) {
                const auto next = static_cast<unsigned char>(text[i + k]);
                if ((next & 0xC0) != 0x80) break;
                code_point = (code_point << 6) | (next & 0x3Fu);
            }
            if (k < length || code_point < smallest || code_point > 0x10FFFF) {
                i += k;  // truncated, overlong or out of range: dropped
                continue;
            }
        }
        const bool allowed = code_point == 0x9 || code_point == 0xA || code_point == 0xD ||
                             (code_point >= 0x20 && code_point <= 0xD7FF) ||
                             (code_point >= 0xE000 && code_point <= 0xFFFD) || code_point >= 0x10000;
        if (allowed) {
            const size_t needed = code_point >= 0x10000 ? 2 : 1;
            if (units + needed > max_units) return;
            units += needed;
            switch (code_point) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\r':
                    out += "&#13;";  // a literal CR would be read back as LF (XML 1.0 §2.11)
                    break;
                default:
                    out.append(text.substr(i, length));
            }
        }
        i += length;
    }
}

// "A", "B", … "Z", "AA", … for zero-based column `index`.
void AppendColumnName(std::string& out, size_t index) {
    char letters[4];
    size_t count = 0;
    for (size_t n = index + 1; n > 0; n = (n - 1) / 26) letters[count++] = static_cast<char>('A' + (n - 1) % 26);
    while (count > 0) out += letters[--count];
}

// A sheet name Excel accepts: no []:*?/\, not starting or ending with an apostrophe, 1 to 31
// characters.
std::string SheetName(std::string_view wanted) {
    std::string name;
    AppendXmlText(name, wanted, 31);
    for (char& c : name) {
        if (std::string_view(R"([]:*?/\)").find(c) != std::string_view::npos) c = '_';
    }
    if (!name.empty() && name.front() == '\'') name.front() = '_';
    if (!name.empty() && name.back() == '\'') name.back() = '_';
    return name.empty() ? "Sheet1" : name;
}

std::string SheetHead(const XlsxSettings& settings) {
    std::string head(kXmlDeclaration);
    head += "<worksheet xmlns=\"";
    head += kMainNamespace;
    head += "\">";
    if (settings.freeze_first_row) {
        head += R"(<sheetViews><sheetView workbookViewId="0">)"
                R"(<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>)"
                R"(</sheetView></sheetViews>)";
    }
    std::string columns;
    for (size_t i = 0; i < settings.column_widths.size(); ++i) {
        const double width = settings.column_widths[i];
        if (!(width > 0 && width <= 255)) continue;
        char number[32];
        const auto end = std::to_chars(number, number + sizeof number, width).ptr;
        const std::string index = std::to_string(i + 1);
        columns += "<col min=\"" + index + "\" max=\"" + index + "\" width=\"" + std::string(number, end) +
                   "\" customWidth=\"1\"/>";
    }
    if (!columns.empty()) head += "<cols>" + columns + "</cols>";
    head += "<sheetData>";
    return head;
}

std::string WorkbookXml(std::string_view sheet_name) {
    std::string workbook(kXmlDeclaration);
    workbook += "<workbook xmlns=\"";
    workbook += kMainNamespace;
    workbook +=
        "\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        "<sheets><sheet name=\"";
    workbook += SheetName(sheet_name);
    workbook += R"(" sheetId="1" r:id="rId1"/></sheets></workbook>)";
    return workbook;
}

Status WriteError(const std::string& what) { return Unavailable("the workbook could not be written", what); }

std::string ZipErrorText(zip_error_t* error) { return zip_error_strerror(error); }

// Adds every part to `archive`, the content types first (as Office writes them), the sheet last;
// its rows come from `rows`, which libzip owns from here on, whatever happens. The package parts
// are static; the workbook's text lives in `workbook`, which must outlive the archive's close.
Status AddParts(zip_t* archive, std::FILE* rows, const std::string& workbook) {
    auto add = [archive](const char* name, zip_source_t* source) -> Status {
        if (source == nullptr) return WriteError(zip_strerror(archive));
        if (zip_file_add(archive, name, source, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(source);
            return WriteError(zip_strerror(archive));
        }
        return OkStatus();
    };
    auto buffer = [archive](std::string_view data) { return zip_source_buffer(archive, data.data(), data.size(), 0); };
    Status added = add("[Content_Types].xml", buffer(kContentTypes));
    if (added.ok()) added = add("_rels/.rels", buffer(kPackageRelationships));
    if (added.ok()) added = add("xl/workbook.xml", buffer(workbook));
    if (added.ok()) added = add("xl/_rels/workbook.xml.rels", buffer(kWorkbookRelationships));
    if (added.ok()) added = add("xl/styles.xml", buffer(kStyles));
    // libzip (1.7) reads a stream source from where it stands when the start is 0: from the top.
    zip_source_t* sheet = nullptr;
    if (added.ok() && std::fseek(rows, 0, SEEK_SET) == 0) sheet = zip_source_filep(archive, rows, 0, -1);
    if (sheet == nullptr) {
        std::fclose(rows);
        return added.ok() ? WriteError(zip_strerror(archive)) : added;
    }
    return add("xl/worksheets/sheet1.xml", sheet);
}

}  // namespace

XlsxWriter::XlsxWriter(XlsxSettings settings, UniqueFile rows)
    : settings_(std::move(settings)), rows_file_(std::move(rows)) {}
XlsxWriter::XlsxWriter(XlsxWriter&& other) noexcept = default;
XlsxWriter& XlsxWriter::operator=(XlsxWriter&& other) noexcept = default;
XlsxWriter::~XlsxWriter() = default;

Result<XlsxWriter> XlsxWriter::Create(XlsxSettings settings) {
    YT_ASSIGN_OR_RETURN(UniqueFile rows, AnonymousTempFile("the workbook"));
    std::FILE* file = rows.get();
    XlsxWriter writer(std::move(settings), std::move(rows));
    const std::string head = SheetHead(writer.settings_);
    if (std::fwrite(head.data(), 1, head.size(), file) != head.size()) return WriteError(std::strerror(errno));
    return writer;
}

Status XlsxWriter::AddRow(std::span<const Cell> cells, RowStyle style) {
    if (finished_) return FailedPrecondition("the workbook is already finished");
    if (rows_ >= kMaxRows) return FailedPrecondition("an XLSX sheet holds at most 1,048,576 rows");
    if (cells.size() > kMaxColumns) return FailedPrecondition("an XLSX sheet holds at most 16,384 columns");
    const std::string row = std::to_string(rows_ + 1);
    const std::string_view style_attribute = style == RowStyle::kHeader ? R"( s="1")" : "";
    buffer_.clear();
    buffer_ += "<row r=\"" + row + "\">";
    for (size_t i = 0; i < cells.size(); ++i) {
        const Cell& cell = cells[i];
        if (std::holds_alternative<std::monostate>(cell)) continue;  // Excel leaves empty cells out
        const auto* real = std::get_if<double>(&cell);
        if (real != nullptr && !std::isfinite(*real)) continue;
        buffer_ += "<c r=\"";
        AppendColumnName(buffer_, i);
        buffer_ += row;
        buffer_ += '"';
        buffer_ += style_attribute;
        if (const auto* text = std::get_if<std::string_view>(&cell)) {
            // Inline strings (ECMA-376 Part 1 §18.3.1.53): written in row order, so no shared
            // string table has to be held until the end.
            buffer_ += R"( t="inlineStr"><is><t xml:space="preserve">)";
            AppendXmlText(buffer_, *text, kMaxCellCharacters);
            buffer_ += "</t></is></c>";
        } else {
            char number[32];
            const auto end = real != nullptr
                                 ? std::to_chars(number, number + sizeof number, *real).ptr
                                 : std::to_chars(number, number + sizeof number, std::get<int64_t>(cell)).ptr;
            buffer_ += "><v>";
            buffer_.append(number, end);
            buffer_ += "</v></c>";
        }
    }
    buffer_ += "</row>";
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), rows_file_.get()) != buffer_.size())
        return WriteError(std::strerror(errno));
    ++rows_;
    return OkStatus();
}

Status XlsxWriter::EndSheet() {
    if (finished_) return FailedPrecondition("the workbook is already finished");
    finished_ = true;
    constexpr std::string_view kTail = "</sheetData></worksheet>";
    if (std::fwrite(kTail.data(), 1, kTail.size(), rows_file_.get()) != kTail.size() ||
        std::fflush(rows_file_.get()) != 0)
        return WriteError(std::strerror(errno));
    return OkStatus();
}

Status XlsxWriter::Finish(const std::string& path) {
    YT_TRY(EndSheet());
    const std::string workbook = WorkbookXml(settings_.sheet_name);
    int code = 0;
    // libzip writes to a temporary file beside `path` and renames it over `path` in zip_close.
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (archive == nullptr) {
        zip_error_t error;
        zip_error_init_with_code(&error, code);
        std::string what = ZipErrorText(&error);
        zip_error_fini(&error);
        return WriteError(what);
    }
    if (Status added = AddParts(archive, rows_file_.release(), workbook); !added.ok()) {
        zip_discard(archive);
        return added;
    }
    if (zip_close(archive) < 0) {
        std::string what = zip_strerror(archive);
        zip_discard(archive);
        return WriteError(what);
    }
    return OkStatus();
}

Status XlsxWriter::Finish(std::FILE* out) {
    YT_TRY(EndSheet());
    const std::string workbook = WorkbookXml(settings_.sheet_name);
    // The same archive as Finish(path), made in a libzip buffer source and then copied to `out`.
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    zip_t* archive = buffer == nullptr ? nullptr : zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    if (archive == nullptr) {
        std::string what = ZipErrorText(&error);
        zip_error_fini(&error);
        if (buffer != nullptr) zip_source_free(buffer);
        return WriteError(what);
    }
    zip_error_fini(&error);
    zip_source_keep(buffer);  // zip_close would free it; it is read back below
    Status written = AddParts(archive, rows_file_.release(), workbook);
    if (written.ok() && zip_close(archive) < 0) written = WriteError(zip_strerror(archive));
    if (!written.ok()) {
        zip_discard(archive);
        zip_source_free(buffer);
        return written;
    }

    if (zip_source_open(buffer) < 0) {
        zip_source_free(buffer);
        return WriteError("the finished workbook cannot be read");
    }
    char chunk[65536];
    zip_int64_t got = 0;
    bool copied = true;
    while (copied && (got = zip_source_read(buffer, chunk, sizeof chunk)) > 0) {
        copied = std::fwrite(chunk, 1, static_cast<size_t>(got), out) == static_cast<size_t>(got);
    }
    zip_source_close(buffer);
    zip_source_free(buffer);
    if (got < 0) return WriteError("the finished workbook cannot be read");
    if (!copied || std::fflush(out) != 0) return WriteError(std::strerror(errno));
    return OkStatus();
}

}  // namespace yutang
