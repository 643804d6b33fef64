#include "domain/ledger.h"

#include <gtest/gtest.h>

#include "line_reports.h"

// The ledger's rules, one test each: what a report does to a stored line, negative episodes,
// and retention per episode.
namespace creditshare::domain {
namespace {

constexpr std::uint64_t kBorrower = 7;

LineReport Report(Date as_of, int days_past_due = 0) {
  LineReport r = testing::ValidReport();
  r.scheduled_payment_minor = 100'000;
  r.opened_date = {2018, 1, 15};
  r.as_of_date = as_of;
  r.days_past_due = days_past_due;
  if (days_past_due > 0) {
    r.overdue_amount_minor = 100'000;
    r.first_delinquency_date = as_of.AddDays(-days_past_due);
  }
  return r;
}

// Applies reports in order as storage would, keeping the line the ledger describes.
struct Line {
  std::optional<LedgerLine> stored;
  ReportPlan Apply(const LineReport& r) {
    auto plan = PlanReport(stored ? &*stored : nullptr, kBorrower, r, "line.");
    EXPECT_TRUE(plan.ok()) << plan.error().message;
    const auto& p = plan.value();
    if (!stored) stored = LedgerLine{kBorrower, r.currency, r.as_of_date, 0, {}, FactsOf(r)};
    if (p.write_line) {
      stored->as_of_date = r.as_of_date;
      stored->state = FactsOf(r);
    }
    stored->version = p.result.version;
    stored->months = p.months;
    return p;
  }
};

TEST(PlanReportTest, FirstReportCreatesTheLineWithItsMonth) {
  const auto plan = PlanReport(nullptr, kBorrower, Report({2026, 10, 31}), "line.").value();
  EXPECT_EQ(plan.update, LineUpdate::kCreate);
  EXPECT_TRUE(plan.write_line);
  EXPECT_TRUE(plan.write_month);
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kCreated, {2026, 10, 31}, 1, false}));
  ASSERT_EQ(plan.months.size(), 1u);
  EXPECT_EQ(plan.months[0], (MonthRecord{{2026, 10, 31}, 'N', false, false}));
  EXPECT_TRUE(plan.episodes.empty());
  EXPECT_FALSE(plan.retention_review);
}

TEST(PlanReportTest, NewerReportUpdatesAndAddsItsMonth) {
  Line line;
  line.Apply(Report({2026, 9, 30}));
  const auto plan = line.Apply(Report({2026, 10, 31}));
  EXPECT_EQ(plan.update, LineUpdate::kReplace);
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kUpdated, {2026, 10, 31}, 2, false}));
  EXPECT_EQ(plan.months.size(), 2u);
}

TEST(PlanReportTest, SameAsOfDateIsACorrectionThatReplacesTheMonth) {
  Line line;
  line.Apply(Report({2026, 10, 31}));
  const auto plan = line.Apply(Report({2026, 10, 31}, 15));
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kUpdated, {2026, 10, 31}, 2, true}));
  ASSERT_EQ(plan.months.size(), 1u);
  EXPECT_EQ(plan.months[0].code, '1');
}

TEST(PlanReportTest, LaterReportOfTheSameMonthReplacesItWithoutCorrection) {
  Line line;
  line.Apply(Report({2026, 10, 15}));
  const auto plan = line.Apply(Report({2026, 10, 31}));
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kUpdated, {2026, 10, 31}, 2, false}));
  ASSERT_EQ(plan.months.size(), 1u);
  EXPECT_EQ(plan.months[0].as_of_date, (Date{2026, 10, 31}));
}

TEST(PlanReportTest, LateReportOfAMissingMonthWritesOnlyHistory) {
  Line line;
  line.Apply(Report({2026, 8, 31}));
  line.Apply(Report({2026, 10, 31}));
  const auto plan = line.Apply(Report({2026, 9, 30}));
  EXPECT_EQ(plan.update, LineUpdate::kStale);
  EXPECT_FALSE(plan.write_line);
  EXPECT_TRUE(plan.write_month);
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kHistoryUpdated, {2026, 10, 31}, 2, false}));
  ASSERT_EQ(plan.months.size(), 3u);
  EXPECT_EQ(plan.months[1].month(), (Date{2026, 9, 1}));  // in month order
}

TEST(PlanReportTest, LateReportReplacingAnOlderRecordOfItsMonthIsACorrection) {
  Line line;
  line.Apply(Report({2026, 9, 15}));
  line.Apply(Report({2026, 10, 31}));
  const auto plan = line.Apply(Report({2026, 9, 30}, 10));
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kHistoryUpdated, {2026, 10, 31}, 2, true}));
  EXPECT_EQ(plan.months[0], (MonthRecord{{2026, 9, 30}, '1', true, true}));
}

