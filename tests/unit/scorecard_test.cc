#include "domain/scorecard.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include "domain/clock.h"

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};

ReceiptCount Accepted(Date day, int lag, std::int64_t n, QualityRuleSet warnings = 0) {
  return {day, {ReceiptOutcome::kAccepted, "", warnings, lag}, n};
}
ReceiptCount Refused(Date day, const std::string& reason, std::int64_t n) {
  return {day, {ReceiptOutcome::kRefused, reason, 0, -1}, n};
}
std::int64_t At(const Date& d, int hour) { return StartOfBusinessDay(d) + hour * 3'600'000'000LL; }

TEST(ScorecardTest, ReceiptsOfARecord) {
  LineReport r;
  r.as_of_date = {2026, 11, 13};
  ReportResult result;
  result.warnings = {{QualityRule::kStaleAsOf, "line.as_of_date"}, {QualityRule::kDaysPastDueJump, "x"}};
  const auto a = ReceiptFor(r, &result, nullptr, false, kToday);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->outcome, ReceiptOutcome::kAccepted);
  EXPECT_EQ(a->lag_days, 10);
  EXPECT_EQ(a->warnings, RuleBit(QualityRule::kStaleAsOf) | RuleBit(QualityRule::kDaysPastDueJump));
  EXPECT_FALSE(ReceiptFor(r, &result, nullptr, /*replayed=*/true, kToday)) << "a replay was counted already";

  const Error unavailable{ErrorCode::kUnavailable, "", "database down"};
  EXPECT_FALSE(ReceiptFor(r, nullptr, &unavailable, false, kToday)) << "says nothing about the feed";
  const auto bad = Error::InvalidArgument("records[3].line.credit_limit_minor", "must not be negative");
  const auto refused = ReceiptFor(r, nullptr, &bad, false, kToday);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->outcome, ReceiptOutcome::kRefused);
  EXPECT_EQ(refused->reason, "credit_limit_minor");
  EXPECT_EQ(refused->lag_days, -1);
  Error quality = Error::InvalidArgument("line.as_of_date", "too old");
  quality.reason = "quality:stale_as_of";
  EXPECT_EQ(RefusalReason(quality), "quality:stale_as_of");
  EXPECT_EQ(RefusalReason(Error::InvalidArgument("request_id", "is required")), "request_id");
  EXPECT_EQ(RefusalReason(Error::InvalidArgument("", "malformed")), "request");
  EXPECT_EQ(RefusedReceipt(Error::InvalidArgument(std::string(300, 'f'), "x")).reason.size(), 64u) << "fits the column";
}

TEST(ScorecardTest, TallyGroupsEqualReceipts) {
  const Receipt a{ReceiptOutcome::kAccepted, "", 0, 3};
  const Receipt w{ReceiptOutcome::kAccepted, "", RuleBit(QualityRule::kStaleAsOf), 3};
  const Receipt r{ReceiptOutcome::kRefused, "currency", 0, -1};
  const auto counts = Tally(kToday, {a, r, a, w, a, r});
  ASSERT_EQ(counts.size(), 3u);
  std::int64_t total = 0;
  for (const auto& c : counts) {
    EXPECT_EQ(c.day, kToday);
    total += c.records;
    if (c.receipt == a) {
      EXPECT_EQ(c.records, 3);
    }
    if (c.receipt == r) {
      EXPECT_EQ(c.records, 2);
    }
    if (c.receipt == w) {
      EXPECT_EQ(c.records, 1);
    }
  }
  EXPECT_EQ(total, 6);
  EXPECT_TRUE(Tally(kToday, {}).empty());
}

