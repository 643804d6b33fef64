#include "domain/date.h"

#include <chrono>
#include <cstdio>

namespace creditshare::domain {

namespace {
std::chrono::year_month_day ToYmd(const Date& d) {
  return std::chrono::year{d.year} / std::chrono::month{static_cast<unsigned>(d.month)} /
         std::chrono::day{static_cast<unsigned>(d.day)};
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
}  // namespace

bool Date::IsValid() const {
  if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return false;
  return ToYmd(*this).ok();
}

std::string Date::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::optional<Date> Date::Parse(std::string_view text) {
  Date d;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    if (!AllDigits(text.substr(0, 4)) || !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2)))
      return std::nullopt;
    d = {ToInt(text.substr(0, 4)), ToInt(text.substr(5, 2)), ToInt(text.substr(8, 2))};
  } else if (text.size() == 8 && AllDigits(text)) {
    d = {ToInt(text.substr(0, 4)), ToInt(text.substr(4, 2)), ToInt(text.substr(6, 2))};
  } else {
    return std::nullopt;
  }
  if (!d.IsValid()) return std::nullopt;
  return d;
}

long Date::DaysSinceEpoch() const {
  return std::chrono::sys_days{ToYmd(*this)}.time_since_epoch().count();
}

Date Date::FromDaysSinceEpoch(long days) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

Date Date::AddYears(int years) const {
  Date d{year + years, month, day};
  if (!d.IsValid() && month == 2 && day == 29) d.day = 28;
  return d;
}

Date Date::AddMonthsToFirst(int months) const {
  const int index = year * 12 + (month - 1) + months;
  return {index / 12, index % 12 + 1, 1};
}

}  // namespace creditshare::domain
