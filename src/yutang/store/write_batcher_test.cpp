#include "yutang/store/write_batcher.hpp"

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "yutang/store/sqlite/sqlite_database.hpp"

#include "tests/support/gate.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::store {
namespace {

class WriteBatcherTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = OpenSqlite({.path = dir_.File("w.db")});
        ASSERT_TRUE(db.ok());
        db_ = std::move(*db);
        ASSERT_TRUE(db_->Write([](Session& s) {
                           return s.ExecuteScript(
                               "CREATE TABLE items (tenant_id BIGINT NOT NULL, id BIGINT NOT NULL, "
                               "PRIMARY KEY (tenant_id, id))");
                       })
                        .ok());
    }
    int64_t Count() {
        int64_t n = -1;
        EXPECT_TRUE(db_->Read([&](Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM items"));
                           n = row->Int(0);
                           return OkStatus();
                       })
                        .ok());
        return n;
    }
    testing::TempDir dir_;
    std::unique_ptr<Database> db_;
};

Work Insert(int64_t id) {
    return [id](Session& s) { return s.Execute("INSERT INTO items (tenant_id, id) VALUES (1, $1)", {id}).status(); };
}

TEST_F(WriteBatcherTest, AcknowledgedItemsAreCommittedAndGrouped) {
    WriteBatcher batcher(*db_, {.max_batch = 64, .max_delay = std::chrono::milliseconds(5)});
    constexpr int kThreads = 8, kPerThread = 50;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                if (batcher.Submit(Insert(t * 1000 + i)).ok()) ok.fetch_add(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), kThreads * kPerThread);
    EXPECT_EQ(Count(), kThreads * kPerThread);
    EXPECT_EQ(batcher.committed_items(), static_cast<uint64_t>(kThreads * kPerThread));
    // Eight concurrent writers share commits.
    EXPECT_LT(batcher.committed_groups(), batcher.committed_items());
}

TEST_F(WriteBatcherTest, AFailingItemIsRolledBackAloneWithItsOwnError) {
    WriteBatcher batcher(*db_, {.max_batch = 16, .max_delay = std::chrono::milliseconds(50)});
    auto first = batcher.SubmitAsync(Insert(1));
    auto duplicate = batcher.SubmitAsync([](Session& s) -> Status {
        YT_TRY(s.Execute("INSERT INTO items (tenant_id, id) VALUES (1, 2)"));
        return s.Execute("INSERT INTO items (tenant_id, id) VALUES (1, 1)").status();  // duplicate key
    });
    auto third = batcher.SubmitAsync(Insert(3));
    EXPECT_TRUE(first.get().ok());
    EXPECT_EQ(duplicate.get().code(), ErrorCode::kAlreadyExists);
    EXPECT_TRUE(third.get().ok());
    EXPECT_EQ(Count(), 2);  // 1 and 3; the failed item's id 2 was rolled back with it
}

TEST_F(WriteBatcherTest, StopDrainsAndThenRefuses) {
    WriteBatcher batcher(*db_, {.max_batch = 4, .max_delay = std::chrono::milliseconds(20)});
    std::vector<std::future<Status>> pending;
    for (int i = 0; i < 10; ++i) pending.push_back(batcher.SubmitAsync(Insert(i)));
    batcher.Stop();
    for (auto& f : pending) EXPECT_TRUE(f.get().ok());
    EXPECT_EQ(Count(), 10);
    EXPECT_EQ(batcher.Submit(Insert(99)).code(), ErrorCode::kUnavailable);
}

TEST_F(WriteBatcherTest, SubmitThenAnswersOnceDurableWithoutBlockingTheCaller) {
    WriteBatcher batcher(*db_);
    std::promise<Status> ok, failed;
    batcher.SubmitThen(Insert(1), [&](Status s) { ok.set_value(std::move(s)); });
    batcher.SubmitThen(Insert(1), [&](Status s) { failed.set_value(std::move(s)); });  // the same key
    EXPECT_TRUE(ok.get_future().get().ok());
    EXPECT_EQ(failed.get_future().get().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(Count(), 1);
    batcher.Stop();
    // Refused at once, on the caller's thread.
    const std::thread::id caller = std::this_thread::get_id();
    bool answered = false;
    batcher.SubmitThen(Insert(2), [&](Status s) {
        EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
        EXPECT_EQ(std::this_thread::get_id(), caller);
        answered = true;
    });
    EXPECT_TRUE(answered);
}

TEST_F(WriteBatcherTest, AnExceptionInWorkFailsOnlyThatItem) {
    WriteBatcher batcher(*db_);
    EXPECT_EQ(batcher.Submit([](Session&) -> Status { throw std::runtime_error("boom"); }).code(),
              ErrorCode::kInternal);
    EXPECT_TRUE(batcher.Submit(Insert(5)).ok());
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriteBatcherTest, TheNextGroupRunsWhileTheLastIsMadeDurable) {
    db_.reset();
    testing::Gate gate;  // holds every fsync of the WAL until opened; outlives the store
    auto db = OpenSqlite({.path = dir_.File("w.db"), .before_wal_sync = [&] { gate.Pass(); }});
    ASSERT_TRUE(db.ok());
    WriteBatcher batcher(**db);
    auto first = batcher.SubmitAsync(Insert(1));
    gate.WaitForArrivals(1);  // the first group is committed, its fsync held
    std::atomic<bool> second_ran{false};
    auto second = batcher.SubmitAsync([&](Session& s) {
        second_ran = true;
        return Insert(2)(s);
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!second_ran && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(second_ran);
    // Neither is answered before its fsync.
    EXPECT_EQ(first.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    EXPECT_EQ(second.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    gate.Open();
    EXPECT_TRUE(first.get().ok());
    EXPECT_TRUE(second.get().ok());
    EXPECT_EQ(batcher.committed_groups(), 2u);
}

TEST_F(WriteBatcherTest, StoppingWaitsForTheGroupBeingMadeDurable) {
    db_.reset();
    testing::Gate gate;
    auto db = OpenSqlite({.path = dir_.File("w.db"), .before_wal_sync = [&] { gate.Pass(); }});
    ASSERT_TRUE(db.ok());
    std::future<Status> pending;
    std::thread opener;
    {
        WriteBatcher batcher(**db);
        pending = batcher.SubmitAsync(Insert(1));
        gate.WaitForArrivals(1);
        opener = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            gate.Open();
        });
        batcher.Stop();  // returns only once the held group is answered
        EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(0)), std::future_status::ready);
        EXPECT_EQ(batcher.committed_items(), 1u);
    }  // destroyed with nothing in flight (ASan would see a callback touching it afterwards)
    opener.join();
    EXPECT_TRUE(pending.get().ok());
}

}  // namespace
}  // namespace yutang::store
