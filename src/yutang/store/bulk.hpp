// Many rows into one table with few statements.
//
// Each statement a transaction runs costs its own set-up, and on SQLite a statement that may
// abort part-way (a unique index, a trigger) inside a savepoint also opens and closes a
// statement journal. Inserting rows a chunk per statement pays that once per chunk:
//
//   std::vector<Value> rows;  // columns × rows values, row after row
//   YT_TRY(InsertRows(session, "INSERT INTO events (tenant_id, event_id, …)", 9, rows));
#pragma once

#include <algorithm>
#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/store/database.hpp"

namespace yutang::store {

// Runs `insert_into` (an INSERT up to, not including, VALUES) for every row of `values`, which
// holds `columns` values per row, with as few multi-row statements as a handful of fixed chunk
// sizes allow (so their prepared statements are reused). Fails like the INSERTs would; rows of
// a failed statement are not inserted. Rows go in in order.
Status InsertRows(Session& session, std::string_view insert_into, size_t columns, std::span<const Value> values);

// "$first, $first+1, …": `count` numbered parameters, for `column IN (…)` over a chunk of values.
std::string ParamList(size_t first, size_t count);

// Appends `count` parameters for the chunk of `values` that starts at `from`, as `make` turns
// each into a Value, repeating the last of `values` where they run out: a short chunk still
// fills a statement prepared for `count` (a value repeated in an IN list changes nothing).
template <typename Values, typename Make = std::identity>
void AppendChunk(std::vector<Value>& params, const Values& values, size_t from, size_t count, Make make = {}) {
    const size_t last = std::size(values) - 1;
    for (size_t k = 0; k < count; ++k) params.emplace_back(make(values[std::min(from + k, last)]));
}

}  // namespace yutang::store
