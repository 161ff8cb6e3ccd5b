// Order-export imports as jobs: an uploaded export is queued, imported by OrderImporter on a
// background thread (one job at a time per process, the others wait in order), and its progress,
// report and rejected rows can be read while and after it runs. The HTTP routes are
// /api/v1/imports (http/import_routes.hpp).
//
// Personal data. The uploaded file holds buyers' names, phones and addresses: it lives only in
// the spool dir (dir 0700, file 0600) from upload until its job ends, and is deleted then,
// whatever the outcome. Rejected rows are kept encrypted in import_rejected_rows (never in a
// plaintext file, never in the log) so that the merchant can download, fix and import them again.
// They are tied to no customer, so export and erasure of a person cannot find them; instead a job
// and its rejected rows are deleted `retention` after the job ended (30 days by default).
//
// Restarts. Jobs live in the store (import_jobs), the queue in memory. Start() marks the jobs
// that an earlier run of this process left queued or running as failed ("interrupted by a
// restart; import the file again — importing twice changes nothing") and removes their files;
// Stop() fails the queued jobs and stops the running one between two batches.
//
//   ImportJobs jobs(db, importer, keys, clock, {.spool_dir = data_dir + "/spool"});
//   YT_TRY(jobs.Start());  // `yutang serve` only
//   YT_ASSIGN_OR_RETURN(SubmittedImport s, jobs.Submit(tenant, {.filename = "订单.csv", .content = bytes}, actor));
//   YT_ASSIGN_OR_RETURN(ImportJob job, jobs.Get(tenant, s.job.id));                  // poll
//   YT_ASSIGN_OR_RETURN(std::string csv, jobs.RejectedCsv(tenant, s.job.id, actor));  // audited
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "yutang/base/crypto.hpp"
#include "yutang/events/order_import.hpp"
#include "yutang/staff/audit.hpp"

namespace yutang::events {

using ImportId = Id<struct ImportIdTag>;

enum class ImportStatus { kQueued, kRunning, kSucceeded, kFailed };
std::string_view ImportStatusName(ImportStatus status);  // "queued", "running", "succeeded", "failed"

// A rejected row without its content: no personal data.
struct RejectedRowSummary {
    int64_t line = 0;    // 1-based file line
    std::string column;  // header name, or "" for the whole row
    std::string reason;
};

struct ImportJob {
    ImportId id;
    ImportStatus status = ImportStatus::kQueued;
    std::string filename;  // as uploaded (base name only)
    std::string platform;  // as asked: "auto", "jd", "taobao", "douyin", "pdd", "youzan", "mapped"
    Timestamp created_at;
    std::optional<Timestamp> started_at;
    std::optional<Timestamp> finished_at;
    // Progress while running (updated about twice a second), totals once finished. A failed job
    // keeps the numbers of the batches it committed before it failed.
    uint64_t bytes_read = 0;
    uint64_t bytes_total = 0;
    std::string detected_platform;  // "" until the file has been opened
    std::string encoding;
    int64_t orders_read = 0;
    int64_t orders_created = 0;
    int64_t orders_updated = 0;
    int64_t orders_unchanged = 0;
    int64_t customers_created = 0;
    int64_t customers_matched = 0;
    int64_t orders_unidentified = 0;
    int64_t rows_rejected = 0;
    std::vector<RejectedRowSummary> first_rejections;  // Get only: the first few, in file order
    Status error;                                      // kFailed: why (client-safe message)
};

struct NewImport {
    std::string platform = "auto";  // "auto" (recognised from the header) or a name (imports::PlatformName)
    std::string mapping;            // the column mapping as JSON (imports::ParseColumnMapping): for "mapped" only
    std::string filename;           // shown in listings; reduced to its base name
    std::string idempotency_key;    // "" = none
    // The file: a file already written to disk (the HTTP server's spooled body), which the service
    // takes over — it is moved into the spool dir or deleted, whatever Submit returns — or else
    // the bytes themselves.
    std::string spooled_file;
    std::string content;
};

struct SubmittedImport {
    ImportJob job;
    bool replayed = false;  // the idempotency key named an earlier job, which is returned instead
};

struct ImportJobSettings {
    std::string spool_dir;  // where uploaded files wait for their job; created with mode 0700
    // Jobs and their rejected rows are deleted this long after they finished.
    std::chrono::hours retention{24 * 30};
    size_t batch_size = 500;                           // orders in the first transaction
    size_t max_batch_size = kAdaptiveImportMaxBatch;   // batches adapt up to this (ImportOptions)
    std::chrono::milliseconds progress_interval{500};  // progress is written at most this often
    size_t first_rejections = 20;                      // how many rejections Get returns
    size_t max_list = 100;                             // the largest List limit
    // A node's queued and running jobs show they are alive at least this often (while one of
    // them runs; FailAbandoned, which the scheduler calls every minute, too) …
    std::chrono::seconds heartbeat_interval{30};
    // … and another node fails them when they have not for this long.
    std::chrono::minutes abandoned_after{10};
    // Called on the worker after each batch, once its progress is stored (tests).
    std::function<void(TenantId, ImportId)> after_batch;
};

// Thread-safe.
class ImportJobs {
  public:
    ImportJobs(store::Database& db, OrderImporter& importer, const KeyRing& keys, const Clock& clock,
               ImportJobSettings settings);
    ~ImportJobs();  // Stop()
    ImportJobs(const ImportJobs&) = delete;
    ImportJobs& operator=(const ImportJobs&) = delete;

