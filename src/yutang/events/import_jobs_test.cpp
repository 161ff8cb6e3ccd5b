#include "yutang/events/import_jobs.hpp"

#include <filesystem>
#include <fstream>
#include <future>
#include <optional>

#include <gtest/gtest.h>

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

// A JD export: one order of two SKU rows, two more orders, one row with a bad amount (line 5).
constexpr const char* kJdExport =
    "订单号,商品ID,商品名称,订购数量,下单时间,订单金额,应付金额,订单状态,下单帐号,客户姓名,客户地址,联系电话,"
    "付款确认时间,订单完成时间,京东价\n"
    "J100,1001,保温杯,2,2026-11-01 10:00:00,306.00,306.00,完成,jd_alice,张三,广东省深圳市南山区1号,1******6198,"
    "2026-11-01 10:01:00,2026-11-05 10:00:00,99.00\n"
    "J100,1002,杯套,1,2026-11-01 10:00:00,306.00,306.00,完成,jd_alice,张三,广东省深圳市南山区1号,1******6198,"
    "2026-11-01 10:01:00,2026-11-05 10:00:00,108.00\n"
    "J101,1001,保温杯,1,2026-11-10 09:00:00,99.00,99.00,完成,jd_alice,张三,广东省深圳市南山区1号,1******6198,"
    "2026-11-10 09:01:00,2026-11-12 10:00:00,99.00\n"
    "J102,1003,茶叶,1,2026-11-11 09:00:00,abc,50.00,完成,jd_bob,李四,北京市朝阳区2号,1******1234,"
    "2026-11-11 09:01:00,,50.00\n"
    "J103,1003,茶叶,1,2026-11-12 09:00:00,50.00,50.00,已取消,,王五,上海市3号,1******5555,,,50.00\n";

namespace fs = std::filesystem;

// Lets a test hold the worker inside its first batch, to look at a running job.
class BatchGate {
  public:
    // Installed as ImportJobSettings::after_batch: the first call waits for Release().
    void OnBatch() {
        if (calls_++ > 0) return;
        entered_.set_value();
        released_.get_future().wait();
    }
    void WaitEntered() { entered_.get_future().wait(); }
    void Release() { released_.set_value(); }

  private:
    std::atomic<int> calls_{0};
    std::promise<void> entered_;
    std::promise<void> released_;
};

// Every case runs on SQLite and on a real PostgreSQL.
class ImportJobsTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(InitCrypto().ok());
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_imports", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(
            db_->Write([](store::Session& s) -> Status {
                   YT_TRY(s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0)"));
                   return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (2, 'b', 0)").status();
               })
                .ok());
        importer_ = std::make_unique<OrderImporter>(*db_, resolver_, orders_, clock_);
    }
    void TearDown() override {
        if (jobs_) jobs_->Stop();
    }

    ImportJobs& Jobs(BatchGate* gate = nullptr) {
        jobs_ = std::make_unique<ImportJobs>(*db_, *importer_, keys_, clock_,
                                             ImportJobSettings{.spool_dir = spool_,
                                                               .batch_size = 1,
                                                               .progress_interval = std::chrono::milliseconds(0),
                                                               .after_batch = [gate](TenantId, ImportId) {
                                                                   if (gate) gate->OnBatch();
                                                               }});
        EXPECT_TRUE(jobs_->Start().ok());
        return *jobs_;
    }
    int64_t Count(const std::string& sql) { return testing::QueryInt(*db_, sql); }
    // Files in the spool dir other than its id.
    std::vector<std::string> SpoolFiles() {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(spool_)) {
            if (entry.path().filename() != "node-id") names.push_back(entry.path().filename().string());
        }
        return names;
    }
    ImportJob Wait(ImportId id, TenantId tenant = TenantId(1)) {
        jobs_->WaitIdle();
        auto job = jobs_->Get(tenant, id);
        EXPECT_TRUE(job.ok()) << job.status().ToString();
        return job.ok() ? *job : ImportJob{};
    }

    testing::TempDir dir_;
    std::string spool_ = dir_.path() + "/spool";
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    customers::IdentityResolver resolver_{keys_, clock_};
    OrderStore orders_{keys_, clock_};
    std::unique_ptr<OrderImporter> importer_;
    std::unique_ptr<ImportJobs> jobs_;
    staff::Actor actor_ = staff::Actor::Staff(StaffId(1), "req", "127.0.0.1");
};

