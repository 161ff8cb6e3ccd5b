// A migrated SQLite store in a temp dir, for the tests of domain modules.
//
//   TempDir dir;
//   ManualClock clock;
//   std::unique_ptr<store::Database> db = OpenTestStore(dir, clock);  // fails the test on error
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "yutang/base/clock.hpp"
#include "yutang/store/database.hpp"

#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {

// Opens <dir>/test.db with every built-in migration applied and initialises crypto. Adds a
// test failure and returns null if anything goes wrong.
std::unique_ptr<store::Database> OpenTestStore(const TempDir& dir, const Clock& clock);

// The same on `server` (a fresh database named from `prefix`): for suites that run on both
// backends. The caller skips first when there is no server (YT_SKIP_UNLESS_POSTGRES).
//   auto* server = PostgresServer::Shared();
//   YT_SKIP_UNLESS_POSTGRES(server);
//   db_ = OpenPostgresTestStore(*server, "yt_profile", clock_);
std::unique_ptr<store::Database> OpenPostgresTestStore(PostgresServer& server, std::string_view prefix,
                                                       const Clock& clock, size_t pool_size = 2);

// For suites run on both backends, by their parameter ("sqlite" or "postgres"): OpenTestStore,
// or OpenPostgresTestStore on the shared server. Without a server it skips the test (fails it
// under CI=true) and returns null:
//   db_ = OpenBackendTestStore(GetParam(), dir_, "yt_profile", clock_);
//   if (IsSkipped()) return;
//   ASSERT_NE(db_, nullptr);
std::unique_ptr<store::Database> OpenBackendTestStore(std::string_view backend, const TempDir& dir,
                                                      std::string_view prefix, const Clock& clock,
                                                      size_t pool_size = 2);

// The first column of the first row of `sql`, as an integer; -1 and a test failure on error.
int64_t QueryInt(store::Database& db, const std::string& sql);

}  // namespace yutang::testing