TEST(ScorecardTest, CountsAndTimelinessPerMonth) {
  ScorecardFacts f;
  // November: lags 1 x2, 3, 10, 23 (one warned), refusals by two reasons.
  f.receipts = {Accepted({2026, 11, 2}, 1, 2), Accepted({2026, 11, 20}, 3, 1), Accepted({2026, 11, 20}, 10, 1),
                Accepted({2026, 11, 21}, 23, 1, RuleBit(QualityRule::kOverdueWithoutDaysPastDue)),
                Refused({2026, 11, 21}, "resident_id", 1), Refused({2026, 11, 22}, "quality:stale_as_of", 2),
                Accepted({2026, 10, 5}, 5, 1),
                Accepted({2026, 11, 24}, 0, 7),   // after today: not counted
                Accepted({2026, 8, 31}, 0, 9)};   // before the range
  const auto months = BuildScorecard(f, {2026, 10, 1}, {2026, 11, 1}, kToday);
  ASSERT_EQ(months.size(), 2u);
  const auto& oct = months[0];
  EXPECT_EQ(oct.month, (Date{2026, 10, 1}));
  EXPECT_EQ(oct.received, 1);
  EXPECT_EQ(oct.accepted, 1);
  EXPECT_TRUE(oct.has_timeliness);
  EXPECT_EQ(oct.timeliness_median_days, 5);
  EXPECT_EQ(oct.timeliness_p95_days, 5);
  EXPECT_EQ(oct.freshness_on, (Date{2026, 10, 31}));
  const auto& nov = months[1];
  EXPECT_EQ(nov.received, 8);
  EXPECT_EQ(nov.accepted, 5);
  EXPECT_EQ(nov.refused, 3);
  EXPECT_EQ(nov.refused_by_reason, (std::map<std::string, std::int64_t>{{"quality:stale_as_of", 2}, {"resident_id", 1}}));
  EXPECT_EQ(nov.warnings_by_rule, (std::map<QualityRule, std::int64_t>{{QualityRule::kOverdueWithoutDaysPastDue, 1}}));
  EXPECT_EQ(nov.accepted_with_warnings, 1);
  EXPECT_EQ(nov.timeliness_median_days, 3);  // nearest rank: the 3rd of 5
  EXPECT_EQ(nov.timeliness_p95_days, 23);    // the 5th of 5
  EXPECT_EQ(nov.freshness_on, kToday);

  ScorecardFacts none;
  const auto empty = BuildScorecard(none, {2026, 11, 1}, {2026, 11, 1}, kToday);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_FALSE(empty[0].has_timeliness);
  EXPECT_EQ(empty[0].received, 0);
}

TEST(ScorecardTest, PercentilesOfLargeCountsDoNotOverflow) {
  ScorecardFacts f;
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() / 4;
  f.receipts = {Accepted({2026, 11, 1}, 2, big), Accepted({2026, 11, 2}, 9, big)};
  const auto m = BuildScorecard(f, {2026, 11, 1}, {2026, 11, 1}, kToday);
  EXPECT_EQ(m[0].timeliness_median_days, 2);
  EXPECT_EQ(m[0].timeliness_p95_days, 9);
  f.receipts.push_back(Accepted({2026, 11, 3}, 1, std::numeric_limits<std::int64_t>::max()));
  EXPECT_THROW(BuildScorecard(f, {2026, 11, 1}, {2026, 11, 1}, kToday), std::overflow_error) << "never a wrapped count";
}

TEST(ScorecardTest, FreshnessOnEachMonthsLastDay) {
  using R = LineHistory::Record;
  ScorecardFacts f;
  f.lines = {
      {{2026, 1, 15}, {R{{2026, 9, 30}, LineStatus::kOpen}, R{{2026, 11, 20}, LineStatus::kOpen}}},  // Oct fresh, Nov fresh
      {{2026, 1, 15}, {R{{2026, 9, 10}, LineStatus::kOpen}}},   // Oct: 51 days, stale; Nov stale
      {{2026, 1, 15}, {R{{2026, 11, 1}, LineStatus::kClosed}}},  // closed when first seen: never in the book
      {{2026, 1, 15}, {R{{2026, 10, 20}, LineStatus::kFrozen}, R{{2026, 11, 5}, LineStatus::kClosed}}},  // Oct fresh, Nov out
      {{2026, 11, 10}, {R{{2026, 11, 20}, LineStatus::kOpen}}},  // opened after October
      {{2026, 1, 15}, {R{{2026, 11, 22}, LineStatus::kOpen}}},   // Oct: open (first later record), not fresh
      {{2026, 1, 15}, {R{{2026, 10, 9}, LineStatus::kOpen}}},    // Nov 23: 45 days old, the window's edge: stale
  };
  const auto m = BuildScorecard(f, {2026, 10, 1}, {2026, 11, 1}, kToday);
  EXPECT_EQ(m[0].open_lines, 5);
  EXPECT_EQ(m[0].fresh_lines, 3);
  EXPECT_EQ(m[1].open_lines, 5);
  EXPECT_EQ(m[1].fresh_lines, 3);
}