TEST_P(ImportJobsTest, QueuedThenRunningThenSucceededWithTheReportAndTheSecondImportChangesNothing) {
    BatchGate gate;
    ImportJobs& jobs = Jobs(&gate);
    auto first =
        jobs.Submit(TenantId(1), {.filename = "C:\\exports\\ExportOrderList.csv", .content = kJdExport}, actor_);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_EQ(first->job.status, ImportStatus::kQueued);
    EXPECT_EQ(first->job.filename, "ExportOrderList.csv") << "the base name only";
    EXPECT_EQ(first->job.platform, "auto");
    EXPECT_FALSE(first->replayed);

    gate.WaitEntered();  // the worker is inside the first batch
    auto running = jobs.Get(TenantId(1), first->job.id);
    ASSERT_TRUE(running.ok());
    EXPECT_EQ(running->status, ImportStatus::kRunning);
    EXPECT_TRUE(running->started_at.has_value());
    EXPECT_EQ(running->detected_platform, "jd");
    EXPECT_EQ(running->orders_read, 1);
    EXPECT_GT(running->bytes_read, 0u);
    EXPECT_EQ(running->bytes_total, std::string(kJdExport).size());
    // Another upload waits for the running one.
    auto second = jobs.Submit(TenantId(1), {.platform = "jd", .content = kJdExport}, actor_);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(jobs.Get(TenantId(1), second->job.id)->status, ImportStatus::kQueued);
    EXPECT_EQ(SpoolFiles().size(), 2u);
    gate.Release();

    const ImportJob done = Wait(first->job.id);
    EXPECT_EQ(done.status, ImportStatus::kSucceeded);
    EXPECT_TRUE(done.finished_at.has_value());
    EXPECT_EQ(done.encoding, "UTF-8");
    EXPECT_EQ(done.orders_read, 3);
    EXPECT_EQ(done.orders_created, 3);
    EXPECT_EQ(done.customers_created, 1);    // jd_alice
    EXPECT_EQ(done.customers_matched, 1);    // jd_alice again
    EXPECT_EQ(done.orders_unidentified, 1);  // J103: a masked phone only
    EXPECT_EQ(done.rows_rejected, 1);
    EXPECT_EQ(done.bytes_read, done.bytes_total);
    ASSERT_EQ(done.first_rejections.size(), 1u);
    EXPECT_EQ(done.first_rejections[0].line, 5);
    EXPECT_EQ(done.first_rejections[0].column, "订单金额");
    EXPECT_EQ(done.first_rejections[0].reason, "not an amount");

    const ImportJob again = Wait(second->job.id);
    EXPECT_EQ(again.status, ImportStatus::kSucceeded);
    EXPECT_EQ(again.platform, "jd");
    EXPECT_EQ(again.orders_unchanged, 3);
    EXPECT_EQ(again.orders_created + again.orders_updated + again.customers_created, 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 3);

    EXPECT_TRUE(SpoolFiles().empty()) << "uploaded files are deleted when their job ends";
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'import.created'"), 2);
    auto listed = jobs.List(TenantId(1));
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, second->job.id) << "newest first";
    EXPECT_TRUE(jobs.List(TenantId(2))->empty());
    EXPECT_EQ(jobs.List(TenantId(1), 0).status().field(), "limit");
}

TEST_P(ImportJobsTest, RejectedRowsAreStoredEncryptedAndDownloadedOnceAudited) {
    ImportJobs& jobs = Jobs();
    auto submitted = jobs.Submit(TenantId(1), {.filename = "jd.csv", .content = kJdExport}, actor_);
    ASSERT_TRUE(submitted.ok());
    ASSERT_EQ(Wait(submitted->job.id).status, ImportStatus::kSucceeded);

    // In the store the row is ciphertext only.
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT line, row_cipher FROM import_rejected_rows"));
                       EXPECT_EQ(rows.size(), 1u);
                       for (const auto& row : rows) {
                           EXPECT_EQ(row.Text(1).find("J102"), std::string::npos);
                           EXPECT_EQ(row.Text(1).find("李四"), std::string::npos);
                           auto plain = keys_.Decrypt(row.Text(1), "t1/import.rejected_row");
                           EXPECT_TRUE(plain.ok());
                           EXPECT_TRUE(plain->starts_with("J102,1003,茶叶")) << *plain;
                       }
                       return OkStatus();
                   })
                    .ok());

    auto csv = jobs.RejectedCsv(TenantId(1), submitted->job.id, actor_);
    ASSERT_TRUE(csv.ok()) << csv.status().ToString();
    EXPECT_TRUE(csv->starts_with("\xEF\xBB\xBF行号 line,原因 reason,订单号,商品ID,")) << *csv;
    EXPECT_NE(csv->find("\r\n5,\"订单金额: not an amount\",J102,1003,茶叶,1,2026-11-11 09:00:00,abc,"),
              std::string::npos)
        << *csv;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'data.exported' AND target_type = 'import'"), 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%J102%' OR detail LIKE '%李四%'"), 0);

    EXPECT_EQ(jobs.RejectedCsv(TenantId(2), submitted->job.id, actor_).status().code(), ErrorCode::kNotFound)
        << "another merchant's import";
    EXPECT_EQ(jobs.Get(TenantId(2), submitted->job.id).status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(jobs.RejectedCsv(TenantId(1), ImportId(99), actor_).status().code(), ErrorCode::kNotFound);
}

