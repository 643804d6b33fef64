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
};

}  // namespace creditshare::domain
