#include "domain/repayment.h"

#include <gtest/gtest.h>

namespace creditshare::domain {
namespace {

LineReport Report(int dpd, LineStatus status = LineStatus::kOpen, std::int64_t balance = 100, std::int64_t due = 10) {
  LineReport r;
  r.days_past_due = dpd;
  r.status = status;
  r.outstanding_balance_minor = balance;
  r.scheduled_payment_minor = due;
  return r;
}

TEST(MonthlyStatusCodeTest, BucketsDaysPastDueIntoThirtyDaySteps) {
  EXPECT_EQ(MonthlyStatusCode(Report(0)), 'N');
  EXPECT_EQ(MonthlyStatusCode(Report(1)), '1');
  EXPECT_EQ(MonthlyStatusCode(Report(30)), '1');
  EXPECT_EQ(MonthlyStatusCode(Report(31)), '2');
  EXPECT_EQ(MonthlyStatusCode(Report(90)), '3');
  EXPECT_EQ(MonthlyStatusCode(Report(91)), '4');
  EXPECT_EQ(MonthlyStatusCode(Report(150)), '5');
  EXPECT_EQ(MonthlyStatusCode(Report(180)), '6');
  EXPECT_EQ(MonthlyStatusCode(Report(181)), '7');
  EXPECT_EQ(MonthlyStatusCode(Report(900)), '7');
}

TEST(MonthlyStatusCodeTest, ClosedLinesShowHowTheyEnded) {
  auto r = Report(0, LineStatus::kClosed, 0, 0);
  EXPECT_EQ(MonthlyStatusCode(r), 'C');
  r.settlement_type = SettlementType::kByGuarantor;
  EXPECT_EQ(MonthlyStatusCode(r), 'D');
  r.settlement_type = SettlementType::kAssetDisposal;
  EXPECT_EQ(MonthlyStatusCode(r), 'Z');
  r.settlement_type = SettlementType::kOther;
  EXPECT_EQ(MonthlyStatusCode(r), 'G');
  EXPECT_EQ(MonthlyStatusCode(Report(0, LineStatus::kChargedOff)), 'G');
  EXPECT_EQ(MonthlyStatusCode(Report(0, LineStatus::kOpen, 0, 0)), '*');
}

TEST(HistoryStringTest, FillsGapsWithHashAndKeepsNewestLast) {
  const std::vector<MonthStatus> months = {{{2026, 10, 1}, '2'}, {{2026, 7, 1}, 'N'}, {{2026, 9, 1}, '1'}};
  EXPECT_EQ(HistoryString(months), "N#12");
  EXPECT_EQ(HistoryString({}), "");
}

TEST(HistoryStringTest, CoversAtMostSixtyMonths) {
  std::vector<MonthStatus> months;
  for (int i = 0; i < 70; ++i) months.push_back({Date{2020, 1, 1}.AddMonthsToFirst(i), i < 10 ? '7' : 'N'});
  const auto s = HistoryString(months);
  EXPECT_EQ(s.size(), 60u);
  EXPECT_EQ(s, std::string(60, 'N'));
}

TEST(WorstStatusTest, LooksOnlyAtTheWindowAndRanksGAboveSeven) {
  const Date today{2026, 11, 23};
  const std::vector<MonthStatus> months = {{{2024, 12, 1}, '5'}, {{2025, 11, 1}, '3'}, {{2025, 12, 1}, '1'},
                                           {{2026, 10, 1}, 'N'}};
  EXPECT_EQ(WorstStatus(months, today, 12), '1');  // Dec 2025 .. Nov 2026
  EXPECT_EQ(WorstStatus(months, today, 24), '5');
  EXPECT_EQ(WorstStatus({{{2026, 1, 1}, '7'}, {{2026, 2, 1}, 'G'}}, today, 12), 'G');
  EXPECT_EQ(WorstStatus({{{2026, 1, 1}, 'C'}}, today, 12), 'N');
  EXPECT_EQ(WorstStatus({}, today, 12), '\0');
}

}  // namespace
}  // namespace creditshare::domain
