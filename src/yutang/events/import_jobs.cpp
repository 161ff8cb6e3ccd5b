#include "yutang/events/import_jobs.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yutang/base/log.hpp"
#include "yutang/base/text.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::events {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kInsertJob =
    "INSERT INTO import_jobs (tenant_id, import_id, status, filename, platform, idempotency_key, node, actor_type, "
    "actor_id, created_at, started_at, finished_at, bytes_read, bytes_total, detected_platform, encoding, header_row, "
    "orders_read, orders_created, orders_updated, orders_unchanged, customers_created, customers_matched, "
    "orders_unidentified, rows_rejected, error_code, error_message, error_field, heartbeat_at) "
    "VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, NULL, NULL, 0, $10, '', '', '', 0, 0, 0, 0, 0, 0, 0, 0, "
    "'', '', '', $9)";
// The columns JobFromRow reads, in its order.
constexpr std::string_view kSelectJob =
    "SELECT import_id, status, filename, platform, created_at, started_at, finished_at, bytes_read, bytes_total, "
    "detected_platform, encoding, orders_read, orders_created, orders_updated, orders_unchanged, customers_created, "
    "customers_matched, orders_unidentified, rows_rejected, error_code, error_message, error_field "
    "FROM import_jobs WHERE tenant_id = $1 AND import_id = $2";
constexpr std::string_view kSelectJobByKey =
    "SELECT import_id, status, filename, platform, created_at, started_at, finished_at, bytes_read, bytes_total, "
    "detected_platform, encoding, orders_read, orders_created, orders_updated, orders_unchanged, customers_created, "
    "customers_matched, orders_unidentified, rows_rejected, error_code, error_message, error_field "
    "FROM import_jobs WHERE tenant_id = $1 AND idempotency_key = $2";
constexpr std::string_view kListJobs =
    "SELECT import_id, status, filename, platform, created_at, started_at, finished_at, bytes_read, bytes_total, "
    "detected_platform, encoding, orders_read, orders_created, orders_updated, orders_unchanged, customers_created, "
    "customers_matched, orders_unidentified, rows_rejected, error_code, error_message, error_field "
    "FROM import_jobs WHERE tenant_id = $1 ORDER BY import_id DESC LIMIT $2";
constexpr std::string_view kSelectFirstRejections =
    "SELECT line, column_name, reason FROM import_rejected_rows WHERE tenant_id = $1 AND import_id = $2 "
    "ORDER BY seq LIMIT $3";
constexpr std::string_view kSelectTimeZone = "SELECT time_zone FROM tenants WHERE tenant_id = $1";
constexpr std::string_view kStartJob =
    "UPDATE import_jobs SET status = 'running', started_at = $3, heartbeat_at = $3 WHERE tenant_id = $1 AND "
    "import_id = $2 AND status = 'queued'";
constexpr std::string_view kUpdateProgress =
    "UPDATE import_jobs SET bytes_read = $3, bytes_total = $4, detected_platform = $5, encoding = $6, "
    "orders_read = $7, orders_created = $8, orders_updated = $9, orders_unchanged = $10, customers_created = $11, "
    "customers_matched = $12, orders_unidentified = $13, rows_rejected = $14, heartbeat_at = $15 "
    "WHERE tenant_id = $1 AND import_id = $2 AND status = 'running'";
constexpr std::string_view kFinishJob =
    "UPDATE import_jobs SET status = $3, finished_at = $4, bytes_read = $5, bytes_total = $6, detected_platform = $7, "
    "encoding = $8, header_row = $9, orders_read = $10, orders_created = $11, orders_updated = $12, "
    "orders_unchanged = $13, customers_created = $14, customers_matched = $15, orders_unidentified = $16, "
    "rows_rejected = $17, error_code = $18, error_message = $19, error_field = $20 "
    "WHERE tenant_id = $1 AND import_id = $2";