TEST(PlanReportTest, OlderReportThanTheMonthsRecordChangesNothing) {
  Line line;
  line.Apply(Report({2026, 9, 30}));
  line.Apply(Report({2026, 10, 31}));
  const auto plan = line.Apply(Report({2026, 9, 15}, 10));
  EXPECT_FALSE(plan.write_line);
  EXPECT_FALSE(plan.write_month);
  EXPECT_EQ(plan.result, (ReportResult{ReportOutcome::kStaleIgnored, {2026, 10, 31}, 2, false}));
  EXPECT_EQ(plan.months[0].code, 'N');
}

TEST(PlanReportTest, RefusesAnotherBorrowerOrCurrencyForAnExistingLine) {
  const LedgerLine stored{kBorrower, "CNY", {2026, 10, 31}, 1, {}, {}};
  const auto other_borrower = PlanReport(&stored, kBorrower + 1, Report({2026, 11, 30}), "line.");
  ASSERT_FALSE(other_borrower.ok());
  EXPECT_EQ(other_borrower.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(other_borrower.error().field, "line.resident_id");
  auto r = Report({2026, 11, 30});
  r.currency = "USD";
  const auto other_currency = PlanReport(&stored, kBorrower, r, "line.");
  ASSERT_FALSE(other_currency.ok());
  EXPECT_EQ(other_currency.error().field, "line.currency");
}

TEST(NegativeEpisodeTest, EndsOnTheFirstReportThatIsNoLongerDelinquent) {
  Line line;
  line.Apply(Report({2026, 1, 31}, 20));
  line.Apply(Report({2026, 2, 28}, 48));
  auto plan = line.Apply(Report({2026, 3, 31}, 79));
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_FALSE(plan.episodes[0].ended);  // still past due: goes on
  EXPECT_FALSE(plan.retention_review);
  plan = line.Apply(Report({2026, 4, 5}));
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_EQ(plan.episodes[0], (NegativeEpisode{{2026, 1, 1}, {2026, 3, 1}, Date{2026, 4, 5}}));
  EXPECT_EQ(plan.retention_review, (Date{2031, 4, 5}));
}

TEST(NegativeEpisodeTest, LateReportRevealsAnEpisodeThatEndedWithTheNextRecord) {
  Line line;
  line.Apply(Report({2026, 1, 31}));
  line.Apply(Report({2026, 3, 31}));
  const auto plan = line.Apply(Report({2026, 2, 28}, 25));  // learnt late
  EXPECT_EQ(plan.result.outcome, ReportOutcome::kHistoryUpdated);
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_EQ(plan.episodes[0], (NegativeEpisode{{2026, 2, 1}, {2026, 2, 1}, Date{2026, 3, 31}}));
  EXPECT_EQ(plan.retention_review, (Date{2031, 3, 31}));  // from when it ended, not when it was reported
}

TEST(NegativeEpisodeTest, LateReportCanJoinTwoEpisodesIntoOne) {
  Line line;
  line.Apply(Report({2026, 1, 31}, 10));
  line.Apply(Report({2026, 2, 28}));
  line.Apply(Report({2026, 3, 31}, 10));
  auto plan = line.Apply(Report({2026, 4, 30}));
  ASSERT_EQ(plan.episodes.size(), 2u);
  plan = line.Apply(Report({2026, 2, 28}, 38));  // correction: February was past due after all
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_EQ(plan.episodes[0], (NegativeEpisode{{2026, 1, 1}, {2026, 3, 1}, Date{2026, 4, 30}}));
}

TEST(NegativeEpisodeTest, SettlementByTheGuarantorIsAnEpisodeEndingOnItsOwnReport) {
  Line line;
  line.Apply(Report({2026, 1, 31}));
  auto closing = Report({2026, 2, 20});
  closing.status = LineStatus::kClosed;
  closing.settlement_type = SettlementType::kByGuarantor;
  closing.outstanding_balance_minor = 0;
  const auto plan = line.Apply(closing);
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_EQ(plan.episodes[0], (NegativeEpisode{{2026, 2, 1}, {2026, 2, 1}, Date{2026, 2, 20}}));
}

TEST(NegativeEpisodeTest, ChargeOffGoesOnUntilTheLineIsNoLongerChargedOff) {
  Line line;
  auto charged_off = Report({2026, 1, 31});
  charged_off.status = LineStatus::kChargedOff;
  charged_off.charged_off_amount_minor = 1'200'000;
  charged_off.charged_off_date = Date{2026, 1, 31};
  line.Apply(charged_off);
  charged_off.as_of_date = {2026, 2, 28};
  auto plan = line.Apply(charged_off);
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_FALSE(plan.episodes[0].ended);
  auto closed = charged_off;
  closed.as_of_date = {2026, 3, 31};
  closed.status = LineStatus::kClosed;
  closed.outstanding_balance_minor = 0;
  plan = line.Apply(closed);  // closed, still carrying its charge-off: negative, not delinquent
  ASSERT_EQ(plan.episodes.size(), 1u);
  EXPECT_EQ(plan.episodes[0].ended, (Date{2026, 3, 31}));
  EXPECT_EQ(plan.episodes[0].last_month, (Date{2026, 3, 1}));
}

TEST(NegativeEpisodeTest, CollectionsWithoutDaysPastDueIsStillAnEpisode) {
  auto r = Report({2026, 1, 31});
  r.collections_stage = CollectionsStage::kAgency;
  const auto record = RecordOf(r);
  EXPECT_TRUE(record.negative);
  EXPECT_TRUE(record.delinquent);
}

std::vector<MonthRecord> TwoEpisodes() {
  Line line;
  line.Apply(Report({2019, 5, 31}, 40));
  line.Apply(Report({2019, 6, 30}));  // first episode ended 2019-06-30
  line.Apply(Report({2022, 2, 28}, 20));
  line.Apply(Report({2022, 3, 31}, 50));
  return line.Apply(Report({2022, 4, 10})).months;  // second ended 2022-04-10
}

TEST(RetentionTest, EpisodeIsShownUntilTheDayBeforeItsFifthAnniversary) {
  const auto months = TwoEpisodes();
  const auto before = PlanRetention(months, {2024, 6, 29});
  EXPECT_TRUE(before.expired.empty());
  EXPECT_EQ(before.months_after, months);
  EXPECT_EQ(before.next_review, (Date{2024, 6, 30}));
  const auto on = PlanRetention(months, {2024, 6, 30});
  ASSERT_EQ(on.expired.size(), 1u);
  EXPECT_EQ(on.expired[0].first_month, (Date{2019, 5, 1}));
}

TEST(RetentionTest, TwoEpisodesExpireSeparately) {
  const auto months = TwoEpisodes();
  const auto first_gone = PlanRetention(months, {2024, 7, 1});
  EXPECT_EQ(first_gone.months_after.size(), months.size() - 1);  // May 2019 only
  EXPECT_FALSE(first_gone.clear_line_negative_fields);           // the newest episode is still shown
  EXPECT_EQ(first_gone.next_review, (Date{2027, 4, 10}));
  const auto both_gone = PlanRetention(months, {2027, 4, 10});
  EXPECT_EQ(both_gone.expired.size(), 2u);
  EXPECT_TRUE(both_gone.clear_line_negative_fields);
  EXPECT_FALSE(both_gone.next_review);
  for (const auto& m : both_gone.months_after) EXPECT_FALSE(m.negative) << m.as_of_date.ToString();
  EXPECT_EQ(both_gone.months_after.size(), 2u);  // the two reports that ended the episodes
}

TEST(RetentionTest, AnEpisodeThatGoesOnNeverExpires) {
  Line line;
  line.Apply(Report({2015, 1, 31}, 200));
  const auto months = line.Apply(Report({2016, 1, 31}, 565)).months;
  const auto plan = PlanRetention(months, {2040, 1, 1});
  EXPECT_TRUE(plan.expired.empty());
  EXPECT_FALSE(plan.next_review);
}

TEST(RetentionTest, ClearingRemovesEveryNegativeFigureOfTheCurrentState) {
  auto r = Report({2026, 1, 31}, 40);
  r.collections_stage = CollectionsStage::kLegal;
  r.charged_off_amount_minor = 5;
  r.charged_off_date = Date{2026, 1, 31};
  r.classification = LoanClassification::kDoubtful;
  ClearNegativeFields(r);
  EXPECT_FALSE(r.first_delinquency_date);
  EXPECT_EQ(r.collections_stage, CollectionsStage::kNone);
  EXPECT_EQ(r.charged_off_amount_minor, 0);
  EXPECT_FALSE(r.charged_off_date);
  EXPECT_EQ(r.classification, LoanClassification::kUnspecified);
}

TEST(LegacyRecordTest, StatusFollowsTheCodeOfARecordThatKeptNone) {
  EXPECT_EQ(InferLegacyStatus('C'), LineStatus::kClosed);
  EXPECT_EQ(InferLegacyStatus('D'), LineStatus::kClosed);
  EXPECT_EQ(InferLegacyStatus('Z'), LineStatus::kClosed);
  EXPECT_EQ(InferLegacyStatus('G'), LineStatus::kChargedOff);
  EXPECT_EQ(InferLegacyStatus('3'), LineStatus::kOpen);
  EXPECT_EQ(InferLegacyStatus('N'), LineStatus::kOpen);
}

}  // namespace
}  // namespace creditshare::domain
