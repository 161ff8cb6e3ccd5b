// Login throttling: too many failed logins lock an account (and a client address) for a while.
//
// Counts failures per key ("acct:<blind index>", "addr:<ip>") in a sliding window. Once a key
// reaches its limit, every attempt is refused until the lock-out ends — the right password
// too, so that the lock cannot be used as an oracle. A refused attempt has no side effect: no
// password check, no session, no count. Success clears an account's failures.
// The state is per process; with several nodes each keeps its own (see docs/security.md).
//
//   LoginThrottle throttle(clock, {});
//   if (!throttle.Allowed("acct:" + key)) return ResourceExhausted("too many failed logins");
//   … on failure: throttle.RecordFailure(key); on success: throttle.RecordSuccess(key);
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "yutang/base/clock.hpp"

namespace yutang::staff {

struct ThrottleSettings {
    int max_failures = 20;  // failures within `window` that lock
    std::chrono::seconds window{std::chrono::minutes(15)};
    std::chrono::seconds lockout{std::chrono::minutes(15)};
    size_t max_keys = 100'000;  // memory bound: the oldest keys are forgotten first
};

// Thread-safe.
class LoginThrottle {
  public:
    LoginThrottle(const Clock& clock, ThrottleSettings settings);

    // False while `key` is locked out.
    bool Allowed(const std::string& key);
    void RecordFailure(const std::string& key);
    void RecordSuccess(const std::string& key);
    const ThrottleSettings& settings() const { return settings_; }

  private:
    struct Entry {
        std::deque<Timestamp> failures;
        Timestamp locked_until;
        Timestamp last_touched;
    };
    void Prune(Entry& entry, Timestamp now) const;
    void EvictIfFull();

    const Clock& clock_;
    ThrottleSettings settings_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace yutang::staff