TEST_P(ImportJobsTest, TheSameIdempotencyKeyReturnsTheFirstJob) {
    ImportJobs& jobs = Jobs();
    auto first = jobs.Submit(TenantId(1), {.idempotency_key = "upload-7f3a", .content = kJdExport}, actor_);
    ASSERT_TRUE(first.ok());
    // The retry arrives as a spooled file, which is dropped.
    const std::string spooled = dir_.File("retry.part");
    std::ofstream(spooled) << kJdExport;
    auto retry =
        jobs.Submit(TenantId(1), {.idempotency_key = "upload-7f3a", .spooled_file = spooled, .content = ""}, actor_);
    ASSERT_TRUE(retry.ok()) << retry.status().ToString();
    EXPECT_TRUE(retry->replayed);
    EXPECT_EQ(retry->job.id, first->job.id);
    EXPECT_FALSE(fs::exists(spooled));
    // Keys are per merchant.
    auto other = jobs.Submit(TenantId(2), {.idempotency_key = "upload-7f3a", .content = kJdExport}, actor_);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other->replayed);
    jobs.WaitIdle();
    EXPECT_EQ(Count("SELECT COUNT(*) FROM import_jobs"), 2);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'import.created'"), 2);

    EXPECT_EQ(jobs.Submit(TenantId(1), {.idempotency_key = "has space", .content = "x"}, actor_).status().field(),
              "Idempotency-Key");
}

TEST_P(ImportJobsTest, BadRequestsAreRefusedBeforeAnythingIsStored) {
    ImportJobs unstarted(*db_, *importer_, keys_, clock_, {.spool_dir = spool_});
    EXPECT_EQ(unstarted.Submit(TenantId(1), {.content = kJdExport}, actor_).status().code(), ErrorCode::kUnavailable);

    ImportJobs& jobs = Jobs();
    EXPECT_EQ(jobs.Submit(TenantId(1), {.content = ""}, actor_).status().field(), "body");
    EXPECT_EQ(jobs.Submit(TenantId(1), {.platform = "mapped", .content = kJdExport}, actor_).status().field(),
              "mapping");
    EXPECT_EQ(
        jobs.Submit(TenantId(1), {.mapping = R"({"order_id":"单号"})", .content = kJdExport}, actor_).status().field(),
        "mapping");
    EXPECT_EQ(jobs.Submit(TenantId(1), {.platform = "mapped", .mapping = "[1]", .content = kJdExport}, actor_)
                  .status()
                  .field(),
              "mapping");
    EXPECT_EQ(jobs.Submit(TenantId(1), {.platform = "tmall", .content = kJdExport}, actor_).status().field(),
              "platform");
    EXPECT_EQ(jobs.Submit(TenantId(1), {.filename = "\xFF\xFE.csv", .content = kJdExport}, actor_).status().field(),
              "filename");
    EXPECT_EQ(Count("SELECT COUNT(*) FROM import_jobs"), 0);
    EXPECT_TRUE(SpoolFiles().empty());
}

TEST_P(ImportJobsTest, AnyCsvImportsWithAColumnMappingGivenAsJson) {
    ImportJobs& jobs = Jobs();
    auto submitted = jobs.Submit(TenantId(1),
                                 {.platform = "mapped",
                                  .mapping = R"({"order_id":"单号","created_at":"下单时间","total":"金额"})",
                                  .filename = "erp.csv",
                                  .content = "单号,下单时间,金额\nM1,2026-11-01 10:00:00,10.00\nM2,昨天,5.00\n"},
                                 actor_);
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
    const ImportJob job = Wait(submitted->job.id);
    EXPECT_EQ(job.status, ImportStatus::kSucceeded) << job.error.ToString();
    EXPECT_EQ(job.platform, "mapped");
    EXPECT_EQ(job.orders_created, 1);
    EXPECT_EQ(job.rows_rejected, 1);
    EXPECT_EQ(job.orders_unidentified, 1);
}

