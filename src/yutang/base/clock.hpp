// Time: UTC microseconds since the Unix epoch, and an injectable Clock.
//
// Storage always holds UTC microseconds (int64). Calendars, quiet hours and report days use
// the tenant's time zone (see time_zone.hpp). Code that needs "now" takes a Clock& so that
// tests can drive time by hand:
//
//   ManualClock clock(Timestamp::FromMicros(0));
//   service.Tick();                       // sees t = 0
//   clock.Advance(std::chrono::hours(24));
//   service.Tick();                       // sees one day later
#pragma once

#include <atomic>
#include <chrono>
#include <compare>
#include <cstdint>

namespace yutang {

class Timestamp {
  public:
    constexpr Timestamp() = default;
    static constexpr Timestamp FromMicros(int64_t micros) { return Timestamp(micros); }
    static constexpr Timestamp FromSeconds(int64_t seconds) { return Timestamp(seconds * 1'000'000); }
    constexpr int64_t micros() const { return micros_; }
    constexpr int64_t seconds() const { return micros_ / 1'000'000; }
    constexpr auto operator<=>(const Timestamp&) const = default;

    constexpr Timestamp operator+(std::chrono::microseconds d) const { return Timestamp(micros_ + d.count()); }
    constexpr Timestamp operator-(std::chrono::microseconds d) const { return Timestamp(micros_ - d.count()); }
    constexpr std::chrono::microseconds operator-(Timestamp other) const {
        return std::chrono::microseconds(micros_ - other.micros_);
    }

  private:
    constexpr explicit Timestamp(int64_t micros) : micros_(micros) {}
    int64_t micros_ = 0;
};

// Thread-safe source of the current time.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual Timestamp Now() const = 0;
};

// The wall clock (system_clock).
class SystemClock final : public Clock {
  public:
    Timestamp Now() const override;
    // A process-wide instance.
    static SystemClock& Instance();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(Timestamp start = Timestamp::FromMicros(0)) : now_(start.micros()) {}
    Timestamp Now() const override { return Timestamp::FromMicros(now_.load(std::memory_order_acquire)); }
    void Set(Timestamp t) { now_.store(t.micros(), std::memory_order_release); }
    void Advance(std::chrono::microseconds d) { now_.fetch_add(d.count(), std::memory_order_acq_rel); }

  private:
    std::atomic<int64_t> now_;
};

}  // namespace yutang