constexpr std::string_view kInsertRejected =
    "INSERT INTO import_rejected_rows (tenant_id, import_id, seq, line, column_name, reason, row_cipher) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr std::string_view kSelectRejectedSource =
    "SELECT status, header_row FROM import_jobs WHERE tenant_id = $1 AND import_id = $2";
constexpr std::string_view kSelectRejectedRows =
    "SELECT line, column_name, reason, row_cipher FROM import_rejected_rows WHERE tenant_id = $1 AND import_id = $2 "
    "ORDER BY seq";
// Maintenance across merchants (the one kind of statement here without a tenant): at start, the
// jobs this process's spool dir held; and the retention purge.
constexpr std::string_view kFailInterrupted =
    "UPDATE import_jobs SET status = 'failed', finished_at = $3, error_code = 'aborted', error_message = $4, "
    "error_field = '' WHERE node = $1 AND status = $2";
// Heartbeats: this node's jobs are alive; another node's that have not beaten for a while are not.
constexpr std::string_view kTouchJobs =
    "UPDATE import_jobs SET heartbeat_at = $2 WHERE node = $1 AND status IN ('queued', 'running')";
constexpr std::string_view kFailAbandoned =
    "UPDATE import_jobs SET status = 'failed', finished_at = $2, error_code = 'aborted', error_message = $3, "
    "error_field = '' WHERE node <> $1 AND status IN ('queued', 'running') AND COALESCE(heartbeat_at, created_at) < $4";
constexpr std::string_view kSelectExpired =
    "SELECT tenant_id, import_id FROM import_jobs WHERE finished_at IS NOT NULL AND finished_at < $1";
constexpr std::string_view kDeleteRejectedRows =
    "DELETE FROM import_rejected_rows WHERE tenant_id = $1 AND import_id = $2";
constexpr std::string_view kDeleteJob = "DELETE FROM import_jobs WHERE tenant_id = $1 AND import_id = $2";

constexpr const char* kInterrupted =
    "interrupted by a restart; import the file again — importing twice changes nothing";
constexpr const char* kNotStartedBeforeRestart = "not started before a restart; import the file again";
constexpr const char* kAbandoned =
    "the server holding this import stopped and has not come back; import the file again — importing twice "
    "changes nothing";
constexpr const char* kStopped =
    "stopped by a server shutdown; import the file again — importing twice changes nothing";
constexpr const char* kNotStartedBeforeStop = "the server shut down before this import started; import the file again";

constexpr std::string_view kUploadSuffix = ".upload";  // files of queued and running jobs
constexpr std::string_view kPartSuffix = ".part";      // request bodies the HTTP server spools
constexpr size_t kMaxFilenameBytes = 200;
constexpr size_t kMaxIdempotencyKey = 255;

constexpr std::array<std::pair<ImportStatus, std::string_view>, 4> kStatusNames = {
    {{ImportStatus::kQueued, "queued"},
     {ImportStatus::kRunning, "running"},
     {ImportStatus::kSucceeded, "succeeded"},
     {ImportStatus::kFailed, "failed"}}};

ImportStatus ParseStatus(std::string_view text) {
    for (const auto& [status, name] : kStatusNames) {
        if (name == text) return status;
    }
    return ImportStatus::kFailed;
}

ErrorCode ParseErrorCode(std::string_view text) {
    for (int i = static_cast<int>(ErrorCode::kInvalidArgument); i <= static_cast<int>(ErrorCode::kInternal); ++i) {
        if (ErrorCodeName(static_cast<ErrorCode>(i)) == text) return static_cast<ErrorCode>(i);
    }
    return ErrorCode::kInternal;
}

// The context of rejected rows' ciphertext: a value copied to another merchant fails to decrypt.
std::string RejectedContext(TenantId tenant) { return "t" + std::to_string(tenant.value()) + "/import.rejected_row"; }

