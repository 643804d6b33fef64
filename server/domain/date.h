#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace creditshare::domain {

// A civil date with no time zone; ordering is chronological.
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;

  auto operator<=>(const Date&) const = default;

  // True for a real calendar date between 1900-01-01 and 9999-12-31.
  bool IsValid() const;
  // "YYYY-MM-DD".
  std::string ToString() const;
  // Parses "YYYY-MM-DD" (or "YYYYMMDD"); nullopt when malformed or not a real date.
  static std::optional<Date> Parse(std::string_view text);
  // Days since 1970-01-01 (negative before); valid dates only.
  long DaysSinceEpoch() const;
  static Date FromDaysSinceEpoch(long days);

  Date AddDays(long days) const { return FromDaysSinceEpoch(DaysSinceEpoch() + days); }
  // Same day `years` later; 29 February becomes 28 February in a common year.
  Date AddYears(int years) const;
  Date FirstOfMonth() const { return {year, month, 1}; }
  // Whole months from `earlier`'s month to this date's month (0 in the same month).
  int MonthsSince(const Date& earlier) const { return (year - earlier.year) * 12 + (month - earlier.month); }
  // The first day of the month `months` after this date's month (negative goes back).
  Date AddMonthsToFirst(int months) const;
};

}  // namespace creditshare::domain
