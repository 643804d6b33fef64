#pragma once

#include <string>
#include <vector>

#include "domain/credit_line.h"
#include "domain/date.h"

namespace creditshare::domain {

// Months of history a line's repayment string covers (second-generation PBOC report).
inline constexpr int kHistoryMonths = 60;

// The monthly repayment status code a report implies:
//   closed: C (paid as agreed), D (by guarantor), Z (asset disposal), G (ended otherwise);
//   past due: 1..7 for 1-30, 31-60, 61-90, 91-120, 121-150, 151-180, over 180 days;
//   charged off and not past due: G; nothing owed or due: *; otherwise N.
char MonthlyStatusCode(const LineReport& report);

// The 30-day bucket of days past due: 0 when current, 1..7 for 1-30, 31-60, ..., over 180 days
// (the digit of the monthly code).
inline int DelinquencyBucket(int days_past_due) {
  if (days_past_due <= 0) return 0;
  return days_past_due > 180 ? 7 : 1 + (days_past_due - 1) / 30;
}

struct MonthStatus {
  Date month;  // first day of the month
  char code = '#';
};

// Codes oldest first, newest last, from the first reported month (at most kHistoryMonths back
// from the last) to the last; months without a report are '#'.
std::string HistoryString(std::vector<MonthStatus> months);

// Severity for "worst status": N, C, *, # rank 0; 1..7 rank 1..7; D and Z 8; G 9.
int StatusSeverity(char code);
// Codes that are negative information: 1..7, D, Z, G.
inline bool IsNegativeCode(char code) { return StatusSeverity(code) > 0; }

// The worst code among months within the `months` calendar months ending with today's month;
// '\0' when there are none.
char WorstStatus(const std::vector<MonthStatus>& history, const Date& today, int months);

}  // namespace creditshare::domain
