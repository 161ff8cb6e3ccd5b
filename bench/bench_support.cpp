#include "bench/bench_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <errno.h>
#include <stdlib.h>

namespace yutang::bench {

[[noreturn]] void Die(const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
    std::abort();
}

void CheckOk(const Status& status, const std::string& what) {
    if (!status.ok()) Die(what + ": " + status.ToString());
}

TempDir::TempDir() {
    std::string pattern = BaseDir() + "/yutang-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::BaseDir() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::string ReadFirstMatch(const std::string& file, std::string_view prefix) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) {
            const size_t colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    }
    return "unknown";
}

std::string FilesystemOf(const std::string& path) {
    std::error_code ec;
    const std::string target = std::filesystem::weakly_canonical(path, ec).string();
    std::ifstream in("/proc/self/mountinfo");
    std::string best_mount;
    std::string best;
    for (std::string line; std::getline(in, line);) {
        // id parent major:minor root mount-point options [optional…] - fstype source super-options
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        const size_t dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream tail(line.substr(dash + 3));
        std::string fstype, source;
        tail >> fstype >> source;
        const bool contains = target == mount_point || mount_point == "/" ||
                              (target.rfind(mount_point, 0) == 0 && target.size() > mount_point.size() &&
                               target[mount_point.size()] == '/');
        if (contains && mount_point.size() >= best_mount.size()) {
            best_mount = mount_point;
            best = fstype + " on " + source + ", mounted at " + mount_point;
        }
    }
    return best.empty() ? "unknown" : best;
}

int64_t EnvCount(const char* name, int64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;
    int64_t value = 0;
    for (const char* c = text; *c != '\0'; ++c) {
        if (*c == '_' || *c == ',') continue;
        if (*c < '0' || *c > '9' || value > (int64_t{1} << 50)) Die(std::string(name) + ": not a count: " + text);
        value = value * 10 + (*c - '0');
    }
    if (value <= 0) Die(std::string(name) + " must be positive");
    return value;
}

int64_t PeakRssBytes() {
    const std::string kib = ReadFirstMatch("/proc/self/status", "VmHWM");  // "123456 kB"
    return std::strtoll(kib.c_str(), nullptr, 10) * 1024;
}

void ResetPeakRss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
}

int64_t IoWriteBytes() { return std::strtoll(ReadFirstMatch("/proc/self/io", "write_bytes").c_str(), nullptr, 10); }

int64_t FileBytes(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<int64_t>(size);
}

RawSqliteBase::RawSqliteBase(const std::string& path, const char* schema, const char* insert_sql) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        Die("sqlite3_open_v2 " + path);
    }
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=FULL");
    Exec("PRAGMA foreign_keys=ON");
    Exec(schema);
    insert_ = Prepare(insert_sql);
    begin_ = Prepare("BEGIN IMMEDIATE");
    commit_ = Prepare("COMMIT");
}

RawSqliteBase::~RawSqliteBase() {
    sqlite3_finalize(insert_);
    sqlite3_finalize(begin_);
    sqlite3_finalize(commit_);
    sqlite3_close_v2(db_);
}

void ExecOn(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "?";
        sqlite3_free(error);
        Die(sql + ": " + message);
    }
}

sqlite3_stmt* PrepareOn(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) Die(sql + ": " + sqlite3_errmsg(db));
    return stmt;
}

bool NextRow(sqlite3_stmt* select) {
    const int rc = sqlite3_step(select);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        Die(std::string(sqlite3_sql(select)) + ": " + sqlite3_errmsg(sqlite3_db_handle(select)));
    }
    return rc == SQLITE_ROW;
}

int64_t ScalarOn(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = PrepareOn(db, sql);
    if (!NextRow(stmt)) Die(sql + ": no row");
    const int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

void StepDone(sqlite3_stmt* stmt) {
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        Die(std::string(sqlite3_sql(stmt)) + ": " + sqlite3_errmsg(sqlite3_db_handle(stmt)));
    }
    sqlite3_reset(stmt);
}

void RawSqliteBase::Exec(const char* sql) { ExecOn(db_, sql); }

sqlite3_stmt* RawSqliteBase::Prepare(const char* sql) { return PrepareOn(db_, sql); }

void RawSqliteBase::Step(sqlite3_stmt* stmt) { StepDone(stmt); }

}  // namespace yutang::bench
