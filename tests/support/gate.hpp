// A gate a background thread stops at until the test opens it, for tests that must catch a
// thread in the middle of its work:
//
//   testing::Gate gate;   // closed
//   settings.before_wal_sync = [&] { gate.Pass(); };
//   … gate.WaitForArrivals(1);  // the syncer is now held before its fsync
//   gate.Let(1);                 // lets that one through, the next waits again
//   gate.Open();                 // for good: later arrivals pass at once
#pragma once

#include <condition_variable>
#include <mutex>

namespace yutang::testing {

class Gate {
  public:
    // Counts the arrival, then waits until the gate is open or lets it through.
    void Pass() {
        std::unique_lock lock(mutex_);
        ++arrivals_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_ || passed_ < let_through_; });
        ++passed_;
    }
    // Lets the next `n` arrivals through, the gate staying closed.
    void Let(int n) {
        std::lock_guard lock(mutex_);
        let_through_ += n;
        changed_.notify_all();
    }
    void Open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    void WaitForArrivals(int n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return arrivals_ >= n; });
    }
    int arrivals() {
        std::lock_guard lock(mutex_);
        return arrivals_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int arrivals_ = 0;
    int passed_ = 0;
    int let_through_ = 0;
    bool open_ = false;
};

}  // namespace yutang::testing
