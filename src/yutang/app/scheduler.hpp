// Periodic background work of a running server: one thread that runs its tasks every
// `interval`, first right after start, and stops promptly when destroyed.
//
//   Scheduler scheduler(std::chrono::minutes(1));
//   scheduler.Add("trait refresh", [&] { return refresher.RefreshDue().status(); });
//   scheduler.Start();   // … until the scheduler is destroyed
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "yutang/base/status.hpp"

namespace yutang::app {

class Scheduler {
  public:
    explicit Scheduler(std::chrono::milliseconds interval) : interval_(interval) {}
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Before Start only. A failing task is logged and run again at the next tick.
    void Add(std::string name, std::function<Status()> task);
    void Start();

  private:
    struct Task {
        std::string name;
        std::function<Status()> run;
    };
    void Loop();

    std::chrono::milliseconds interval_;
    std::vector<Task> tasks_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace yutang::app
