// Helpers shared by the benchmarks in bench/: fatal errors, a temp dir, machine facts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "yutang/base/status.hpp"

namespace yutang::bench {

// Prints "<program>: what" and aborts: a benchmark that cannot set up has nothing to measure.
[[noreturn]] void Die(const std::string& what);
void CheckOk(const Status& status, const std::string& what);

// A directory under $TMPDIR (default /tmp), removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    static std::string BaseDir();
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// The value of the first "prefix: value" line of `file` (e.g. /proc/cpuinfo), or "unknown".
std::string ReadFirstMatch(const std::string& file, std::string_view prefix);
// "<fstype> on <device>, mounted at <mount point>" for the mount that holds `path`.
std::string FilesystemOf(const std::string& path);

// A positive integer from the environment (digits, optionally with '_' or ',' separators:
// "1_000_000"), or `fallback` when unset or empty; dies on anything else.
int64_t EnvCount(const char* name, int64_t fallback);

// Peak resident set size (VmHWM) of this process in bytes, and a reset of it to the current
// RSS (writes "5" to /proc/self/clear_refs), so a case can report its own peak.
int64_t PeakRssBytes();
void ResetPeakRss();

// Bytes this process has caused to be written to storage so far (write_bytes of /proc/self/io).
int64_t IoWriteBytes();

// Size in bytes of `path`, 0 when it does not exist.
int64_t FileBytes(const std::string& path);

// Raw sqlite3 helpers for baselines and set-up; each dies on an error.
void ExecOn(sqlite3* db, const std::string& sql);
sqlite3_stmt* PrepareOn(sqlite3* db, const std::string& sql);
// Steps a statement that returns no rows, then resets it.
void StepDone(sqlite3_stmt* stmt);
// Steps a SELECT: whether it now stands on a row (false at its end).
bool NextRow(sqlite3_stmt* select);
// The first column of the first row of `sql`, as an integer.
int64_t ScalarOn(sqlite3* db, const std::string& sql);

// A raw sqlite3 connection, durable the plain way (WAL, synchronous=FULL: each COMMIT waits for
// its fsync; OpenSqlite instead fsyncs behind its writer), with foreign keys: the baseline the
// benchmarks compare Yutang's store against. Subclasses bind and step
// `insert_`.
class RawSqliteBase {
  public:
    RawSqliteBase(const std::string& path, const char* schema, const char* insert_sql);
    ~RawSqliteBase();
    RawSqliteBase(const RawSqliteBase&) = delete;
    RawSqliteBase& operator=(const RawSqliteBase&) = delete;

    void Begin() { Step(begin_); }
    void Commit() { Step(commit_); }

  protected:
    void Exec(const char* sql);
    sqlite3_stmt* Prepare(const char* sql);
    // Steps a statement that returns no rows, then resets it; dies on an error.
    void Step(sqlite3_stmt* stmt);

    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    sqlite3_stmt* begin_ = nullptr;
    sqlite3_stmt* commit_ = nullptr;
};

}  // namespace yutang::bench
