#include "yutang/http/segment_export.hpp"

#include <cerrno>
#include <cstring>
#include <span>

#include "yutang/base/text.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/base/xlsx_writer.hpp"

namespace yutang::http {
namespace {

// The column names, in both formats: Chinese first, then the field's name, as the import's
// rejected-rows file has them. Keep in sync with the description of exportSegment in
// openapi.json.
constexpr std::string_view kCustomerId = "客户ID customer_id";
constexpr std::string_view kEnteredAt = "进入时间 entered_at";
constexpr std::string_view kIdentities = "身份 identities";

std::string Identities(const audience::SegmentMember& member) {
    std::string out;
    for (const auto& identity : member.identities) {
        if (!out.empty()) out += "; ";
        out += identity.kind + ":" + identity.hint;
    }
    return out;
}

Status TooLargeForAWorkbook() {
    return InvalidArgument("the segment has more members than an XLSX sheet holds (1,048,575): export it as CSV",
                           "format");
}

void Report(const SegmentExportProgress& progress, size_t written, size_t total) {
    if (progress && (written % kSegmentExportProgressRows == 0 || written == total)) progress(written, total);
}

}  // namespace

Result<SegmentExportFormat> ParseSegmentExportFormat(std::string_view text, std::string field) {
    if (text == "csv") return SegmentExportFormat::kCsv;
    if (text == "xlsx") return SegmentExportFormat::kXlsx;
    return InvalidArgument("format must be csv or xlsx", std::move(field));
}

std::string_view SegmentExportFormatName(SegmentExportFormat format) {
    return format == SegmentExportFormat::kXlsx ? "xlsx" : "csv";
}

std::string_view SegmentExportContentType(SegmentExportFormat format) {
    return format == SegmentExportFormat::kXlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                                : "text/csv; charset=utf-8";
}

std::string SegmentExportFilename(audience::SegmentId segment, SegmentExportFormat format) {
    return "segment-" + std::to_string(segment.value()) + "." + std::string(SegmentExportFormatName(format));
}

Result<int64_t> WriteSegmentExport(audience::SegmentService& segments, TenantId tenant, audience::SegmentId segment,
                                   std::optional<StaffId> owner, const staff::Actor& actor, SegmentExportFormat format,
                                   std::FILE* out, const SegmentExportProgress& progress) {
    const bool workbook = format == SegmentExportFormat::kXlsx;
    if (workbook && !owner) {
        // The stored size is every member; a guide's share is checked once it is counted.
        YT_ASSIGN_OR_RETURN(audience::Segment saved, segments.Get(tenant, segment));
        if (saved.size >= XlsxWriter::kMaxRows) return TooLargeForAWorkbook();
    }
    auto write_error = [] { return Unavailable("the export could not be written", std::strerror(errno)); };

    std::optional<XlsxWriter> sheet;
    std::string text;  // a page of CSV
    bool started = false;
    size_t written = 0;
    auto write_page = [&](std::span<const audience::SegmentMember> members, int64_t total) -> Status {
        if (!started) {
            started = true;
            if (workbook) {
                if (total >= XlsxWriter::kMaxRows) return TooLargeForAWorkbook();
                YT_ASSIGN_OR_RETURN(
                    sheet, XlsxWriter::Create(
                               {.sheet_name = "members", .column_widths = {12, 22, 60}, .freeze_first_row = true}));
                YT_TRY(sheet->AddRow({kCustomerId, kEnteredAt, kIdentities}, XlsxWriter::RowStyle::kHeader));
            } else {
                text.append("\xEF\xBB\xBF").append(kCustomerId).append(",").append(kEnteredAt).append(",");
                text.append(kIdentities).append("\r\n");
            }
        }
        for (const audience::SegmentMember& m : members) {
            const std::string entered_at = FormatRfc3339(m.entered_at);
            const std::string identities = Identities(m);
            if (workbook) {
                XlsxWriter::Cell identities_cell;
                if (!identities.empty()) identities_cell = std::string_view(identities);
                YT_TRY(sheet->AddRow({m.customer.value(), std::string_view(entered_at), identities_cell}));
            } else {
                text.append(std::to_string(m.customer.value())).append(",").append(entered_at).append(",");
                text.append(CsvQuote(identities)).append("\r\n");
            }
            Report(progress, ++written, static_cast<size_t>(total));
        }
        if (members.empty()) Report(progress, 0, 0);
        if (!text.empty() && std::fwrite(text.data(), 1, text.size(), out) != text.size()) return write_error();
        text.clear();
        return OkStatus();
    };

    std::string detail = R"({"format":")" + std::string(SegmentExportFormatName(format)) + "\"";
    if (owner) detail += R"(,"guide":true)";
    detail += "}";
    auto record = [&](store::Session& s, Timestamp now) -> Status {
        return staff::AppendAudit(s, tenant, actor, now,
                                  {.action = "data.exported",
                                   .target_type = "segment",
                                   .target_id = std::to_string(segment.value()),
                                   .detail = detail});
    };
    YT_ASSIGN_OR_RETURN(int64_t members, segments.ExportMembers(tenant, segment, owner, record, write_page));
    if (workbook) {
        YT_TRY(sheet->Finish(out));
    } else if (std::fflush(out) != 0) {
        return write_error();
    }
    return members;
}

}  // namespace yutang::http
