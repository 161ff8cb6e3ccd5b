#include "yutang/base/clock.hpp"

namespace yutang {

Timestamp SystemClock::Now() const {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return Timestamp::FromMicros(std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count());
}

SystemClock& SystemClock::Instance() {
    static SystemClock clock;
    return clock;
}

}  // namespace yutang