std::optional<Timestamp> OptionalTime(const store::Row& row, size_t column) {
    if (row.IsNull(column)) return std::nullopt;
    return Timestamp::FromMicros(row.Int(column));
}

ImportJob JobFromRow(const store::Row& row) {
    ImportJob job;
    job.id = ImportId(row.Int(0));
    job.status = ParseStatus(row.Text(1));
    job.filename = row.Text(2);
    job.platform = row.Text(3);
    job.created_at = Timestamp::FromMicros(row.Int(4));
    job.started_at = OptionalTime(row, 5);
    job.finished_at = OptionalTime(row, 6);
    job.bytes_read = static_cast<uint64_t>(row.Int(7));
    job.bytes_total = static_cast<uint64_t>(row.Int(8));
    job.detected_platform = row.Text(9);
    job.encoding = row.Text(10);
    job.orders_read = row.Int(11);
    job.orders_created = row.Int(12);
    job.orders_updated = row.Int(13);
    job.orders_unchanged = row.Int(14);
    job.customers_created = row.Int(15);
    job.customers_matched = row.Int(16);
    job.orders_unidentified = row.Int(17);
    job.rows_rejected = row.Int(18);
    if (job.status == ImportStatus::kFailed) {
        job.error = Status(ParseErrorCode(row.Text(19)), row.Text(20), row.Text(21));
    }
    return job;
}

// The base name, as UTF-8 text without control characters, at most kMaxFilenameBytes.
Result<std::string> CleanFilename(std::string_view name) {
    const size_t slash = name.find_last_of("/\\");
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    if (!Utf8Length(name)) return InvalidArgument("the file name must be UTF-8 text", "filename");
    std::string out;
    for (char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) out += c;
    }
    if (out.size() > kMaxFilenameBytes) {
        size_t cut = kMaxFilenameBytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // a character boundary
        out.resize(cut);
    }
    return out;
}

Status CheckIdempotencyKey(std::string_view key) {
    bool ok = !key.empty() && key.size() <= kMaxIdempotencyKey;
    for (char c : key) ok = ok && c > 0x20 && c < 0x7f;
    if (!ok) return InvalidArgument("must be 1 to 255 visible ASCII characters", "Idempotency-Key");
    return OkStatus();
}

void RemoveQuietly(const std::string& path) {
    std::error_code ignored;
    fs::remove(path, ignored);
}

// Writes `bytes` to a new file of mode 0600.
Status WriteSpoolFile(const std::string& path, std::string_view bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Unavailable("cannot store the uploaded file", path + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            RemoveQuietly(path);
            return Unavailable("cannot store the uploaded file", path + ": " + why);
        }
        done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) return Unavailable("cannot store the uploaded file", path);
    return OkStatus();
}

// Moves a file into the spool dir (copying when it is on another file system), mode 0600.
Status MoveSpoolFile(const std::string& from, const std::string& to) {
    std::error_code ec;
    fs::rename(from, to, ec);
    if (ec) {
        fs::copy_file(from, to, ec);
        if (ec) return Unavailable("cannot store the uploaded file", from + " → " + to + ": " + ec.message());
        RemoveQuietly(from);
    }
    ::chmod(to.c_str(), 0600);
    return OkStatus();
}

// This spool dir's id, kept in the dir so that it survives restarts: jobs carry it, and a
// restart fails only the jobs whose files it held.
Result<std::string> SpoolNodeId(const std::string& spool_dir) {
    const std::string path = spool_dir + "/node-id";
    std::string id;
    if (std::ifstream in(path); in) std::getline(in, id);
    if (!id.empty()) return id;
    id = RandomToken(16);
    YT_TRY(WriteSpoolFile(path, id + "\n"));
    return id;
}

}  // namespace

std::string_view ImportStatusName(ImportStatus status) {
    for (const auto& [s, name] : kStatusNames) {
        if (s == status) return name;
    }
    return "failed";
}

