// A migrated SQLite store in a temp dir, for the tests of domain modules.
//
//   TempDir dir;
//   ManualClock clock;
//   std::unique_ptr<store::Database> db = OpenTestStore(dir, clock);  // fails the test on error
#pragma once

#include <memory>

#include "yutang/base/clock.hpp"
#include "yutang/store/database.hpp"

#include "tests/support/temp_dir.hpp"

namespace yutang::testing {

// Opens <dir>/test.db with every built-in migration applied and initialises crypto. Adds a
// test failure and returns null if anything goes wrong.
std::unique_ptr<store::Database> OpenTestStore(const TempDir& dir, const Clock& clock);

}  // namespace yutang::testing
