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

}  // namespace yutang::testing
