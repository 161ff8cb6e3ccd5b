// A saved segment's members as a file: the CSV or XLSX workbook of
// GET /api/v1/segments/{segment_id}/export, which `yutang segment export` writes too, so that both
// give the same file. Three columns, the same in both formats: customer_id (a number in the
// workbook), entered_at (RFC 3339, UTC) and identities ("kind:hint; …", masked as everywhere in
// segment members). Every export is audited as data.exported (target type segment) before a
// member is read (docs/security.md).
//
//
// The members are written as they are read, a page at a time: a segment of millions is exported
// in bounded memory (the CSV straight to its file, a workbook's rows to its own temporary file).
//
//   YT_ASSIGN_OR_RETURN(SegmentExportFormat format, ParseSegmentExportFormat("xlsx", "format"));
//   YT_ASSIGN_OR_RETURN(int64_t members,
//                       WriteSegmentExport(segments, tenant, id, std::nullopt, actor, format, file));
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "yutang/audience/segments.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/base/status.hpp"
#include "yutang/staff/audit.hpp"

namespace yutang::http {

enum class SegmentExportFormat { kCsv, kXlsx };

// "csv" or "xlsx"; invalid_argument (field `field`) for anything else.
Result<SegmentExportFormat> ParseSegmentExportFormat(std::string_view text, std::string field);
std::string_view SegmentExportFormatName(SegmentExportFormat format);  // "csv" | "xlsx"
std::string_view SegmentExportContentType(SegmentExportFormat format);
// "segment-12.xlsx"
std::string SegmentExportFilename(audience::SegmentId segment, SegmentExportFormat format);

// Called after every kSegmentExportProgressRows rows and after the last, with the rows written so
// far and the total.
using SegmentExportProgress = std::function<void(size_t written, size_t total)>;
inline constexpr size_t kSegmentExportProgressRows = 10'000;

// Records the export in the audit log as `actor` (data.exported, target segment, detail
// {"format": …, "guide": true when `owner` is given}), then writes every member, ascending, to
// `out` from where it stands; only guide `owner`'s customers when given. Returns how many.
// - CSV: UTF-8 with a byte order mark (so that Excel reads the text as UTF-8), CRLF line ends,
//   a header row.
// - XLSX: a bold header row kept in view, one row per member.
// Errors as SegmentService::ExportMembers; invalid_argument (field "format") for a workbook when
// there are more members than a sheet holds (for the whole segment found before anything is
// recorded; for a guide's share, before anything is written); unavailable when `out` or the
// workbook's temporary file cannot be written (then `out` may hold part of the export).
Result<int64_t> WriteSegmentExport(audience::SegmentService& segments, TenantId tenant, audience::SegmentId segment,
                                   std::optional<StaffId> owner, const staff::Actor& actor, SegmentExportFormat format,
                                   std::FILE* out, const SegmentExportProgress& progress = {});

}  // namespace yutang::http