// What a job has done so far: the report's numbers without its rows.
struct ImportJobs::Totals {
    uint64_t bytes_read = 0;
    uint64_t bytes_total = 0;
    std::string platform;
    std::string encoding;
    std::string header_row;
    int64_t orders_read = 0;
    int64_t orders_created = 0;
    int64_t orders_updated = 0;
    int64_t orders_unchanged = 0;
    int64_t customers_created = 0;
    int64_t customers_matched = 0;
    int64_t orders_unidentified = 0;
    int64_t rows_rejected = 0;

    static Totals Of(const ImportReport& report, uint64_t bytes_read, uint64_t bytes_total) {
        return {.bytes_read = bytes_read,
                .bytes_total = bytes_total,
                .platform = report.platform,
                .encoding = report.encoding,
                .header_row = report.header_row,
                .orders_read = report.orders_read,
                .orders_created = report.orders_created,
                .orders_updated = report.orders_updated,
                .orders_unchanged = report.orders_unchanged,
                .customers_created = report.customers_created,
                .customers_matched = report.customers_matched,
                .orders_unidentified = report.orders_unidentified,
                .rows_rejected = static_cast<int64_t>(report.rejected.size())};
    }
};

ImportJobs::ImportJobs(store::Database& db, OrderImporter& importer, const KeyRing& keys, const Clock& clock,
                       ImportJobSettings settings)
    : db_(db), importer_(importer), keys_(keys), clock_(clock), settings_(std::move(settings)) {}

ImportJobs::~ImportJobs() { Stop(); }

Status ImportJobs::Start() {
    {
        std::lock_guard lock(mutex_);
        if (started_) return OkStatus();
        if (stopping_) return Unavailable("imports have been stopped");
    }
    std::error_code ec;
    fs::create_directories(settings_.spool_dir, ec);
    if (ec || settings_.spool_dir.empty()) {
        return Unavailable("cannot create the spool dir " + settings_.spool_dir, ec.message());
    }
    ::chmod(settings_.spool_dir.c_str(), 0700);
    YT_ASSIGN_OR_RETURN(std::string node, SpoolNodeId(settings_.spool_dir));

    // Jobs an earlier run left behind: their files are gone or half-read, and nobody runs them.
    int64_t interrupted = 0;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        const int64_t now = clock_.Now().micros();
        YT_ASSIGN_OR_RETURN(int64_t running, s.Execute(kFailInterrupted, {node, "running", now, kInterrupted}));
        YT_ASSIGN_OR_RETURN(int64_t queued,
                            s.Execute(kFailInterrupted, {node, "queued", now, kNotStartedBeforeRestart}));
        interrupted = running + queued;
        return OkStatus();
    }));
    if (interrupted > 0) spdlog::warn("marked {} import job(s) interrupted by a restart as failed", interrupted);
    for (const auto& entry : fs::directory_iterator(settings_.spool_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.ends_with(kUploadSuffix) || name.ends_with(kPartSuffix)) RemoveQuietly(entry.path().string());
    }
    if (auto purged = PurgeExpired(); !purged.ok()) {
        spdlog::warn("import jobs: purge failed: {}", purged.status().ToString());
    }

    std::lock_guard lock(mutex_);
    node_ = std::move(node);
    started_ = true;
    worker_ = std::thread([this] { Work(); });
    return OkStatus();
}

void ImportJobs::Stop() {
    std::deque<Queued> left;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        left.swap(queue_);
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
    for (const Queued& job : left) {
        if (Status s = Finish(job.tenant, job.id, ImportStatus::kFailed, {}, Aborted(kNotStartedBeforeStop), nullptr);
            !s.ok()) {
            spdlog::warn("import {} of merchant {}: could not be marked failed: {}", job.id.value(), job.tenant.value(),
                         s.ToString());
        }
        RemoveQuietly(job.path);
    }
    std::lock_guard lock(mutex_);
    idle_.notify_all();
}

void ImportJobs::WaitIdle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return queue_.empty() && !running_; });
}