TEST(ScorecardTest, LookToBook) {
  ScorecardFacts f;
  f.inquiries = {
      {At({2026, 10, 5}, 10), Purpose::kLoanApproval, 1},         // line opened 15 days later: booked
      {At({2026, 10, 5}, 10), Purpose::kCreditCardApproval, 2},   // nothing: not booked
      {At({2026, 10, 5}, 10), Purpose::kGuaranteeReview, 3},      // line 31 days later: not booked
      {At({2026, 10, 5}, 10), Purpose::kLoanApproval, 4},         // line before the inquiry only: not booked
      {At({2026, 10, 5}, 10), Purpose::kPostLoanManagement, 2},   // not an application
      {At({2026, 10, 6}, 10), Purpose::kLoanApproval, 0},         // a borrower nobody lends to: not booked
      {At({2026, 11, 23}, 9), Purpose::kLoanApproval, 5},         // reservation the same day: booked
      {At({2026, 11, 20}, 9), Purpose::kLoanApproval, 6},         // nothing yet: pending
  };
  f.bookings = {{1, {2026, 10, 20}}, {3, {2026, 11, 5}}, {4, {2026, 10, 4}}, {5, {2026, 11, 23}}};
  const auto m = BuildScorecard(f, {2026, 10, 1}, {2026, 11, 1}, kToday);
  EXPECT_EQ(m[0].application_inquiries, 5);
  EXPECT_EQ(m[0].inquiries_booked, 1);
  EXPECT_EQ(m[0].inquiries_not_booked, 4);
  EXPECT_EQ(m[0].inquiries_pending, 0);
  EXPECT_EQ(m[1].application_inquiries, 2);
  EXPECT_EQ(m[1].inquiries_booked, 1);
  EXPECT_EQ(m[1].inquiries_pending, 1);
  EXPECT_EQ(m[1].inquiries_not_booked, 0);
}

TEST(ScorecardTest, RangeDefaultsAndLimits) {
  auto r = ScorecardRange(std::nullopt, std::nullopt, kToday, "from", "to");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().first, (Date{2026, 6, 1}));
  EXPECT_EQ(r.value().last, (Date{2026, 11, 1}));
  r = ScorecardRange(Date{2025, 12, 1}, Date{2026, 2, 1}, kToday, "from", "to");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(BuildScorecard({}, r.value().first, r.value().last, kToday).size(), 3u);
  EXPECT_EQ(ScorecardRange(std::nullopt, Date{2026, 12, 1}, kToday, "from", "to").error().field, "to");
  EXPECT_EQ(ScorecardRange(Date{2026, 11, 1}, Date{2026, 10, 1}, kToday, "from", "to").error().field, "from");
  EXPECT_EQ(ScorecardRange(Date{2024, 11, 1}, std::nullopt, kToday, "from", "to").error().field, "from")
      << "more than 24 months";
  EXPECT_EQ(ScorecardRange(Date{2024, 11, 1}, Date{2024, 12, 1}, kToday, "from", "to").error().field, "from")
      << "receipts before the oldest month are purged";
  EXPECT_EQ(OldestScorecardMonth(kToday), (Date{2024, 12, 1}));
  EXPECT_TRUE(ScorecardRange(Date{2024, 12, 1}, std::nullopt, kToday, "from", "to").ok()) << "exactly 24";
  EXPECT_EQ(ScorecardRange(Date{2026, 13, 1}, std::nullopt, kToday, "from", "to").error().field, "from");
}

}  // namespace
}  // namespace creditshare::domain
