// A migrated SQLite store in a temp dir, for the tests of domain modules.
//
//   TempDir dir;
//   ManualClock clock;
//   std::unique_ptr<store::Database> db = OpenTestStore(dir, clock);  // fails the test on error
#pragma once

#include <memory>

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

}  // namespace yutang::testing
