#include "yutang/store/migrations.hpp"

#include <optional>

#include "yutang/base/crypto.hpp"
#include "yutang/base/log.hpp"

namespace yutang::store {
namespace {

constexpr std::string_view kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at BIGINT NOT NULL
))sql";
constexpr std::string_view kSelectApplied = "SELECT version, checksum FROM schema_migrations ORDER BY version";
constexpr std::string_view kInsertApplied =
    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)";

std::string_view ScriptFor(const Migration& m, Dialect dialect) {
    return dialect == Dialect::kSqlite ? m.sqlite_sql : m.postgres_sql;
}

std::string Checksum(std::string_view script) { return HexEncode(Blake2b256(script)); }

struct Applied {
    int64_t version;
    std::string checksum;
};

Result<std::vector<Applied>> LoadApplied(Session& s) {
    YT_ASSIGN_OR_RETURN(Rows rows, s.Query(kSelectApplied));
    std::vector<Applied> out;
    for (const Row& row : rows) out.push_back({row.Int(0), row.Text(1)});
    return out;
}

// Checks the recorded history against the binary's scripts.
Status Verify(const std::vector<Applied>& applied, std::span<const Migration> migrations, Dialect dialect) {
    for (const Applied& a : applied) {
        const Migration* known = nullptr;
        for (const Migration& m : migrations) {
            if (m.version == a.version) known = &m;
        }
        if (!known) {
            return FailedPrecondition("the database was migrated by a newer Yutang (schema version " +
                                      std::to_string(a.version) + "); upgrade this binary");
        }
        if (Checksum(ScriptFor(*known, dialect)) != a.checksum) {
            return FailedPrecondition("schema migration " + std::to_string(a.version) +
                                      " was changed after it was applied");
        }
    }
    return OkStatus();
}

int Latest(std::span<const Migration> migrations) { return migrations.empty() ? 0 : migrations.back().version; }

}  // namespace

Result<int> ApplyMigrations(Database& db, std::span<const Migration> migrations, const Clock& clock) {
    YT_TRY(db.Write([](Session& s) { return s.ExecuteScript(kCreateTable); }));
    int ran = 0;
    std::optional<bool> upgrading;  // the store had migrations before this run
    for (const Migration& migration : migrations) {
        bool done = false;
        // History is re-read inside each migration's transaction so that two processes
        // migrating at once cannot both apply the same script (the second one's insert into
        // schema_migrations fails and its transaction rolls back).
        YT_TRY(db.Write([&](Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(auto applied, LoadApplied(s));
            if (!upgrading) upgrading = !applied.empty();
            YT_TRY(Verify(applied, migrations, s.dialect()));
            for (const Applied& a : applied) {
                if (a.version == migration.version) done = true;
            }
            if (done) return OkStatus();
            // On an existing store a migration may rewrite a large table: say which is running,
            // so a long upgrade is not taken for a hang. A new store's migrations run silently.
            if (*upgrading) spdlog::info("applying schema migration {}…", migration.name);
            const std::string_view script = ScriptFor(migration, s.dialect());
            if (Status st = s.ExecuteScript(script); !st.ok()) {
                return st.WithDetail("migration " + std::to_string(migration.version) + " " +
                                     std::string(migration.name));
            }
            return s
                .Execute(kInsertApplied, {migration.version, migration.name, Checksum(script), clock.Now().micros()})
                .status();
        }));
        if (!done) ++ran;
    }
    return ran;
}

Result<MigrationState> ReadMigrationState(Database& db, std::span<const Migration> migrations) {
    MigrationState state;
    state.latest_version = Latest(migrations);
    YT_TRY(db.Read([&](Session& s) -> Status {
        const std::string_view exists_sql =
            s.dialect() == Dialect::kSqlite
                ? "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
                : "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' "
                  "AND table_schema = current_schema()";
        YT_ASSIGN_OR_RETURN(auto exists, s.QueryOne(exists_sql));
        if (!exists || exists->Int(0) == 0) return OkStatus();
        YT_ASSIGN_OR_RETURN(auto applied, LoadApplied(s));
        YT_TRY(Verify(applied, migrations, s.dialect()));
        if (!applied.empty()) state.applied_version = static_cast<int>(applied.back().version);
        return OkStatus();
    }));
    return state;
}

}  // namespace yutang::store
