// A real PostgreSQL server for tests, started in a fresh temp dir and removed afterwards.
//
// Store code runs one conformance suite against SQLite and PostgreSQL; this harness provides the
// PostgreSQL half without any set-up on the machine beyond the Debian server package. The
// server listens on 127.0.0.1 on a free port with trust auth, fsync off (test data is
// disposable), and one server is shared by every test in the process; each test suite or test
// takes a fresh database from it.
//
//   void SetUp() override {
//       PostgresServer* server = PostgresServer::Shared();
//       YT_SKIP_UNLESS_POSTGRES(server);
//       auto name = server->CreateUniqueDatabase();
//       ASSERT_TRUE(name.ok()) << name.status().ToString();
//       auto db = store::OpenPostgres({.conninfo = server->ConnInfo(*name)});
//   }
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <sys/types.h>

#include "yutang/base/status.hpp"

namespace yutang::testing {

class PostgresServer {
  public:
    // The process-wide server, started on the first call (thread-safe) and stopped, with its
    // directory removed, when the process exits — also when it crashes or is killed, through a
    // small guard process that waits for the test process to go away. Never null: check
    // Available() and status() before use.
    static PostgresServer* Shared();

    // True when the environment demands that PostgreSQL tests run: the variable CI is "true".
    // Then a missing server is a failure, not a skip.
    static bool Required();

    // Whether PostgreSQL server binaries (initdb, pg_ctl) were found: in $YT_POSTGRES_BIN when
    // set, else in the highest-versioned /usr/lib/postgresql/*/bin or on PATH.
    bool Available() const { return available_; }
    // OK when the server is running. Otherwise unavailable (binaries missing) or internal
    // (start-up failed; the detail holds the end of initdb's / the server's log).
    const Status& status() const { return status_; }

    int port() const { return port_; }
    // A libpq connection string for `dbname` on this server (TCP on 127.0.0.1, user yutang).
    std::string ConnInfo(const std::string& dbname) const;

    // CREATE DATABASE `name`. invalid_argument unless `name` is a plain lower-case identifier
    // ([a-z_][a-z0-9_]*, at most 63 bytes); already_exists if it exists; unavailable when the
    // server is not running. Thread-safe.
    Status CreateDatabase(const std::string& name);
    // Creates a database with a name unique in this server's life ("<prefix>_<n>") and returns
    // the name. Errors as CreateDatabase.
    Result<std::string> CreateUniqueDatabase(std::string_view prefix = "yt_test");

    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;
    ~PostgresServer();

  private:
    PostgresServer();
    void Start();
    Status StartGuard();

    bool available_ = false;
    Status status_;
    std::string bin_dir_;
    std::string root_dir_;  // the temp dir: data/, server.log, setup.log, the Unix socket
    std::string runuser_;   // path of runuser when running as root, else empty
    int port_ = 0;
    int guard_pipe_ = -1;  // write end; the guard cleans up when it reads EOF
    pid_t guard_pid_ = -1;
};

}  // namespace yutang::testing

// In a test or SetUp: skips when PostgreSQL is not installed (fails instead when CI=true), and
// fails when it is installed but did not start.
#define YT_SKIP_UNLESS_POSTGRES(server)                                                                        \
    do {                                                                                                       \
        if (!(server)->Available()) {                                                                          \
            if (::yutang::testing::PostgresServer::Required()) {                                               \
                FAIL() << "CI=true requires PostgreSQL: " << (server)->status().ToString();                    \
            }                                                                                                  \
            GTEST_SKIP() << "PostgreSQL is not installed: " << (server)->status().ToString();                  \
        }                                                                                                      \
        ASSERT_TRUE((server)->status().ok()) << "PostgreSQL did not start: " << (server)->status().ToString(); \
    } while (false)
