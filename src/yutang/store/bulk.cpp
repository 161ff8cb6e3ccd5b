#include "yutang/store/bulk.hpp"

#include <string>

namespace yutang::store {
namespace {

// Rows per statement, largest first: 100 rows take 3 × 32 and 4 × 1.
constexpr size_t kChunkRows[] = {32, 8, 1};

std::string InsertSql(std::string_view insert_into, size_t columns, size_t rows) {
    std::string sql(insert_into);
    sql += " VALUES ";
    size_t param = 1;
    for (size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ", (";
        for (size_t c = 0; c < columns; ++c) {
            if (c > 0) sql += ", ";
            sql += "$" + std::to_string(param++);
        }
        sql += ")";
    }
    return sql;
}

}  // namespace

Status InsertRows(Session& session, std::string_view insert_into, size_t columns, std::span<const Value> values) {
    if (columns == 0 || values.size() % columns != 0) {
        return Internal("InsertRows: " + std::to_string(values.size()) + " values are not rows of " +
                        std::to_string(columns));
    }
    size_t left = values.size() / columns;
    size_t at = 0;
    for (size_t rows : kChunkRows) {
        if (left < rows) continue;
        const std::string sql = InsertSql(insert_into, columns, rows);
        for (; left >= rows; left -= rows, at += rows * columns) {
            YT_TRY(session.Execute(sql, values.subspan(at, rows * columns)));
        }
    }
    return OkStatus();
}

std::string ParamList(size_t first, size_t count) {
    std::string list;
    for (size_t i = 0; i < count; ++i) list.append(i == 0 ? "$" : ", $").append(std::to_string(first + i));
    return list;
}

}  // namespace yutang::store
