// The backend-neutral store API: one Database, transactions as Sessions, rows as Values.
//
// Yutang runs on SQLite (embedded, the default) or PostgreSQL (a shared server). Domain
// modules own their SQL and write it once in the subset both engines share, with $1, $2 …
// placeholders; integers and booleans (0/1) are BIGINT, times are UTC microseconds (BIGINT),
// money is fen (BIGINT), floats are DOUBLE PRECISION (REAL is 4 bytes on PostgreSQL), bytes are
// BLOB/BYTEA, text never contains NUL. Only `app` chooses the backend.
//
//   YT_TRY(db.Write([&](Session& s) -> Status {
//       YT_TRY(s.Execute("INSERT INTO tenants (tenant_id, name) VALUES ($1, $2)", {7, "演示旗舰店"}));
//       return OkStatus();
//   }));                                   // committed and durable when this returns OK
//   YT_TRY(db.Read([&](Session& s) -> Status {
//       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT name FROM tenants WHERE tenant_id = $1", {7}));
//       for (const Row& row : rows) use(row.Text(0));
//       return OkStatus();
//   }));
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "yutang/base/status.hpp"

namespace yutang::store {

enum class Dialect { kSqlite, kPostgres };
std::string_view DialectName(Dialect dialect);  // "sqlite" | "postgres"

// Bytes that are stored as BLOB / BYTEA rather than text.
struct Blob {
    std::string bytes;
    bool operator==(const Blob&) const = default;
};

// A parameter or column value. NULL is std::monostate.
class Value {
  public:
    using Variant = std::variant<std::monostate, int64_t, double, std::string, Blob>;

    Value() = default;
    Value(std::nullptr_t) {}                                 // NOLINT(google-explicit-constructor)
    Value(int v) : v_(int64_t{v}) {}                         // NOLINT(google-explicit-constructor)
    Value(long v) : v_(int64_t{v}) {}                        // NOLINT(google-explicit-constructor)
    Value(long long v) : v_(int64_t{v}) {}                   // NOLINT(google-explicit-constructor)
    Value(unsigned long v) : v_(static_cast<int64_t>(v)) {}  // NOLINT(google-explicit-constructor)
    Value(uint32_t v) : v_(int64_t{v}) {}                    // NOLINT(google-explicit-constructor)
    Value(bool v) : v_(int64_t{v ? 1 : 0}) {}                // NOLINT(google-explicit-constructor)
    Value(double v) : v_(v) {}                               // NOLINT(google-explicit-constructor)
    Value(const char* v) : v_(std::string(v)) {}             // NOLINT(google-explicit-constructor)
    Value(std::string v) : v_(std::move(v)) {}               // NOLINT(google-explicit-constructor)
    Value(std::string_view v) : v_(std::string(v)) {}        // NOLINT(google-explicit-constructor)
    Value(Blob v) : v_(std::move(v)) {}                      // NOLINT(google-explicit-constructor)
    template <typename T>
    Value(const std::optional<T>& v) {  // NOLINT(google-explicit-constructor)
        if (v) *this = Value(*v);
    }

    bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
    const Variant& variant() const { return v_; }
    bool operator==(const Value&) const = default;

  private:
    Variant v_;
};

// One result row. Accessors convert leniently where engines differ (an integer column read as
// text gives its decimal form); reading a NULL gives 0 / "" — use IsNull or the Optional forms.
class Row {
  public:
    explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
    size_t size() const { return values_.size(); }
    bool IsNull(size_t column) const { return values_.at(column).is_null(); }
    int64_t Int(size_t column) const;
    double Real(size_t column) const;
    // Text or blob bytes.
    std::string Text(size_t column) const;
    std::optional<int64_t> OptionalInt(size_t column) const;
    std::optional<std::string> OptionalText(size_t column) const;
    const Value& at(size_t column) const { return values_.at(column); }

  private:
    std::vector<Value> values_;
};

struct Rows {
    std::vector<std::string> columns;
    std::vector<Row> rows;
    int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

    auto begin() const { return rows.begin(); }
    auto end() const { return rows.end(); }
    size_t size() const { return rows.size(); }
    bool empty() const { return rows.empty(); }
};

// One open transaction on one connection. Not thread-safe; valid only inside the callback
// that received it.
//
// Errors: already_exists for a unique/primary-key violation, failed_precondition for other
// constraint violations (foreign key, check, not null), aborted for a serialization failure
// or deadlock (retry the whole transaction), unavailable when the engine cannot be reached,
// internal for a malformed statement (a bug) or a write attempted inside Read.
// After a failed statement, treat the transaction as doomed: PostgreSQL refuses every later
// statement and Write returns the first error. To continue past an expected failure, wrap the
// statement in a SAVEPOINT (as WriteBatcher does).
class Session {
  public:
    virtual ~Session() = default;
    virtual Dialect dialect() const = 0;

    // Runs one statement with $1 … $n parameters and returns all of its rows.
    virtual Result<Rows> Query(std::string_view sql, std::span<const Value> params) = 0;
    // Runs several ';'-separated statements without parameters (migrations, set-up).
    virtual Status ExecuteScript(std::string_view sql) = 0;

    Result<Rows> Query(std::string_view sql, std::initializer_list<Value> params = {}) {
        return Query(sql, std::span<const Value>(params.begin(), params.size()));
    }
    // Rows changed.
    Result<int64_t> Execute(std::string_view sql, std::span<const Value> params);
    Result<int64_t> Execute(std::string_view sql, std::initializer_list<Value> params = {}) {
        return Execute(sql, std::span<const Value>(params.begin(), params.size()));
    }
    // The first row, or std::nullopt when there is none.
    Result<std::optional<Row>> QueryOne(std::string_view sql, std::initializer_list<Value> params = {});
};

using Work = std::function<Status(Session&)>;

// A store. Thread-safe: any thread may call Read and Write at once.
class Database {
  public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;

    // Runs `work` in a read-write transaction and commits when it returns OK; otherwise rolls
    // back and returns its error. When Write returns OK the change is durable (it survives
    // kill -9 and, with the documented settings, power loss).
    // Isolation: SQLite serialises writers; PostgreSQL runs them concurrently at READ
    // COMMITTED. Write read-modify-write as one atomic statement (UPDATE … SET n = n + $1,
    // INSERT … ON CONFLICT, UPDATE … RETURNING, or a conditional UPDATE whose row count is
    // checked), never as SELECT then UPDATE.
    virtual Status Write(const Work& work) = 0;
    // As Write, but returns once the transaction has committed, and calls `durable` with
    // Write's result once the change is durable, possibly on another thread: the caller can run
    // its next transaction while the disk catches up (WriteBatcher does). `durable` runs
    // exactly once, at the latest while the Database is destroyed; it must not call back into
    // the Database.
    virtual void WriteThen(const Work& work, std::function<void(Status)> durable) { durable(Write(work)); }
    // Runs `work` in a read-only transaction that sees one consistent snapshot. It returns only
    // once every commit made through this Database that the snapshot may have seen is durable
    // (PostgreSQL: with synchronous_commit on, its default). A commit of another process
    // sharing the store is durable once that process answers it.
    virtual Status Read(const Work& work) = 0;
    // OK when the engine answers a trivial query; unavailable otherwise.
    virtual Status Ping() = 0;
};

}  // namespace yutang::store
