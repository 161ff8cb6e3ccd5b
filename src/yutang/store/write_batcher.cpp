#include "yutang/store/write_batcher.hpp"

namespace yutang::store {

WriteBatcher::WriteBatcher(Database& db, WriteBatcherSettings settings)
    : db_(db), settings_(settings), thread_([this] { Loop(); }) {}

WriteBatcher::~WriteBatcher() { Stop(); }

void WriteBatcher::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::future<Status> WriteBatcher::SubmitAsync(Work work) {
    std::promise<Status> promise;
    std::future<Status> future = promise.get_future();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            promise.set_value(Unavailable("the writer is shutting down"));
            return future;
        }
        queue_.push_back(Item{std::move(work), std::move(promise)});
    }
    wake_.notify_one();
    return future;
}

Status WriteBatcher::Submit(Work work) { return SubmitAsync(std::move(work)).get(); }

uint64_t WriteBatcher::committed_groups() const {
    std::lock_guard lock(mutex_);
    return committed_groups_;
}

uint64_t WriteBatcher::committed_items() const {
    std::lock_guard lock(mutex_);
    return committed_items_;
}

void WriteBatcher::Loop() {
    std::vector<Item> group;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            // Optionally wait for company; by default the group is whatever queued up while
            // the previous commit was running.
            if (settings_.max_delay.count() > 0 && queue_.size() < settings_.max_batch && !stopping_) {
                wake_.wait_for(lock, settings_.max_delay,
                               [&] { return stopping_ || queue_.size() >= settings_.max_batch; });
            }
            while (!queue_.empty() && group.size() < settings_.max_batch) {
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        CommitGroup(group);
        group.clear();
    }
}

void WriteBatcher::CommitGroup(std::vector<Item>& group) {
    std::vector<Status> results(group.size());
    const Status commit = db_.Write([&](Session& s) -> Status {
        for (size_t i = 0; i < group.size(); ++i) {
            YT_TRY(s.Execute("SAVEPOINT yt_item"));
            Status item;
            try {
                item = group[i].work(s);
            } catch (const std::exception& e) {
                item = Internal(std::string("exception in write: ") + e.what());
            }
            if (item.ok()) {
                YT_TRY(s.Execute("RELEASE SAVEPOINT yt_item"));
            } else {
                YT_TRY(s.Execute("ROLLBACK TO SAVEPOINT yt_item"));
                YT_TRY(s.Execute("RELEASE SAVEPOINT yt_item"));
            }
            results[i] = std::move(item);
        }
        return OkStatus();
    });
    {
        std::lock_guard lock(mutex_);
        if (commit.ok()) {
            ++committed_groups_;
            committed_items_ += group.size();
        }
    }
    for (size_t i = 0; i < group.size(); ++i) {
        group[i].done.set_value(commit.ok() ? std::move(results[i]) : commit);
    }
}

}  // namespace yutang::store
