#include "domain/repayment.h"

#include <algorithm>
#include <map>

namespace creditshare::domain {

char MonthlyStatusCode(const LineReport& r) {
  if (r.status == LineStatus::kClosed) {
    switch (r.settlement_type) {
      case SettlementType::kByGuarantor: return 'D';
      case SettlementType::kAssetDisposal: return 'Z';
      case SettlementType::kOther: return 'G';
      case SettlementType::kPaidAsAgreed:
      case SettlementType::kUnspecified: return 'C';
    }
  }
  if (r.days_past_due > 0) return static_cast<char>('0' + DelinquencyBucket(r.days_past_due));
  if (r.status == LineStatus::kChargedOff) return 'G';
  if (r.outstanding_balance_minor == 0 && r.scheduled_payment_minor == 0) return '*';
  return 'N';
}

std::string HistoryString(std::vector<MonthStatus> months) {
  if (months.empty()) return "";
  std::map<std::pair<int, int>, char> by_month;
  for (const auto& m : months) by_month[{m.month.year, m.month.month}] = m.code;
  const auto [last_y, last_m] = by_month.rbegin()->first;
  const Date last{last_y, last_m, 1};
  const auto [first_y, first_m] = by_month.begin()->first;
  const int span = std::min(last.MonthsSince(Date{first_y, first_m, 1}) + 1, kHistoryMonths);
  std::string out;
  out.reserve(static_cast<size_t>(span));
  for (int i = span - 1; i >= 0; --i) {
    const Date d = last.AddMonthsToFirst(-i);
    auto it = by_month.find({d.year, d.month});
    out.push_back(it == by_month.end() ? '#' : it->second);
  }
  return out;
}

int StatusSeverity(char code) {
  if (code >= '1' && code <= '7') return code - '0';
  if (code == 'D' || code == 'Z') return 8;
  if (code == 'G') return 9;
  return 0;
}

char WorstStatus(const std::vector<MonthStatus>& history, const Date& today, int months) {
  const Date earliest = today.AddMonthsToFirst(-(months - 1));
  const Date latest = today.FirstOfMonth();
  char worst = '\0';
  int worst_rank = -1;
  for (const auto& m : history) {
    if (m.month < earliest || m.month > latest) continue;
    const int rank = StatusSeverity(m.code);
    if (rank > worst_rank) {
      worst_rank = rank;
      worst = rank == 0 ? 'N' : m.code;
    }
  }
  return worst;
}

}  // namespace creditshare::domain