Result<std::optional<ImportJob>> ImportJobs::FindByKey(TenantId tenant, const std::string& key) {
    std::optional<ImportJob> found;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectJobByKey, {tenant.value(), key}));
        if (row) found = JobFromRow(*row);
        return OkStatus();
    }));
    return found;
}

Result<SubmittedImport> ImportJobs::Submit(TenantId tenant, NewImport request, const staff::Actor& actor) {
    // The uploaded file never outlives this call unless a queued job holds it.
    std::string owned = request.spooled_file;
    struct Cleanup {
        std::string& path;
        ~Cleanup() {
            if (!path.empty()) RemoveQuietly(path);
        }
    } cleanup{owned};
    {
        std::lock_guard lock(mutex_);
        if (!started_ || stopping_) return Unavailable("imports are not running in this process");
    }
    std::optional<imports::Platform> platform;
    if (request.platform != "auto") {
        YT_ASSIGN_OR_RETURN(platform, imports::ParsePlatform(request.platform, "platform"));
    }
    const bool mapped = platform == imports::Platform::kMapped;
    if (mapped && request.mapping.empty()) return InvalidArgument("platform mapped needs a column mapping", "mapping");
    if (!mapped && !request.mapping.empty())
        return InvalidArgument("a column mapping needs platform mapped", "mapping");
    std::optional<imports::ColumnMapping> mapping;
    if (mapped) {
        YT_ASSIGN_OR_RETURN(mapping, imports::ParseColumnMapping(request.mapping));
    }
    YT_ASSIGN_OR_RETURN(std::string filename, CleanFilename(request.filename));
    if (!request.idempotency_key.empty()) {
        YT_TRY(CheckIdempotencyKey(request.idempotency_key));
        YT_ASSIGN_OR_RETURN(auto existing, FindByKey(tenant, request.idempotency_key));
        if (existing) return SubmittedImport{.job = std::move(*existing), .replayed = true};
    }
    uint64_t size = request.content.size();
    if (!owned.empty()) {
        std::error_code ec;
        size = fs::file_size(owned, ec);
        if (ec) return Unavailable("cannot read the uploaded file", owned + ": " + ec.message());
    }
    if (size == 0) return InvalidArgument("the file is empty", "body");

    const std::string path = settings_.spool_dir + "/import-" + RandomToken(12) + std::string(kUploadSuffix);
    if (!owned.empty()) {
        YT_TRY(MoveSpoolFile(owned, path));
    } else {
        YT_TRY(WriteSpoolFile(path, request.content));
    }
    owned = path;

    Queued queued{.tenant = tenant, .path = path, .platform = platform, .mapping = std::move(mapping), .time_zone = ""};
    ImportJob job{.status = ImportStatus::kQueued,
                  .filename = filename,
                  .platform = platform ? std::string(imports::PlatformName(*platform)) : "auto",
                  .created_at = clock_.Now(),
                  .bytes_total = size};
    const std::optional<std::string> key =
        request.idempotency_key.empty() ? std::nullopt : std::optional<std::string>(request.idempotency_key);
    Status written = db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto zone, s.QueryOne(kSelectTimeZone, {tenant.value()}));
        if (!zone) return NotFound("no such merchant");
        queued.time_zone = zone->Text(0);
        YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(s, tenant, "import_job"));
        job.id = ImportId(id);
        YT_TRY(s.Execute(kInsertJob, {tenant.value(), id, job.filename, job.platform, key, node_,
                                      ActorKindName(actor.kind), actor.id, job.created_at.micros(), size}));
        return staff::AppendAudit(
            s, tenant, actor, job.created_at,
            {.action = "import.created",
             .target_type = "import",
             .target_id = std::to_string(id),
             .detail = "{\"platform\":\"" + job.platform + "\",\"bytes\":" + std::to_string(size) + "}"});
    });
    if (written.code() == ErrorCode::kAlreadyExists && key) {
        // The same key in a concurrent request won the race: its job is the one.
        YT_ASSIGN_OR_RETURN(auto existing, FindByKey(tenant, *key));
        if (existing) return SubmittedImport{.job = std::move(*existing), .replayed = true};
    }
    YT_TRY(written);
    queued.id = job.id;

    bool enqueued = false;
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(std::move(queued));
            enqueued = true;
        }
    }
    if (!enqueued) {
        const Status why = Aborted(kNotStartedBeforeStop);
        YT_TRY(Finish(tenant, job.id, ImportStatus::kFailed, {}, why, nullptr));
        job.status = ImportStatus::kFailed;
        job.error = why;
        return SubmittedImport{.job = std::move(job)};
    }
    owned.clear();  // the queued job holds the file now
    wake_.notify_all();
    return SubmittedImport{.job = std::move(job)};
}