TEST_P(ImportJobsTest, AFileThatIsNoExportFailsTheJobWithTheReason) {
    ImportJobs& jobs = Jobs();
    auto submitted = jobs.Submit(TenantId(1), {.filename = "notes.csv", .content = "a,b,c\n1,2,3\n"}, actor_);
    ASSERT_TRUE(submitted.ok());
    const ImportJob job = Wait(submitted->job.id);
    EXPECT_EQ(job.status, ImportStatus::kFailed);
    EXPECT_EQ(job.error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(job.error.message().find("column mapping"), std::string::npos) << job.error.ToString();
    EXPECT_EQ(job.error.field(), "file");
    EXPECT_TRUE(SpoolFiles().empty());
    EXPECT_EQ(jobs.RejectedCsv(TenantId(1), job.id, actor_).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_P(ImportJobsTest, ARestartFailsTheJobsThisSpoolDirLeftBehind) {
    // What a crashed process leaves: a running and a queued job of this spool dir with their
    // files, and a job running on another node.
    fs::create_directories(spool_);
    std::ofstream(spool_ + "/node-id") << "node-a\n";
    std::ofstream(spool_ + "/import-x.upload") << kJdExport;
    std::ofstream(spool_ + "/upload-y.part") << kJdExport;
    ASSERT_TRUE(db_->Write([](store::Session& s) -> Status {
                       for (const auto& [id, status, node] :
                            {std::tuple{1, "running", "node-a"}, std::tuple{2, "queued", "node-a"},
                             std::tuple{3, "running", "node-b"}}) {
                           YT_TRY(s.Execute(
                               "INSERT INTO import_jobs (tenant_id, import_id, status, filename, platform, node, "
                               "actor_type, actor_id, created_at, bytes_read, bytes_total, detected_platform, "
                               "encoding, header_row, orders_read, orders_created, orders_updated, orders_unchanged, "
                               "customers_created, customers_matched, orders_unidentified, rows_rejected, "
                               "error_code, error_message, error_field) VALUES (1, $1, $2, 'x.csv', 'auto', $3, "
                               "'staff', 1, 0, 0, 10, '', '', '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', '')",
                               {id, status, node}));
                       }
                       return OkStatus();
                   })
                    .ok());
    ImportJobs& jobs = Jobs();
    const ImportJob running = *jobs.Get(TenantId(1), ImportId(1));
    EXPECT_EQ(running.status, ImportStatus::kFailed);
    EXPECT_EQ(running.error.code(), ErrorCode::kAborted);
    EXPECT_EQ(running.error.message(),
              "interrupted by a restart; import the file again — importing twice changes nothing");
    EXPECT_TRUE(running.finished_at.has_value());
    const ImportJob queued = *jobs.Get(TenantId(1), ImportId(2));
    EXPECT_EQ(queued.status, ImportStatus::kFailed);
    EXPECT_EQ(queued.error.message(), "not started before a restart; import the file again");
    EXPECT_EQ(jobs.Get(TenantId(1), ImportId(3))->status, ImportStatus::kRunning) << "another node's job";
    EXPECT_TRUE(SpoolFiles().empty()) << "files left by the crash are deleted";
}

// Several servers on one store: a server that stopped for good leaves jobs nobody will run; the
// others fail them once their heartbeat is older than abandoned_after (10 minutes).
TEST_P(ImportJobsTest, JobsOfAServerThatStoppedAreFailedByTheOthers) {
    fs::create_directories(spool_);
    std::ofstream(spool_ + "/node-id") << "node-a\n";
    ImportJobs& jobs = Jobs();
    const int64_t now = clock_.Now().micros();
    constexpr int64_t kMinute = 60'000'000;
    ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                       for (const auto& [id, status, node, heartbeat] :
                            {std::tuple{11, "running", "node-b", std::optional(now - 11 * kMinute)},
                             std::tuple{12, "queued", "node-b", std::optional(now - 11 * kMinute)},
                             std::tuple{13, "running", "node-c", std::optional(now - 1 * kMinute)},
                             std::tuple{14, "running", "node-d", std::optional<int64_t>()},
                             std::tuple{15, "running", "node-a", std::optional(now - 30 * kMinute)},
                             std::tuple{16, "succeeded", "node-b", std::optional(now - 60 * kMinute)}}) {
                           YT_TRY(s.Execute(
                               "INSERT INTO import_jobs (tenant_id, import_id, status, filename, platform, node, "
                               "actor_type, actor_id, created_at, bytes_read, bytes_total, detected_platform, "
                               "encoding, header_row, orders_read, orders_created, orders_updated, orders_unchanged, "
                               "customers_created, customers_matched, orders_unidentified, rows_rejected, "
                               "error_code, error_message, error_field, heartbeat_at) VALUES (1, $1, $2, 'x.csv', "
                               "'auto', $3, 'staff', 1, $4, 0, 10, '', '', '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', '', $5)",
                               {id, status, node, now - 120 * kMinute, heartbeat}));
                       }
                       return OkStatus();
                   })
                    .ok());
    auto failed = jobs.FailAbandoned();
    ASSERT_TRUE(failed.ok()) << failed.status().ToString();
    EXPECT_EQ(*failed, 3);
    for (int64_t id : {11, 12, 14}) {
        const ImportJob job = *jobs.Get(TenantId(1), ImportId(id));
        EXPECT_EQ(job.status, ImportStatus::kFailed) << id;
        EXPECT_EQ(job.error.message(),
                  "the server holding this import stopped and has not come back; import the file again — importing "
                  "twice changes nothing");
    }
    EXPECT_EQ(jobs.Get(TenantId(1), ImportId(13))->status, ImportStatus::kRunning) << "a recent heartbeat";
    EXPECT_EQ(jobs.Get(TenantId(1), ImportId(15))->status, ImportStatus::kRunning) << "this server's own job";
    EXPECT_EQ(jobs.Get(TenantId(1), ImportId(16))->status, ImportStatus::kSucceeded) << "finished jobs stay";
    EXPECT_EQ(Count("SELECT heartbeat_at FROM import_jobs WHERE import_id = 15"), now) << "its heartbeat, renewed";
    // Ten minutes on, node-c's job has not beaten either.
    clock_.Advance(std::chrono::minutes(10));
    EXPECT_EQ(*jobs.FailAbandoned(), 1);
    EXPECT_EQ(jobs.Get(TenantId(1), ImportId(13))->status, ImportStatus::kFailed);
    EXPECT_EQ(jobs.Get(TenantId(1), ImportId(15))->status, ImportStatus::kRunning);
}