    // Creates the spool dir, fails the jobs an earlier run of this process left queued or running,
    // deletes the files they left, purges expired jobs, and starts the worker. Call once, before
    // the HTTP server accepts uploads (it removes the upload files left in the spool dir).
    // unavailable when the spool dir cannot be made.
    Status Start();
    // Stops the worker: the running job stops after its current batch and, like the queued ones,
    // is marked failed; their files are deleted. Later Submits get unavailable. Idempotent.
    void Stop();

    // Queues an import. invalid_argument for an empty file (field "body"), an unknown platform
    // ("platform"), a malformed mapping, a mapping without platform "mapped" or the reverse
    // (field "mapping" or the mapping's key), a filename that is not UTF-8 text
    // ("filename"), an idempotency key that is not 1–255 visible ASCII characters
    // ("Idempotency-Key"); unavailable before Start and after Stop; store errors. Audited as
    // import.created.
    Result<SubmittedImport> Submit(TenantId tenant, NewImport request, const staff::Actor& actor);
    // not_found for an unknown id (and another merchant's).
    Result<ImportJob> Get(TenantId tenant, ImportId id);
    // The merchant's jobs, newest first, without first_rejections. invalid_argument (field
    // "limit") outside 1..max_list.
    Result<std::vector<ImportJob>> List(TenantId tenant, int limit = 50);
    // The rejected rows as CSV for Excel: UTF-8 with a BOM, CRLF, columns 行号 line, 原因 reason
    // (with the column it is about), then the row's own fields under the export's header.
    // Audited as data.exported (target "import"). not_found for an unknown id;
    // failed_precondition while the job is queued or running, or when it failed.
    Result<std::string> RejectedCsv(TenantId tenant, ImportId id, const staff::Actor& actor);
    // Deletes the jobs (and their rejected rows) of every merchant that finished more than
    // `retention` ago; returns how many. The worker runs it at start, after each job and hourly.
    Result<int64_t> PurgeExpired();
    // For several servers on one PostgreSQL store: marks this node's queued and running jobs
    // alive, then fails (and returns how many) the queued and running jobs of other nodes that
    // have not shown a heartbeat for abandoned_after: their node stopped, and the uploads in its
    // spool dir went with it. failed_precondition before Start.
    Result<int64_t> FailAbandoned();

    // Blocks until no job is queued or running (tests, and a clean shutdown).
    void WaitIdle();
    const ImportJobSettings& settings() const { return settings_; }

  private:
    struct Queued {
        TenantId tenant;
        ImportId id;
        std::string path;  // the file in the spool dir
        std::optional<imports::Platform> platform;
        std::optional<imports::ColumnMapping> mapping;
        std::string time_zone;
    };

    struct Totals;

    Status Touch();  // this node's queued and running jobs are alive
    void Work();
    void Run(const Queued& job);
    // Records the end of a job: its status, numbers and error, and (succeeded) its rejected rows.
    Status Finish(TenantId tenant, ImportId id, ImportStatus status, const Totals& totals, const Status& error,
                  const std::vector<imports::RowError>* rejected);
    Result<std::optional<ImportJob>> FindByKey(TenantId tenant, const std::string& key);

    store::Database& db_;
    OrderImporter& importer_;
    const KeyRing& keys_;
    const Clock& clock_;
    const ImportJobSettings settings_;
    std::string node_;  // identifies this process's spool dir in import_jobs.node

    std::mutex mutex_;
    std::condition_variable wake_;  // work queued, or stopping
    std::condition_variable idle_;  // queue empty and nothing running
    std::deque<Queued> queue_;
    bool running_ = false;
    bool started_ = false;
    std::atomic<bool> stopping_{false};
    std::thread worker_;
};

}  // namespace yutang::events
