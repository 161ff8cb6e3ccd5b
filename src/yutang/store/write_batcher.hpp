// Group commit: many small writes share one transaction and one fsync.
//
// A durable commit waits for an fsync. A writer that commits items one by one is bound by
// fsync latency (a few hundred to a few thousand commits per second);
// WriteBatcher commits at once when it is idle, and the items that arrive while a commit is in
// progress (up to max_batch) form the next group, so a lone writer pays no extra latency and
// many writers share each fsync. A non-zero max_delay makes each group wait that long for
// company first; bench/store_write_benchmark.cpp shows that this only costs on this kind of
// disk, so it is off by default. Each
// item runs inside its own SAVEPOINT, so an item that fails is rolled back alone and the
// others still commit. Submit returns only once the group is durable: an OK means the item
// survives kill -9 and power loss. The next group runs while the disk makes the last one
// durable (Database::WriteThen).
//
//   WriteBatcher batcher(db, {.max_batch = 256});
//   Status s = batcher.Submit([&](Session& session) {
//       return session.Execute("INSERT INTO events …", {…}).status();
//   });
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "yutang/store/database.hpp"

namespace yutang::store {

struct WriteBatcherSettings {
    size_t max_batch = 256;
    std::chrono::microseconds max_delay{0};
};

class WriteBatcher {
  public:
    WriteBatcher(Database& db, WriteBatcherSettings settings = {});
    // Drains: items already submitted are committed before the destructor returns.
    ~WriteBatcher();
    WriteBatcher(const WriteBatcher&) = delete;
    WriteBatcher& operator=(const WriteBatcher&) = delete;

    Dialect dialect() const { return db_.dialect(); }

    // Runs `work` in the next group transaction and blocks until that group is durable.
    // Returns work's own error (its changes rolled back, the group unaffected), the commit's
    // error for every item of a group whose commit failed, or unavailable after Stop().
    // Thread-safe.
    Status Submit(Work work);
    // As Submit, without blocking the caller.
    std::future<Status> SubmitAsync(Work work);
    // As Submit, without blocking the caller: `done` gets what Submit would return, once the
    // group is durable, on the thread that learns it (keep it short: it holds up the answers of
    // the items after it). After Stop(), `done` is called at once, on the caller's thread.
    void SubmitThen(Work work, std::function<void(Status)> done);

    // Stops accepting items and waits until the pending ones are durable. Idempotent.
    void Stop();

    // Counters for metrics and tests.
    uint64_t committed_groups() const;
    uint64_t committed_items() const;

  private:
    struct Item {
        Work work;
        std::function<void(Status)> done;
    };
    void Loop();
    void CommitGroup(std::vector<Item>& group);

    Database& db_;
    WriteBatcherSettings settings_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    size_t in_flight_ = 0;  // groups committed, not yet durable
    std::condition_variable drained_;
    uint64_t committed_groups_ = 0;
    uint64_t committed_items_ = 0;
    std::thread thread_;
};

}  // namespace yutang::store
