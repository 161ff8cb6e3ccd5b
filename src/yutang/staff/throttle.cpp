#include "yutang/staff/throttle.hpp"

#include <algorithm>

namespace yutang::staff {

LoginThrottle::LoginThrottle(const Clock& clock, ThrottleSettings settings) : clock_(clock), settings_(settings) {}

void LoginThrottle::Prune(Entry& entry, Timestamp now) const {
    while (!entry.failures.empty() && now - entry.failures.front() >= settings_.window) entry.failures.pop_front();
}

bool LoginThrottle::Allowed(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return true;
    return clock_.Now() >= it->second.locked_until;
}

void LoginThrottle::RecordFailure(const std::string& key) {
    std::lock_guard lock(mutex_);
    const Timestamp now = clock_.Now();
    if (!entries_.count(key)) EvictIfFull();
    Entry& entry = entries_[key];
    entry.last_touched = now;
    Prune(entry, now);
    entry.failures.push_back(now);
    if (static_cast<int>(entry.failures.size()) >= settings_.max_failures) {
        entry.locked_until = now + settings_.lockout;
        entry.failures.clear();
    }
}

void LoginThrottle::RecordSuccess(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
}

void LoginThrottle::EvictIfFull() {
    if (entries_.size() < settings_.max_keys) return;
    // Forget the key touched longest ago; locked keys are kept unless everything is locked.
    auto oldest = entries_.end();
    const Timestamp now = clock_.Now();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.locked_until > now) continue;
        if (oldest == entries_.end() || it->second.last_touched < oldest->second.last_touched) oldest = it;
    }
    if (oldest == entries_.end()) oldest = entries_.begin();
    entries_.erase(oldest);
}

}  // namespace yutang::staff