Result<ImportJob> ImportJobs::Get(TenantId tenant, ImportId id) {
    ImportJob job;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectJob, {tenant.value(), id.value()}));
        if (!row) return NotFound("no such import");
        job = JobFromRow(*row);
        if (job.rows_rejected == 0 || job.status != ImportStatus::kSucceeded) return OkStatus();
        YT_ASSIGN_OR_RETURN(auto rows,
                            s.Query(kSelectFirstRejections, {tenant.value(), id.value(), settings_.first_rejections}));
        for (const auto& r : rows) job.first_rejections.push_back({r.Int(0), r.Text(1), r.Text(2)});
        return OkStatus();
    }));
    return job;
}

Result<std::vector<ImportJob>> ImportJobs::List(TenantId tenant, int limit) {
    if (limit < 1 || static_cast<size_t>(limit) > settings_.max_list) {
        return InvalidArgument("must be 1 to " + std::to_string(settings_.max_list), "limit");
    }
    std::vector<ImportJob> jobs;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kListJobs, {tenant.value(), limit}));
        for (const auto& row : rows) jobs.push_back(JobFromRow(row));
        return OkStatus();
    }));
    return jobs;
}

Result<std::string> ImportJobs::RejectedCsv(TenantId tenant, ImportId id, const staff::Actor& actor) {
    const std::string context = RejectedContext(tenant);
    std::string out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        out.clear();
        YT_ASSIGN_OR_RETURN(auto job, s.QueryOne(kSelectRejectedSource, {tenant.value(), id.value()}));
        if (!job) return NotFound("no such import");
        switch (ParseStatus(job->Text(0))) {
            case ImportStatus::kQueued:
            case ImportStatus::kRunning:
                return FailedPrecondition("the import has not finished yet");
            case ImportStatus::kFailed:
                return FailedPrecondition("the import failed: it kept no rejected rows");
            case ImportStatus::kSucceeded:
                break;
        }
        out = "\xEF\xBB\xBF";  // BOM: Excel opens the file as UTF-8
        out += "行号 line,原因 reason";
        if (const std::string header = job->Text(1); !header.empty()) out += "," + header;
        out += "\r\n";
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectRejectedRows, {tenant.value(), id.value()}));
        for (const auto& row : rows) {
            YT_ASSIGN_OR_RETURN(std::string raw, keys_.Decrypt(row.Text(3), context));
            const std::string column = row.Text(1);
            out +=
                std::to_string(row.Int(0)) + "," + CsvQuote(column.empty() ? row.Text(2) : column + ": " + row.Text(2));
            if (!raw.empty()) out += "," + raw;
            out += "\r\n";
        }
        return staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                  {.action = "data.exported",
                                   .target_type = "import",
                                   .target_id = std::to_string(id.value()),
                                   .detail = R"({"what":"rejected_rows","rows":)" + std::to_string(rows.size()) + "}"});
    }));
    return out;
}