TEST_P(ImportJobsTest, StoppingFailsTheRunningAndTheQueuedJobs) {
    BatchGate gate;
    ImportJobs& jobs = Jobs(&gate);
    auto running = jobs.Submit(TenantId(1), {.content = kJdExport}, actor_);
    ASSERT_TRUE(running.ok());
    gate.WaitEntered();
    auto queued = jobs.Submit(TenantId(1), {.content = kJdExport}, actor_);
    ASSERT_TRUE(queued.ok());
    std::thread stopper([&] { jobs.Stop(); });
    // Stop has begun once Submit answers unavailable (before looking at its input).
    while (jobs.Submit(TenantId(1), {}, actor_).status().code() != ErrorCode::kUnavailable) std::this_thread::yield();
    gate.Release();
    stopper.join();
    const ImportJob stopped = *jobs.Get(TenantId(1), running->job.id);
    EXPECT_EQ(stopped.status, ImportStatus::kFailed);
    EXPECT_EQ(stopped.error.message(),
              "stopped by a server shutdown; import the file again — importing twice changes nothing");
    EXPECT_EQ(stopped.orders_read, 1) << "what was committed is reported";
    const ImportJob never = *jobs.Get(TenantId(1), queued->job.id);
    EXPECT_EQ(never.status, ImportStatus::kFailed);
    EXPECT_EQ(never.error.message(), "the server shut down before this import started; import the file again");
    EXPECT_TRUE(SpoolFiles().empty());
}

TEST_P(ImportJobsTest, JobsAndTheirRejectedRowsAreDeletedAfterTheRetention) {
    ImportJobs& jobs = Jobs();
    auto submitted = jobs.Submit(TenantId(1), {.content = kJdExport}, actor_);
    ASSERT_TRUE(submitted.ok());
    Wait(submitted->job.id);
    clock_.Advance(std::chrono::hours(24 * 29));
    EXPECT_EQ(*jobs.PurgeExpired(), 0);
    clock_.Advance(std::chrono::hours(24 * 2));
    EXPECT_EQ(*jobs.PurgeExpired(), 1);
    EXPECT_EQ(jobs.Get(TenantId(1), submitted->job.id).status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM import_rejected_rows"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 3) << "the imported orders stay";
}

INSTANTIATE_TEST_SUITE_P(Backends, ImportJobsTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; });

}  // namespace
}  // namespace yutang::events
