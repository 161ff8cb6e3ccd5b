#include "yutang/app/scheduler.hpp"

#include "yutang/base/log.hpp"

namespace yutang::app {

Scheduler::~Scheduler() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Scheduler::Add(std::string name, std::function<Status()> task) {
    tasks_.push_back({std::move(name), std::move(task)});
}

void Scheduler::Start() {
    thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        for (const Task& task : tasks_) {
            const Status s = task.run();
            if (!s.ok()) spdlog::warn("{} failed: {}", task.name, s.ToString());
        }
        lock.lock();
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

}  // namespace yutang::app
