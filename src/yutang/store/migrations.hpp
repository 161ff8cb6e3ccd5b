// Numbered schema migrations, one SQL script per dialect, applied at start and recorded.
//
// The scripts live in store/migrations/{sqlite,postgres}/NNNN_name.sql and are compiled into
// the binary. Each is applied once, in its own transaction, and recorded in
// schema_migrations (version, name, checksum, applied_at). A database that records a version
// this binary does not know (a newer binary ran on it) is refused rather than guessed at.
//
//   YT_ASSIGN_OR_RETURN(int applied, ApplyMigrations(db, BuiltinMigrations(), clock));
//   YT_ASSIGN_OR_RETURN(MigrationState state, ReadMigrationState(db, BuiltinMigrations()));
//   if (!state.up_to_date()) …
#pragma once

#include <span>
#include <string_view>

#include "yutang/base/clock.hpp"
#include "yutang/store/database.hpp"

namespace yutang::store {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sqlite_sql;
    std::string_view postgres_sql;
};

// The migrations compiled into this binary, ordered by version.
std::span<const Migration> BuiltinMigrations();

struct MigrationState {
    int applied_version = 0;  // highest version recorded in the database (0: none)
    int latest_version = 0;   // highest version this binary knows
    bool up_to_date() const { return applied_version == latest_version; }
};

// Applies every migration newer than the database's, in order; returns how many ran.
// failed_precondition if the database has a version this binary does not know or a recorded
// checksum differs from the script's (someone edited an applied migration); the failing
// migration's own error otherwise (nothing of it is applied).
Result<int> ApplyMigrations(Database& db, std::span<const Migration> migrations, const Clock& clock);

// Reads what is applied without changing anything.
Result<MigrationState> ReadMigrationState(Database& db, std::span<const Migration> migrations);

}  // namespace yutang::store
