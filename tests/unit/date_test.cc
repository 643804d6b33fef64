#include "domain/date.h"

#include <gtest/gtest.h>

#include "domain/clock.h"

namespace creditshare::domain {
namespace {

TEST(DateTest, ParsesBothFormsAndRejectsImpossibleDates) {
  EXPECT_EQ(Date::Parse("2024-02-29"), (Date{2024, 2, 29}));
  EXPECT_EQ(Date::Parse("20240229"), (Date{2024, 2, 29}));
  EXPECT_FALSE(Date::Parse("2023-02-29"));
  EXPECT_FALSE(Date::Parse("2023-13-01"));
  EXPECT_FALSE(Date::Parse("2023-1-01"));
  EXPECT_FALSE(Date::Parse("1899-12-31"));
  EXPECT_FALSE(Date::Parse(""));
}

TEST(DateTest, RoundTripsThroughDaysSinceEpoch) {
  const Date d{2026, 11, 23};
  EXPECT_EQ(Date::FromDaysSinceEpoch(d.DaysSinceEpoch()), d);
  EXPECT_EQ((Date{1970, 1, 1}).DaysSinceEpoch(), 0);
  EXPECT_EQ(d.ToString(), "2026-11-23");
}

TEST(DateTest, DefaultDateIsInvalid) { EXPECT_FALSE(Date{}.IsValid()); }

class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : t_(t) {}
  std::chrono::system_clock::time_point Now() const override { return t_; }

 private:
  std::chrono::system_clock::time_point t_;
};

TEST(ClockTest, TodayFollowsChinaStandardTime) {
  // 2026-11-23 17:00 UTC is already 2026-11-24 01:00 in Beijing.
  const auto t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours(17);
  EXPECT_EQ(FixedClock(t).Today(), (Date{2026, 11, 24}));
  EXPECT_EQ(FixedClock(t - std::chrono::hours(2)).Today(), (Date{2026, 11, 23}));
}

}  // namespace
}  // namespace creditshare::domain
