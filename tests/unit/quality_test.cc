#include "domain/quality.h"

#include <gtest/gtest.h>

#include "domain/ledger.h"
#include "policy_file.h"

namespace creditshare::domain {
namespace {

LineReport Line() {
  LineReport r;
  r.account_reference = "L-1";
  r.product_type = ProductType::kOnlineMicroLoan;
  r.currency = "CNY";
  r.credit_limit_minor = 1'000'000;
  r.outstanding_balance_minor = 500'000;
  r.opened_date = {2026, 1, 1};
  r.status = LineStatus::kOpen;
  r.as_of_date = {2026, 10, 31};
  return r;
}

QualityPolicy All(QualityAction a) {
  QualityPolicy p;
  for (int r = 1; r <= kMaxQualityRule; ++r) p.actions[static_cast<std::size_t>(r)] = a;
  return p;
}

std::vector<QualityRule> Rules(const std::vector<QualityFinding>& f) {
  std::vector<QualityRule> out;
  for (const auto& x : f) out.push_back(x.rule);
  return out;
}

TEST(QualityTest, EachRuleOnItsBoundary) {
  const auto p = All(QualityAction::kWarn);
  const Date today{2026, 12, 15};  // 45 days after 10-31
  EXPECT_TRUE(QualityFindings(Line(), nullptr, p, today, "line.").empty());
  EXPECT_EQ(Rules(QualityFindings(Line(), nullptr, p, today.AddDays(1), "line.")),
            std::vector<QualityRule>{QualityRule::kStaleAsOf});

  auto r = Line();
  r.scheduled_payment_minor = 500'001;
  const auto over = QualityFindings(r, nullptr, p, today, "line.");
  ASSERT_EQ(Rules(over), std::vector<QualityRule>{QualityRule::kScheduledOverBalance});
  EXPECT_EQ(over[0].field, "line.scheduled_payment_minor");
  r.status = LineStatus::kFrozen;
  EXPECT_TRUE(QualityFindings(r, nullptr, p, today, "line.").empty()) << "open lines only";

  r = Line();
  r.days_past_due = 40;
  r.overdue_amount_minor = 1000;
  r.first_delinquency_date = Date{2026, 10, 1};  // 30 days before as-of: 40 dpd is 10 too many
  EXPECT_EQ(Rules(QualityFindings(r, nullptr, p, today, "line.")),
            std::vector<QualityRule>{QualityRule::kFirstDelinquencyInconsistent});
  r.first_delinquency_date = Date{2026, 9, 24};  // 37 days: within the 3-day tolerance
  EXPECT_TRUE(QualityFindings(r, nullptr, p, today, "line.").empty());

  r = Line();
  r.overdue_amount_minor = 1000;
  EXPECT_EQ(Rules(QualityFindings(r, nullptr, p, today, "line.")),
            std::vector<QualityRule>{QualityRule::kOverdueWithoutDaysPastDue});

  MonthFacts before;
  before.as_of_date = {2026, 9, 30};
  before.days_past_due = 5;
  r = Line();
  r.days_past_due = 39;  // 5 + 31 days + 3 tolerance
  r.overdue_amount_minor = 1000;
  r.first_delinquency_date = Date{2026, 9, 25};
  EXPECT_TRUE(QualityFindings(r, &before, p, today, "line.").empty());
  r.days_past_due = 40;
  r.first_delinquency_date = Date{2026, 9, 1};
  const auto jump = QualityFindings(r, &before, p, today, "line.");
  ASSERT_EQ(Rules(jump), std::vector<QualityRule>{QualityRule::kDaysPastDueJump});
  EXPECT_NE(jump[0].message.find("rose from 5 to 40 in 31 days"), std::string::npos) << jump[0].message;
  EXPECT_TRUE(QualityFindings(r, &before, QualityPolicy{}, today, "line.").empty()) << "all off by default";
}

TEST(QualityTest, TheLedgerRefusesOrWarnsAsTheRuleSays) {
  auto r = Line();
  r.overdue_amount_minor = 1000;
  const Date today{2026, 11, 23};
  const auto warn = All(QualityAction::kWarn);
  const auto plan = PlanReport(nullptr, 1, r, "line.", {&warn, today});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan.value().result.warnings,
            (std::vector<QualityWarning>{{QualityRule::kOverdueWithoutDaysPastDue, "line.days_past_due"}}));
  const auto refuse = All(QualityAction::kRefuse);
  const auto refused = PlanReport(nullptr, 1, r, "line.", {&refuse, today});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().field, "line.days_past_due");
  EXPECT_NE(refused.error().message.find("(quality rule overdue_without_days_past_due)"), std::string::npos);
  EXPECT_TRUE(PlanReport(nullptr, 1, r, "line.").value().result.warnings.empty()) << "no gate, no rules";
}

TEST(QualityTest, ThePolicyFileSetsEachRule) {
  const auto p = ParseCreditPolicy(R"({"quality": {"stale_as_of": "refuse", "stale_as_of_days": 10,
      "days_past_due_jump": "warn", "tolerance_days": 0}})");
  EXPECT_EQ(p.quality.ActionFor(QualityRule::kStaleAsOf), QualityAction::kRefuse);
  EXPECT_EQ(p.quality.ActionFor(QualityRule::kDaysPastDueJump), QualityAction::kWarn);
  EXPECT_EQ(p.quality.ActionFor(QualityRule::kScheduledOverBalance), QualityAction::kOff);
  EXPECT_EQ(p.quality.stale_as_of_days, 10);
  EXPECT_EQ(p.quality.tolerance_days, 0);
  EXPECT_THROW(ParseCreditPolicy(R"({"quality": {"stale_as_of": "maybe"}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"quality": {"no_such_rule": "warn"}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"quality": {"stale_as_of_days": -3}})"), std::runtime_error);
}

}  // namespace
}  // namespace creditshare::domain

#include "storage/report_result_codec.h"

namespace creditshare::storage {
namespace {

TEST(ReportResultCodecTest, WarningsSurviveAReplayAndOldResponsesStillDecode) {
  domain::ReportResult r{domain::ReportOutcome::kUpdated, {2026, 10, 31}, 3, true};
  r.warnings = {{domain::QualityRule::kStaleAsOf, "line.as_of_date"},
                {domain::QualityRule::kDaysPastDueJump, "line.days_past_due"}};
  EXPECT_EQ(DecodeReportResult(EncodeReportResult(r)).value(), r);
  const domain::ReportResult none{domain::ReportOutcome::kCreated, {2026, 10, 31}, 1, false};
  EXPECT_EQ(DecodeReportResult(EncodeReportResult(none)).value(), none);
  EXPECT_EQ(DecodeReportResult("v2|2|2026-10-31|3|1").value(),
            (domain::ReportResult{domain::ReportOutcome::kUpdated, {2026, 10, 31}, 3, true}));
  EXPECT_FALSE(DecodeReportResult("v9|x").ok());
}

}  // namespace
}  // namespace creditshare::storage
