#include "yutang/store/write_batcher.hpp"

#include <memory>

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
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [&] { return in_flight_ == 0; });
}

std::future<Status> WriteBatcher::SubmitAsync(Work work) {
    auto promise = std::make_shared<std::promise<Status>>();
    std::future<Status> future = promise->get_future();
    SubmitThen(std::move(work), [promise](Status status) { promise->set_value(std::move(status)); });
    return future;
}

void WriteBatcher::SubmitThen(Work work, std::function<void(Status)> done) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(Item{std::move(work), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    done(Unavailable("the writer is shutting down"));
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
    // Shared with the callback that answers the items once the group is durable, while this
    // thread goes on with the next group.
    struct Answers {
        std::vector<Status> results;
        std::vector<std::function<void(Status)>> done;
    };
    auto answers = std::make_shared<Answers>();
    answers->results.resize(group.size());
    answers->done.reserve(group.size());
    for (Item& item : group) answers->done.push_back(std::move(item.done));
    {
        std::lock_guard lock(mutex_);
        ++in_flight_;
    }
    db_.WriteThen(
        [&](Session& s) -> Status {
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
                answers->results[i] = std::move(item);
            }
            return OkStatus();
        },
        [this, answers](const Status& commit) {
            if (commit.ok()) {
                std::lock_guard lock(mutex_);
                ++committed_groups_;
                committed_items_ += answers->done.size();
            }
            for (size_t i = 0; i < answers->done.size(); ++i) {
                answers->done[i](commit.ok() ? std::move(answers->results[i]) : commit);
            }
            // Notified under the lock: once Stop sees no group in flight it may destroy this.
            std::lock_guard lock(mutex_);
            --in_flight_;
            drained_.notify_all();
        });
}

}  // namespace yutang::store
