#include "yutang/store/database.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace yutang::store {

std::string_view DialectName(Dialect dialect) { return dialect == Dialect::kSqlite ? "sqlite" : "postgres"; }

int64_t Row::Int(size_t column) const {
    const auto& v = values_.at(column).variant();
    if (const auto* i = std::get_if<int64_t>(&v)) return *i;
    if (const auto* d = std::get_if<double>(&v)) {
        // Out-of-range conversion is undefined behaviour: clamp, and read NaN as 0.
        if (std::isnan(*d)) return 0;
        if (*d >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
        if (*d <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
        return static_cast<int64_t>(*d);
    }
    if (const auto* s = std::get_if<std::string>(&v)) {
        int64_t out = 0;
        std::from_chars(s->data(), s->data() + s->size(), out);
        return out;
    }
    return 0;
}

double Row::Real(size_t column) const {
    const auto& v = values_.at(column).variant();
    if (const auto* d = std::get_if<double>(&v)) return *d;
    if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
    return 0;
}

std::string Row::Text(size_t column) const {
    const auto& v = values_.at(column).variant();
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* b = std::get_if<Blob>(&v)) return b->bytes;
    if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        return buf;
    }
    return {};
}

std::optional<int64_t> Row::OptionalInt(size_t column) const {
    if (IsNull(column)) return std::nullopt;
    return Int(column);
}

std::optional<std::string> Row::OptionalText(size_t column) const {
    if (IsNull(column)) return std::nullopt;
    return Text(column);
}

Result<int64_t> Session::Execute(std::string_view sql, std::span<const Value> params) {
    YT_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
    return rows.affected;
}

Result<std::optional<Row>> Session::QueryOne(std::string_view sql, std::initializer_list<Value> params) {
    YT_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
    if (rows.rows.empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(rows.rows.front()));
}

}  // namespace yutang::store
