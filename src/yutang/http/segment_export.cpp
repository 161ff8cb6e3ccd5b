#include "yutang/http/segment_export.hpp"

#include "yutang/base/text.hpp"
#include "yutang/base/time_zone.hpp"

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

Result<std::vector<audience::SegmentMember>> ExportSegmentMembers(audience::SegmentService& segments, TenantId tenant,
                                                                  audience::SegmentId segment,
                                                                  std::optional<StaffId> owner,
                                                                  const staff::Actor& actor,
                                                                  SegmentExportFormat format) {
    if (format == SegmentExportFormat::kXlsx && !owner) {
        // The stored size is every member; a guide's share is checked once it is read.
        YT_ASSIGN_OR_RETURN(audience::Segment saved, segments.Get(tenant, segment));
        if (saved.size >= XlsxWriter::kMaxRows) return TooLargeForAWorkbook();
    }
    std::string detail = R"({"format":")" + std::string(SegmentExportFormatName(format)) + "\"";
    if (owner) detail += R"(,"guide":true)";
    detail += "}";
    return segments.ExportMembers(tenant, segment, owner, [&](store::Session& s, Timestamp now) -> Status {
        return staff::AppendAudit(s, tenant, actor, now,
                                  {.action = "data.exported",
                                   .target_type = "segment",
                                   .target_id = std::to_string(segment.value()),
                                   .detail = detail});
    });
}

Status WriteSegmentCsv(std::span<const audience::SegmentMember> members, std::ostream& out,
                       const SegmentExportProgress& progress) {
    out << "\xEF\xBB\xBF" << kCustomerId << ',' << kEnteredAt << ',' << kIdentities << "\r\n";
    for (size_t i = 0; i < members.size(); ++i) {
        const auto& m = members[i];
        out << m.customer.value() << ',' << FormatRfc3339(m.entered_at) << ',' << CsvQuote(Identities(m)) << "\r\n";
        Report(progress, i + 1, members.size());
    }
    if (members.empty()) Report(progress, 0, 0);
    out.flush();
    if (!out) return Unavailable("the export could not be written");
    return OkStatus();
}

Result<XlsxWriter> SegmentWorkbook(std::span<const audience::SegmentMember> members,
                                   const SegmentExportProgress& progress) {
    if (members.size() >= static_cast<size_t>(XlsxWriter::kMaxRows)) return TooLargeForAWorkbook();
    YT_ASSIGN_OR_RETURN(
        XlsxWriter workbook,
        XlsxWriter::Create({.sheet_name = "members", .column_widths = {12, 22, 60}, .freeze_first_row = true}));
    YT_TRY(workbook.AddRow({kCustomerId, kEnteredAt, kIdentities}, XlsxWriter::RowStyle::kHeader));
    for (size_t i = 0; i < members.size(); ++i) {
        const auto& m = members[i];
        const std::string entered_at = FormatRfc3339(m.entered_at);
        const std::string identities = Identities(m);
        XlsxWriter::Cell identities_cell;
        if (!identities.empty()) identities_cell = std::string_view(identities);
        YT_TRY(workbook.AddRow({m.customer.value(), std::string_view(entered_at), identities_cell}));
        Report(progress, i + 1, members.size());
    }
    if (members.empty()) Report(progress, 0, 0);
    return workbook;
}

}  // namespace yutang::http
