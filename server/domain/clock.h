#pragma once

#include <chrono>
#include <cstdint>

#include "domain/date.h"

namespace creditshare::domain {

// Timestamps are microseconds since the Unix epoch (Clock::NowMicros).
inline constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

// Business dates follow China Standard Time (UTC+8, no daylight saving), the jurisdiction
// whose rules the service implements.
inline constexpr std::int64_t kChinaOffsetMicros = 8LL * 3600 * 1'000'000;
inline Date BusinessDate(std::int64_t micros_since_epoch) {
  const std::int64_t local = micros_since_epoch + kChinaOffsetMicros;
  return Date::FromDaysSinceEpoch(local >= 0 ? local / kMicrosPerDay : (local - kMicrosPerDay + 1) / kMicrosPerDay);
}

// The first microsecond of a business date.
inline std::int64_t StartOfBusinessDay(const Date& d) { return d.DaysSinceEpoch() * kMicrosPerDay - kChinaOffsetMicros; }

// Source of "now", injectable so tests can move time (retention, deadlines, date checks).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;

  std::int64_t NowMicros() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Now().time_since_epoch()).count();
  }

  Date Today() const { return BusinessDate(NowMicros()); }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace creditshare::domain
