#include "tests/support/test_store.hpp"

#include <gtest/gtest.h>

#include "yutang/base/crypto.hpp"
#include "yutang/store/migrations.hpp"
#include "yutang/store/postgres/postgres_database.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

namespace yutang::testing {

std::unique_ptr<store::Database> OpenTestStore(const TempDir& dir, const Clock& clock) {
    if (Status s = InitCrypto(); !s.ok()) {
        ADD_FAILURE() << s.ToString();
        return nullptr;
    }
    auto db = store::OpenSqlite({.path = dir.File("test.db")});
    if (!db.ok()) {
        ADD_FAILURE() << db.status().ToString();
        return nullptr;
    }
    if (auto applied = store::ApplyMigrations(**db, store::BuiltinMigrations(), clock); !applied.ok()) {
        ADD_FAILURE() << applied.status().ToString();
        return nullptr;
    }
    return std::move(*db);
}

std::unique_ptr<store::Database> OpenPostgresTestStore(PostgresServer& server, std::string_view prefix,
                                                       const Clock& clock, size_t pool_size) {
    if (Status s = InitCrypto(); !s.ok()) {
        ADD_FAILURE() << s.ToString();
        return nullptr;
    }
    auto name = server.CreateUniqueDatabase(prefix);
    if (!name.ok()) {
        ADD_FAILURE() << name.status().ToString();
        return nullptr;
    }
    auto db = store::OpenPostgres({.conninfo = server.ConnInfo(*name), .pool_size = pool_size});
    if (!db.ok()) {
        ADD_FAILURE() << db.status().ToString();
        return nullptr;
    }
    if (auto applied = store::ApplyMigrations(**db, store::BuiltinMigrations(), clock); !applied.ok()) {
        ADD_FAILURE() << applied.status().ToString();
        return nullptr;
    }
    return std::move(*db);
}

std::unique_ptr<store::Database> OpenBackendTestStore(std::string_view backend, const TempDir& dir,
                                                      std::string_view prefix, const Clock& clock, size_t pool_size) {
    if (backend == "sqlite") return OpenTestStore(dir, clock);
    PostgresServer* server = PostgresServer::Shared();
    if (!server->Available()) {
        [&] { YT_SKIP_UNLESS_POSTGRES(server); }();  // records the skip or the failure on the test
        return nullptr;
    }
    return OpenPostgresTestStore(*server, prefix, clock, pool_size);
}

int64_t QueryInt(store::Database& db, const std::string& sql) {
    int64_t n = -1;
    const Status read = db.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
        if (!row) return NotFound("no row");
        n = row->Int(0);
        return OkStatus();
    });
    EXPECT_TRUE(read.ok()) << sql << ": " << read.ToString();
    return n;
}

}  // namespace yutang::testing
