// The PostgreSQL backend, on libpq, for merchants that outgrow one machine.
//
// A fixed pool of connections; Write runs BEGIN … COMMIT (READ COMMITTED), Read runs
// BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY so a read sees one snapshot. Statements use
// the same $n placeholders as SQLite; values travel as text except Blob (binary).
//
//   YT_ASSIGN_OR_RETURN(auto db, OpenPostgres({.conninfo = "host=127.0.0.1 port=5432 dbname=yutang"}));
#pragma once

#include <memory>
#include <string>

#include "yutang/store/database.hpp"

namespace yutang::store {

struct PostgresSettings {
    std::string conninfo;  // libpq connection string or URI
    size_t pool_size = 8;
};

// Connects the pool. unavailable (detail: libpq's message) if the server cannot be reached.
Result<std::unique_ptr<Database>> OpenPostgres(const PostgresSettings& settings);

}  // namespace yutang::store
