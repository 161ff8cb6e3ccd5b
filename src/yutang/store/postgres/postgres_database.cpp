// The PostgreSQL backend on libpq. See postgres_database.hpp for the contract.
//
// Shape: a fixed pool of PGconn, handed out one per transaction under a mutex and condition
// variable. Each transaction is BEGIN … COMMIT/ROLLBACK on one connection; statements go
// through PQexecParams (the extended protocol: one statement, $n parameters, no string
// splicing). Parameters travel as text except Blob (binary); results come back as text and are
// converted by column type OID.
#include "yutang/store/postgres/postgres_database.hpp"

#include <charconv>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <libpq-fe.h>

namespace yutang::store {
namespace {

// Type OIDs from the server's catalog (src/include/catalog/pg_type.dat). They are fixed across
// releases; the server headers that define them are not part of the client package.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr int kTextFormat = 0;
constexpr int kBinaryFormat = 1;

void DiscardNotice(void* /*arg*/, const char* /*message*/) {
    // Notices (e.g. "table does not exist, skipping") are not errors and must not reach stderr,
    // which belongs to the structured log.
}

std::string ConnectionError(const PGconn* conn) {
    const char* message = PQerrorMessage(conn);
    std::string text = message != nullptr ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// Whether a SQLSTATE (or its absence) means the server went away rather than the statement
// being wrong. Class 08 is "connection exception"; 57P01–57P03 are the server shutting down or
// starting up (the connection is gone or never became usable).
bool IsConnectionLoss(std::string_view sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

// Maps a failed result to a canonical Status (the table in database.hpp's Session comment).
// The client-safe message is fixed per code; the server's message, the SQLSTATE, the constraint
// name and the SQL go to the log-only detail. The server's DETAIL field is deliberately left
// out even there: for constraint errors it quotes the offending row ("Failing row contains
// (…)"), which may hold personal data.
Status StatusFromResult(PGconn* conn, const PGresult* result, std::string_view sql) {
    const char* state_field = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state_field != nullptr ? state_field : "";
    const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* constraint = result != nullptr ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;

    std::string detail = "postgres";
    if (!sqlstate.empty()) detail += " " + sqlstate;
    detail += ": ";
    detail += primary != nullptr ? std::string(primary) : ConnectionError(conn);
    if (constraint != nullptr) detail += std::string(" [constraint ") + constraint + "]";
    if (!sql.empty()) detail += " [sql: " + std::string(sql) + "]";

    if (sqlstate == "23505") return Status(ErrorCode::kAlreadyExists, "the record already exists", {}, detail);
    if (sqlstate.starts_with("23")) {
        return Status(ErrorCode::kFailedPrecondition, "the change violates a data constraint", {}, detail);
    }
    if (sqlstate == "40001" || sqlstate == "40P01") {
        return Status(ErrorCode::kAborted, "the transaction conflicted with another one; retry it", {}, detail);
    }
    // libpq reports a lost connection without a SQLSTATE (or with class 08), and marks the
    // connection bad; either way the statement never ran to completion on the server.
    if (IsConnectionLoss(sqlstate) || PQstatus(conn) != CONNECTION_OK) {
        return Unavailable("the database is unavailable", detail);
    }
    return Internal(detail);
}

// Parameters laid out the way PQexecParams wants them. Pointers refer into the Values
// themselves or into `text_`, so a ParameterBlock must not outlive the span it was built from.
class ParameterBlock {
  public:
    static Result<ParameterBlock> Build(std::span<const Value> params) {
        ParameterBlock block;
        const size_t n = params.size();
        block.types_.assign(n, 0);
        block.values_.assign(n, nullptr);
        block.lengths_.assign(n, 0);
        block.formats_.assign(n, kTextFormat);
        // Reserve so that pointers into `text_` stay valid while it fills.
        block.text_.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            const Value::Variant& v = params[i].variant();
            if (const auto* integer = std::get_if<int64_t>(&v)) {
                // Typed as int8 so that `SELECT $1` gives a BIGINT back and `$1 + 1` does not
                // resolve $1 to a 4-byte integer, matching SQLite's typing by value.
                block.types_[i] = kInt8Oid;
                block.values_[i] = block.AddText(ToChars(*integer));
            } else if (const auto* real = std::get_if<double>(&v)) {
                // to_chars gives the shortest text that parses back to the same double
                // (equivalent to %.17g in value) and, unlike printf, ignores the C locale.
                block.types_[i] = kFloat8Oid;
                block.values_[i] = block.AddText(ToChars(*real));
            } else if (const auto* text = std::get_if<std::string>(&v)) {
                // Text parameters are NUL-terminated C strings to libpq, and PostgreSQL text
                // cannot hold NUL; reject rather than silently truncate.
                if (text->find('\0') != std::string::npos) {
                    return InvalidArgument("text contains a NUL character; store it as bytes");
                }
                // Left untyped (0) so that the server infers the type from the context: the
                // same string may go into TEXT, JSONB or a date column.
                block.values_[i] = text->c_str();
            } else if (const auto* blob = std::get_if<Blob>(&v)) {
                if (blob->bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
                    return InvalidArgument("bytes value is too large");
                }
                block.types_[i] = kByteaOid;
                block.values_[i] = blob->bytes.data();  // non-null even when empty: '' not NULL
                block.lengths_[i] = static_cast<int>(blob->bytes.size());
                block.formats_[i] = kBinaryFormat;
            }
            // NULL: value pointer stays nullptr, type stays 0 (inferred).
        }
        return block;
    }

    int count() const { return static_cast<int>(values_.size()); }
    const Oid* types() const { return types_.data(); }
    const char* const* values() const { return values_.data(); }
    const int* lengths() const { return lengths_.data(); }
    const int* formats() const { return formats_.data(); }

  private:
    template <typename T>
    static std::string ToChars(T number) {
        char buffer[64];
        const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
        if (error != std::errc()) return "0";  // unreachable: 64 bytes hold any int64/double
        return std::string(buffer, end);
    }

    const char* AddText(std::string text) {
        text_.push_back(std::move(text));
        return text_.back().c_str();
    }

    std::vector<Oid> types_;
    std::vector<const char*> values_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
    std::vector<std::string> text_;
};

// Converts one non-NULL text-format field by its column type.
Result<Value> ConvertField(Oid type, const char* text, int length) {
    const char* end = text + length;
    switch (type) {
        case kInt2Oid:
        case kInt4Oid:
        case kInt8Oid:
        case kOidOid: {
            int64_t out = 0;
            const auto [ptr, error] = std::from_chars(text, end, out);
            if (error != std::errc() || ptr != end) return Internal("unparsable integer from postgres");
            return Value(out);
        }
        case kBoolOid:
            return Value(int64_t{length > 0 && text[0] == 't' ? 1 : 0});
        case kNumericOid: {
            // An integral numeric (SUM and friends over BIGINT return numeric) stays an exact
            // int64 when it fits: money is integer fen and must not pass through a double.
            int64_t integral = 0;
            const auto [ptr, error] = std::from_chars(text, end, integral);
            if (error == std::errc() && ptr == end) return Value(integral);
            [[fallthrough]];
        }
        case kFloat4Oid:
        case kFloat8Oid: {
            // from_chars accepts the server's "NaN", "Infinity" and "-Infinity" and is
            // locale-independent (strtod is not).
            double out = 0;
            const auto [ptr, error] = std::from_chars(text, end, out);
            if (error != std::errc() || ptr != end) return Internal("unparsable number from postgres");
            return Value(out);
        }
        case kByteaOid: {
            size_t size = 0;
            unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
            if (bytes == nullptr) return Internal("could not decode bytea from postgres");
            Blob blob{std::string(reinterpret_cast<const char*>(bytes), size)};
            PQfreemem(bytes);
            return Value(std::move(blob));
        }
        default:
            return Value(std::string(text, static_cast<size_t>(length)));
    }
}

// The number in a command tag such as "INSERT 0 3" or "UPDATE 2"; 0 for statements that change
// no rows. SELECT and FETCH tags carry a row count too, but Rows::affected means rows changed.
int64_t AffectedRows(PGresult* result) {
    const std::string_view tag = PQcmdStatus(result);
    if (tag.starts_with("SELECT") || tag.starts_with("FETCH") || tag.starts_with("MOVE")) return 0;
    const std::string_view count = PQcmdTuples(result);
    int64_t out = 0;
    std::from_chars(count.data(), count.data() + count.size(), out);
    return out;
}

Result<Rows> ConvertResult(PGresult* result) {
    Rows rows;
    const int columns = PQnfields(result);
    const int tuples = PQntuples(result);
    rows.columns.reserve(static_cast<size_t>(columns));
    std::vector<Oid> types;
    types.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
        rows.columns.emplace_back(PQfname(result, c));
        types.push_back(PQftype(result, c));
    }
    rows.rows.reserve(static_cast<size_t>(tuples));
    for (int r = 0; r < tuples; ++r) {
        std::vector<Value> values;
        values.reserve(static_cast<size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(result, r, c)) {
                values.emplace_back();
                continue;
            }
            YT_ASSIGN_OR_RETURN(Value value, ConvertField(types[static_cast<size_t>(c)], PQgetvalue(result, r, c),
                                                          PQgetlength(result, r, c)));
            values.push_back(std::move(value));
        }
        rows.rows.emplace_back(std::move(values));
    }
    rows.affected = AffectedRows(result);
    return rows;
}

// Owns a PGresult.
struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

bool Succeeded(const PGresult* result) {
    if (result == nullptr) return false;
    const ExecStatusType status = PQresultStatus(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

// Runs a parameterless command (BEGIN, COMMIT, SET …) and maps its failure.
Status Command(PGconn* conn, const char* sql) {
    ResultPtr result(PQexec(conn, sql));
    if (!Succeeded(result.get())) return StatusFromResult(conn, result.get(), sql);
    return OkStatus();
}

// Per-connection settings. Applied after every (re)connect, since PQreset starts a fresh
// server session that has forgotten them.
Status Configure(PGconn* conn) {
    PQsetNoticeProcessor(conn, DiscardNotice, nullptr);
    // UTF-8 on the wire whatever the server's default; warnings still reach the server log.
    return Command(conn, "SET client_min_messages = warning; SET client_encoding = 'UTF8'");
}

// Makes a connection usable: a connection that libpq already knows is broken (the server
// restarted, the network dropped) is re-established with the same parameters.
Status EnsureConnected(PGconn* conn) {
    if (PQstatus(conn) == CONNECTION_OK) return OkStatus();
    PQreset(conn);
    if (PQstatus(conn) != CONNECTION_OK) {
        return Unavailable("the database is unavailable", "postgres reconnect: " + ConnectionError(conn));
    }
    return Configure(conn);
}

// Runs a command that starts fresh work (BEGIN, a health check), reconnecting first if the
// connection is known to be broken. A pooled connection may also have died while idle (server
// restart, idle timeout, pg_terminate_backend), which libpq only notices on use; nothing has run
// yet, so reconnecting and trying once more is safe.
Status CommandReconnecting(PGconn* conn, const char* sql) {
    YT_TRY(EnsureConnected(conn));
    Status status = Command(conn, sql);
    if (status.ok() || PQstatus(conn) == CONNECTION_OK) return status;
    YT_TRY(EnsureConnected(conn));
    return Command(conn, sql);
}

class PostgresSession final : public Session {
  public:
    explicit PostgresSession(PGconn* conn) : conn_(conn) {}

    Dialect dialect() const override { return Dialect::kPostgres; }

    Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
        // After a failed statement PostgreSQL refuses everything but ROLLBACK in this
        // transaction (SQLSTATE 25P02). Repeat the first error instead of that unhelpful one.
        if (!failed_.ok()) return failed_.WithDetail("an earlier statement in this transaction failed");
        YT_ASSIGN_OR_RETURN(ParameterBlock block, ParameterBlock::Build(params));
        const std::string statement(sql);  // libpq wants NUL-terminated text
        ResultPtr result(PQexecParams(conn_, statement.c_str(), block.count(), block.types(), block.values(),
                                      block.lengths(), block.formats(), kTextFormat));
        if (!Succeeded(result.get())) return Fail(StatusFromResult(conn_, result.get(), sql));
        return ConvertResult(result.get());
    }

    Status ExecuteScript(std::string_view sql) override {
        if (!failed_.ok()) return failed_.WithDetail("an earlier statement in this transaction failed");
        const std::string script(sql);
        // PQexec uses the simple protocol, which accepts several ';'-separated statements.
        ResultPtr result(PQexec(conn_, script.c_str()));
        if (!Succeeded(result.get())) return Fail(StatusFromResult(conn_, result.get(), sql));
        return OkStatus();
    }

    // The first statement error, or OK. Once set, the transaction can only roll back.
    const Status& failure() const { return failed_; }

  private:
    Status Fail(Status status) {
        failed_ = status;
        return status;
    }

    PGconn* conn_;
    Status failed_;
};

class PostgresDatabase final : public Database {
  public:
    explicit PostgresDatabase(std::vector<PGconn*> connections)
        : connections_(std::move(connections)), idle_(connections_) {}

    ~PostgresDatabase() override {
        for (PGconn* conn : connections_) PQfinish(conn);
    }

    PostgresDatabase(const PostgresDatabase&) = delete;
    PostgresDatabase& operator=(const PostgresDatabase&) = delete;

    Dialect dialect() const override { return Dialect::kPostgres; }

    Status Write(const Work& work) override { return RunTransaction("BEGIN", work); }

    Status Read(const Work& work) override {
        // REPEATABLE READ: the snapshot is taken at the first statement and held to the end, so
        // every query in `work` sees the same committed state.
        return RunTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work);
    }

    Status Ping() override {
        Lease lease(*this);
        if (Status answered = CommandReconnecting(lease.conn(), "SELECT 1"); !answered.ok()) {
            return Unavailable("the database is unavailable", answered.detail());
        }
        return OkStatus();
    }

  private:
    // Borrows one connection for the lifetime of the object; blocks while all are in use.
    // On return, a connection left inside a transaction (work threw, or ROLLBACK failed) is
    // rolled back so the next borrower starts clean.
    class Lease {
      public:
        explicit Lease(PostgresDatabase& db) : db_(db) {
            std::unique_lock lock(db_.mutex_);
            db_.available_.wait(lock, [this] { return !db_.idle_.empty(); });
            conn_ = db_.idle_.back();
            db_.idle_.pop_back();
        }
        ~Lease() {
            if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
                PQclear(PQexec(conn_, "ROLLBACK"));
            }
            {
                std::lock_guard lock(db_.mutex_);
                db_.idle_.push_back(conn_);
            }
            db_.available_.notify_one();
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        PGconn* conn() const { return conn_; }

      private:
        PostgresDatabase& db_;
        PGconn* conn_ = nullptr;
    };

    Status RunTransaction(const char* begin, const Work& work) {
        Lease lease(*this);
        PGconn* conn = lease.conn();
        YT_TRY(CommandReconnecting(conn, begin));

        PostgresSession session(conn);
        Status status = work(session);
        if (status.ok() && !session.failure().ok()) {
            // The work ignored a failed statement. PostgreSQL has already aborted the
            // transaction (COMMIT would silently roll back), so report the original error.
            status = session.failure();
        }
        if (!status.ok()) {
            // Best effort: if the connection is gone the server has rolled back already.
            PQclear(PQexec(conn, "ROLLBACK"));
            return status;
        }

        ResultPtr result(PQexec(conn, "COMMIT"));
        if (!Succeeded(result.get())) return StatusFromResult(conn, result.get(), "COMMIT");
        // COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK. The session
        // catches failed statements, so reaching this means a failure we did not see.
        if (std::strcmp(PQcmdStatus(result.get()), "COMMIT") != 0) {
            return Internal(std::string("postgres: COMMIT ended as ") + PQcmdStatus(result.get()));
        }
        return OkStatus();
    }

    const std::vector<PGconn*> connections_;  // all of them, for cleanup
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<PGconn*> idle_;  // guarded by mutex_
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const PostgresSettings& settings) {
    if (settings.pool_size == 0) return InvalidArgument("the connection pool needs at least one connection");
    std::vector<PGconn*> connections;
    auto close_all = [&connections] {
        for (PGconn* conn : connections) PQfinish(conn);
    };
    // expand_dbname lets `conninfo` be a full connection string or URI; the fallback name shows
    // up in pg_stat_activity unless the caller chose one.
    const char* const keywords[] = {"dbname", "fallback_application_name", nullptr};
    const char* const values[] = {settings.conninfo.c_str(), "yutang", nullptr};
    for (size_t i = 0; i < settings.pool_size; ++i) {
        PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
        if (conn == nullptr) {
            close_all();
            return Unavailable("the database is unavailable", "postgres: out of memory creating a connection");
        }
        connections.push_back(conn);
        if (PQstatus(conn) != CONNECTION_OK) {
            std::string detail = "postgres connect: " + ConnectionError(conn);
            close_all();
            return Unavailable("the database is unavailable", std::move(detail));
        }
        if (Status configured = Configure(conn); !configured.ok()) {
            close_all();
            return configured;
        }
    }
    return std::unique_ptr<Database>(std::make_unique<PostgresDatabase>(std::move(connections)));
}

}  // namespace yutang::store