Status ImportJobs::Touch() {
    std::string node;
    {
        std::lock_guard lock(mutex_);
        node = node_;
    }
    if (node.empty()) return OkStatus();
    return db_.Write([&](store::Session& s) { return s.Execute(kTouchJobs, {node, clock_.Now().micros()}).status(); });
}

Result<int64_t> ImportJobs::FailAbandoned() {
    std::string node;
    {
        std::lock_guard lock(mutex_);
        node = node_;
    }
    if (node.empty()) return FailedPrecondition("import jobs have not been started");
    YT_TRY(Touch());
    int64_t failed = 0;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        const Timestamp now = clock_.Now();
        const Timestamp cutoff = now - std::chrono::duration_cast<std::chrono::microseconds>(settings_.abandoned_after);
        YT_ASSIGN_OR_RETURN(failed, s.Execute(kFailAbandoned, {node, now.micros(), kAbandoned, cutoff.micros()}));
        return OkStatus();
    }));
    if (failed > 0) spdlog::warn("marked {} import job(s) of a server that stopped as failed", failed);
    return failed;
}

Result<int64_t> ImportJobs::PurgeExpired() {
    const int64_t cutoff = (clock_.Now() - settings_.retention).micros();
    int64_t purged = 0;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        purged = 0;
        YT_ASSIGN_OR_RETURN(auto expired, s.Query(kSelectExpired, {cutoff}));
        for (const auto& row : expired) {
            YT_TRY(s.Execute(kDeleteRejectedRows, {row.Int(0), row.Int(1)}));
            YT_ASSIGN_OR_RETURN(int64_t n, s.Execute(kDeleteJob, {row.Int(0), row.Int(1)}));
            purged += n;
        }
        return OkStatus();
    }));
    if (purged > 0) spdlog::info("deleted {} import job(s) past their retention", purged);
    return purged;
}

void ImportJobs::Work() {
    while (true) {
        Queued job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::hours(1), [&] { return stopping_.load() || !queue_.empty(); });
            if (stopping_) return;
            if (!queue_.empty()) {
                job = std::move(queue_.front());
                queue_.pop_front();
                running_ = true;
            }
        }
        if (job.id.valid()) Run(job);
        if (auto purged = PurgeExpired(); !purged.ok()) {
            spdlog::warn("import jobs: purge failed: {}", purged.status().ToString());
        }
        std::lock_guard lock(mutex_);
        running_ = false;
        if (queue_.empty()) idle_.notify_all();
    }
}

Status ImportJobs::Finish(TenantId tenant, ImportId id, ImportStatus status, const Totals& totals, const Status& error,
                          const std::vector<imports::RowError>* rejected) {
    std::vector<std::string> sealed;
    if (rejected != nullptr) {
        // Encrypted before the transaction: only store work runs inside it.
        const std::string context = RejectedContext(tenant);
        sealed.reserve(rejected->size());
        for (const auto& row : *rejected) sealed.push_back(keys_.Encrypt(row.raw_row, context));
    }
    return db_.Write([&](store::Session& s) -> Status {
        for (size_t i = 0; i < sealed.size(); ++i) {
            const imports::RowError& row = (*rejected)[i];
            YT_TRY(s.Execute(kInsertRejected, {tenant.value(), id.value(), static_cast<int64_t>(i + 1), row.line,
                                               row.column, row.reason, store::Blob{sealed[i]}}));
        }
        const bool failed = !error.ok();
        YT_ASSIGN_OR_RETURN(int64_t n, s.Execute(kFinishJob, {tenant.value(),
                                                              id.value(),
                                                              ImportStatusName(status),
                                                              clock_.Now().micros(),
                                                              totals.bytes_read,
                                                              totals.bytes_total,
                                                              totals.platform,
                                                              totals.encoding,
                                                              totals.header_row,
                                                              totals.orders_read,
                                                              totals.orders_created,
                                                              totals.orders_updated,
                                                              totals.orders_unchanged,
                                                              totals.customers_created,
                                                              totals.customers_matched,
                                                              totals.orders_unidentified,
                                                              totals.rows_rejected,
                                                              failed ? ErrorCodeName(error.code()) : "",
                                                              failed ? error.message() : "",
                                                              failed ? error.field() : ""}));
        if (n == 0) return NotFound("no such import");
        return OkStatus();
    });
}

