// A saved segment's members as a file: the CSV or XLSX workbook of
// GET /api/v1/segments/{segment_id}/export, which `yutang segment export` writes too, so that both
// give the same file. Three columns, the same in both formats: customer_id (a number in the
// workbook), entered_at (RFC 3339, UTC) and identities ("kind:hint; …", masked as everywhere in
// segment members). Every export is audited as data.exported (target type segment) before a
// member is read (docs/security.md).
//
//   YT_ASSIGN_OR_RETURN(SegmentExportFormat format, ParseSegmentExportFormat("xlsx", "format"));
//   YT_ASSIGN_OR_RETURN(auto members, ExportSegmentMembers(segments, tenant, id, std::nullopt, actor, format));
//   YT_ASSIGN_OR_RETURN(XlsxWriter workbook, SegmentWorkbook(members));
//   YT_TRY(workbook.Finish("members.xlsx"));
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/audience/segments.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/base/status.hpp"
#include "yutang/base/xlsx_writer.hpp"
#include "yutang/staff/audit.hpp"

namespace yutang::http {

enum class SegmentExportFormat { kCsv, kXlsx };

// "csv" or "xlsx"; invalid_argument (field `field`) for anything else.
Result<SegmentExportFormat> ParseSegmentExportFormat(std::string_view text, std::string field);
std::string_view SegmentExportFormatName(SegmentExportFormat format);  // "csv" | "xlsx"
std::string_view SegmentExportContentType(SegmentExportFormat format);
// "segment-12.xlsx"
std::string SegmentExportFilename(audience::SegmentId segment, SegmentExportFormat format);

// Records the export in the audit log as `actor` (data.exported, target segment, detail
// {"format": …, "guide": true when `owner` is given}), then reads every member, ascending; only
// guide `owner`'s customers when given. Errors as SegmentService::ExportMembers; invalid_argument
// (field "format") for a workbook when the segment has more members than a sheet holds, found
// before anything is recorded.
Result<std::vector<audience::SegmentMember>> ExportSegmentMembers(audience::SegmentService& segments, TenantId tenant,
                                                                  audience::SegmentId segment,
                                                                  std::optional<StaffId> owner,
                                                                  const staff::Actor& actor,
                                                                  SegmentExportFormat format);

// Called after every kSegmentExportProgressRows rows and after the last, with the rows written so
// far and the total.
using SegmentExportProgress = std::function<void(size_t written, size_t total)>;
inline constexpr size_t kSegmentExportProgressRows = 10'000;

// The CSV: UTF-8 with a byte order mark (so that Excel reads the text as UTF-8), CRLF line ends,
// a header row. unavailable when `out` fails.
Status WriteSegmentCsv(std::span<const audience::SegmentMember> members, std::ostream& out,
                       const SegmentExportProgress& progress = {});

// The workbook, ready to Finish(): a bold header row kept in view, one row per member.
// invalid_argument (field "format") when there are more members than a sheet holds; errors as
// XlsxWriter.
Result<XlsxWriter> SegmentWorkbook(std::span<const audience::SegmentMember> members,
                                   const SegmentExportProgress& progress = {});

}  // namespace yutang::http