void ImportJobs::Run(const Queued& job) {
    Result<int64_t> started = [&]() -> Result<int64_t> {
        int64_t n = 0;
        YT_TRY(db_.Write([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(n, s.Execute(kStartJob, {job.tenant.value(), job.id.value(), clock_.Now().micros()}));
            return OkStatus();
        }));
        return n;
    }();
    if (!started.ok() || *started == 0) {
        spdlog::warn("import {} of merchant {} could not start: {}", job.id.value(), job.tenant.value(),
                     started.ok() ? "no longer queued" : started.status().ToString());
        RemoveQuietly(job.path);
        return;
    }

    Totals totals;
    auto last_write = std::chrono::steady_clock::time_point{};
    auto last_touch = std::chrono::steady_clock::now();
    ImportOptions options;
    options.reader.platform = job.platform;
    options.reader.time_zone = job.time_zone;
    options.reader.mapping = job.mapping;
    options.batch_size = settings_.batch_size;
    options.max_batch_size = settings_.max_batch_size;
    options.should_stop = [this] { return stopping_.load(); };
    options.progress = [&](uint64_t bytes_read, uint64_t bytes_total, const ImportReport& so_far) {
        totals = Totals::Of(so_far, bytes_read, bytes_total);
        const auto now = std::chrono::steady_clock::now();
        if (now - last_write >= settings_.progress_interval) {
            last_write = now;
            Status stored = db_.Write([&](store::Session& s) -> Status {
                return s
                    .Execute(kUpdateProgress, {job.tenant.value(), job.id.value(), totals.bytes_read,
                                               totals.bytes_total, totals.platform, totals.encoding, totals.orders_read,
                                               totals.orders_created, totals.orders_updated, totals.orders_unchanged,
                                               totals.customers_created, totals.customers_matched,
                                               totals.orders_unidentified, totals.rows_rejected, clock_.Now().micros()})
                    .status();
            });
            // The jobs queued behind this one are alive too.
            if (now - last_touch >= settings_.heartbeat_interval) {
                last_touch = now;
                if (Status touched = Touch(); !touched.ok()) {
                    spdlog::warn("import jobs: heartbeat not stored: {}", touched.ToString());
                }
            }
            if (!stored.ok()) spdlog::warn("import {}: progress not stored: {}", job.id.value(), stored.ToString());
        }
        if (settings_.after_batch) settings_.after_batch(job.tenant, job.id);
    };

    Result<ImportReport> report = importer_.Import(job.tenant, job.path, options);
    RemoveQuietly(job.path);  // it holds personal data and is of no further use, whatever happened
    Status finished;
    if (report.ok()) {
        finished = Finish(job.tenant, job.id, ImportStatus::kSucceeded,
                          Totals::Of(*report, totals.bytes_read, totals.bytes_total), OkStatus(), &report->rejected);
        if (finished.ok()) return;
        spdlog::error("import {} of merchant {}: the report could not be stored: {}", job.id.value(),
                      job.tenant.value(), finished.ToString());
    }
    Status why = report.ok() ? finished : report.status();
    if (why.code() == ErrorCode::kAborted && stopping_) why = Aborted(kStopped);
    spdlog::warn("import {} of merchant {} failed: {}", job.id.value(), job.tenant.value(), why.ToString());
    if (Status marked = Finish(job.tenant, job.id, ImportStatus::kFailed, totals, why, nullptr); !marked.ok()) {
        spdlog::error("import {} of merchant {} could not be marked failed: {}", job.id.value(), job.tenant.value(),
                      marked.ToString());
    }
}

}  // namespace yutang::events
