// The line lifecycle and what lenders see of it: monthly history with corrections,
// restructuring, collections, charge-off, settlement, and retention after a clock move.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include "domain/repayment.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

class LifecycleTest : public ::testing::Test {
 protected:
  TestService svc;
  int next_request = 0;

  v1::ReportCreditLineResponse Report(v1::ReportCreditLineRequest req, const char* member = TestService::kBankA) {
    req.set_request_id("lc-" + std::to_string(++next_request));
    v1::ReportCreditLineResponse resp;
    const auto st = svc.ClientFor(member).ReportCreditLine(req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  // A month-end report of line L-1 with `dpd` days past due.
  v1::ReportCreditLineRequest Month(int y, int m, int d, int dpd, long balance = 1'000'000) {
    auto r = LineRequest("", "L-1", kBorrower, 5'000'000, balance, MakeDate(y, m, d));
    r.mutable_line()->set_scheduled_payment_minor(100'000);
    if (dpd > 0) {
      r.mutable_line()->set_days_past_due(dpd);
      r.mutable_line()->set_overdue_amount_minor(100'000);
      *r.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 5, 1);
    }
    return r;
  }

  v1::ExposureLine OnlyLine(const char* viewer = TestService::kFinanceC) {
    v1::GetBorrowerExposureResponse e;
    const auto st = svc.ClientFor(viewer).GetBorrowerExposure(ExposureRequest(kBorrower), &e);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(e.lines_size(), 1);
    return e.lines_size() > 0 ? e.lines(0) : v1::ExposureLine{};
  }
};

TEST_F(LifecycleTest, HistoryStringFollowsMonthlyReportsAndACorrection) {
  Report(Month(2026, 5, 31, 0));
  Report(Month(2026, 6, 30, 15));
  Report(Month(2026, 8, 31, 75));  // July never reported
  Report(Month(2026, 9, 30, 0));
  auto oct = Report(Month(2026, 10, 31, 0));
  EXPECT_FALSE(oct.month_corrected());
  EXPECT_EQ(OnlyLine().repayment_history(), "N1#3NN");

  // June was misreported: the correction replaces June's record and is marked as one.
  const auto fix = Report(Month(2026, 6, 30, 0));
  EXPECT_EQ(fix.outcome(), v1::REPORT_OUTCOME_HISTORY_UPDATED);
  EXPECT_TRUE(fix.month_corrected());
  // July filled in late.
  EXPECT_EQ(Report(Month(2026, 7, 31, 45)).outcome(), v1::REPORT_OUTCOME_HISTORY_UPDATED);
  const auto line = OnlyLine();
  EXPECT_EQ(line.repayment_history(), "NN23NN");
  EXPECT_EQ(line.as_of_date().month(), 10);  // the current state stayed October's

  std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare(
      "SELECT month, corrected FROM credit_line_months ORDER BY month").executeQuery());
  std::vector<std::string> rows;
  while (rs->next()) rows.push_back(std::string(rs->getString(1)) + ":" + std::to_string(rs->getInt(2)));
  EXPECT_EQ(rows, (std::vector<std::string>{"2026-05-01:0", "2026-06-01:1", "2026-07-01:0", "2026-08-01:0",
                                            "2026-09-01:0", "2026-10-01:0"}));

  v1::GetBorrowerExposureResponse e;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
  EXPECT_EQ(e.summary().worst_status_12_months(), "3");
  EXPECT_FALSE(e.summary().currently_delinquent());
}

TEST_F(LifecycleTest, RestructuringCollectionsChargeOffAndSettlementAreAllVisible) {
  Report(Month(2026, 8, 31, 40));
  v1::RestructureCreditLineRequest restructure;
  restructure.set_request_id("rs-1");
  restructure.set_account_reference("L-1");
  *restructure.mutable_restructure_date() = MakeDate(2026, 9, 5);
  restructure.set_reason("income loss after illness");
  restructure.add_concessions(v1::CONCESSION_TERM_EXTENSION);
  restructure.add_concessions(v1::CONCESSION_RATE_CUT);
  *restructure.mutable_new_maturity_date() = MakeDate(2029, 12, 31);
  restructure.set_new_scheduled_payment_minor(60'000);
  v1::RestructureCreditLineResponse restructured;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).RestructureCreditLine(restructure, &restructured).ok());
  EXPECT_EQ(restructured.restructure_count(), 1);
  // Replaying the same restructuring does not count it twice.
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).RestructureCreditLine(restructure, &restructured).ok());
  EXPECT_EQ(restructured.restructure_count(), 1);

  // The restructuring's audit record names the borrower (by key), though the request did not.
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'RestructureCreditLine' AND LENGTH(borrower_key) = 32"), 1);
  auto line = OnlyLine();
  EXPECT_EQ(line.restructure_count(), 1);
  EXPECT_EQ(line.last_restructure_date().day(), 5);
  EXPECT_EQ(line.maturity_date().year(), 2029);
  EXPECT_EQ(line.scheduled_payment_minor(), 60'000);

  auto collections = Month(2026, 9, 30, 70);
  collections.mutable_line()->set_collections_stage(v1::COLLECTIONS_STAGE_AGENCY);
  collections.mutable_line()->set_classification(v1::LOAN_CLASSIFICATION_SUBSTANDARD);
  Report(collections);
  line = OnlyLine();
  EXPECT_EQ(line.collections_stage(), v1::COLLECTIONS_STAGE_AGENCY);
  EXPECT_EQ(line.classification(), v1::LOAN_CLASSIFICATION_SUBSTANDARD);

  auto charge_off = Month(2026, 10, 31, 100);
  charge_off.mutable_line()->set_status(v1::LINE_STATUS_CHARGED_OFF);
  charge_off.mutable_line()->set_charged_off_amount_minor(900'000);
  *charge_off.mutable_line()->mutable_charged_off_date() = MakeDate(2026, 10, 20);
  charge_off.mutable_line()->set_classification(v1::LOAN_CLASSIFICATION_LOSS);
  Report(charge_off);
  line = OnlyLine();
  EXPECT_EQ(line.status(), v1::LINE_STATUS_CHARGED_OFF);
  EXPECT_EQ(line.charged_off_amount_minor(), 900'000);

  // Finally settled by the guarantor.
  auto settled = LineRequest("", "L-1", kBorrower, 5'000'000, 0, MakeDate(2026, 11, 20));
  settled.mutable_line()->set_status(v1::LINE_STATUS_CLOSED);
  settled.mutable_line()->set_settlement_type(v1::SETTLEMENT_TYPE_BY_GUARANTOR);
  settled.mutable_line()->set_charged_off_amount_minor(900'000);
  *settled.mutable_line()->mutable_charged_off_date() = MakeDate(2026, 10, 20);
  Report(settled);
  v1::GetBorrowerExposureResponse e;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
  EXPECT_EQ(e.lines(0).repayment_history(), "23" "4" "D");
  EXPECT_EQ(e.summary().open_line_count(), 0);
  EXPECT_TRUE(e.summary().restructured());
  EXPECT_TRUE(e.summary().charged_off());
  EXPECT_FALSE(e.summary().in_collections());  // closed lines are not in collections any more
  EXPECT_EQ(e.summary().worst_status_12_months(), "D");
}

TEST_F(LifecycleTest, RestructuringSomeoneElsesLineIsNotFound) {
  Report(Month(2026, 10, 31, 0));
  v1::RestructureCreditLineRequest r;
  r.set_request_id("rs-x");
  r.set_account_reference("L-1");
  *r.mutable_restructure_date() = MakeDate(2026, 11, 1);
  r.set_reason("x");
  r.add_concessions(v1::CONCESSION_PAYMENT_HOLIDAY);
  v1::RestructureCreditLineResponse resp;
  EXPECT_EQ(svc.ClientFor(TestService::kMicroB).RestructureCreditLine(r, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(OnlyLine().restructure_count(), 0);
}

TEST_F(LifecycleTest, NegativeInformationDropsOutFiveYearsAfterItEndedAndIsPurged) {
  Report(Month(2026, 9, 30, 35));
  auto cured = Month(2026, 10, 31, 0);  // the negative episode ended 2026-10-31
  *cured.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 5, 1);
  Report(cured);
  EXPECT_EQ(OnlyLine().repayment_history(), "2N");

  // One day before five years: still shown.
  svc.clock().Advance(std::chrono::hours(24) * (domain::Date{2031, 10, 30}.DaysSinceEpoch() -
                                                domain::Date{2026, 11, 23}.DaysSinceEpoch()));
  EXPECT_EQ(OnlyLine().repayment_history(), "2N");
  EXPECT_TRUE(OnlyLine().has_first_delinquency_date());
  // Five years after the end: gone from what queries return.
  svc.clock().Advance(std::chrono::hours(24));
  auto line = OnlyLine();
  EXPECT_EQ(line.repayment_history(), "N");  // the episode's month is gone, as the purge deletes it
  EXPECT_FALSE(line.has_first_delinquency_date());

  // The purge removes it from storage too.
  const auto purge = RunProcess({CREDITSHARE_ADMIN_BINARY, "retention", "purge", "--today", "2031-10-31"},
                                DatabaseEnv(svc.db().config(), svc.pki().dir()));
  ASSERT_EQ(purge.exit_code, 0) << purge.err;
  EXPECT_NE(purge.out.find("1 monthly records deleted, 1 lines cleared"), std::string::npos) << purge.out;
  EXPECT_EQ(svc.db().Count("credit_line_months WHERE status_code = '2'"), 0);
  EXPECT_EQ(svc.db().Count("credit_lines WHERE first_delinquency_date IS NOT NULL"), 0);
  EXPECT_EQ(svc.db().StalePackedHistories(), std::vector<std::string>{});
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
}

// A report of line L-1 as of `as_of` (opened 2018), `dpd` days past due since `first_delinquency`.
v1::ReportCreditLineRequest Monthly(v1::Date as_of, int dpd = 0, v1::Date first_delinquency = {}) {
  auto r = LineRequest("", "L-1", kBorrower, 5'000'000, 1'000'000, as_of);
  *r.mutable_line()->mutable_opened_date() = MakeDate(2018, 1, 15);
  r.mutable_line()->set_scheduled_payment_minor(100'000);
  if (dpd > 0) {
    r.mutable_line()->set_days_past_due(dpd);
    r.mutable_line()->set_overdue_amount_minor(100'000);
    *r.mutable_line()->mutable_first_delinquency_date() = first_delinquency;
  }
  return r;
}

// The history string the line's stored monthly records give: what a purge left must be what
// the exposure shows.
std::string StoredHistory(TestDatabase& db) {
  std::unique_ptr<sql::ResultSet> rs(
      db.conn().Prepare("SELECT month, status_code FROM credit_line_months ORDER BY month").executeQuery());
  std::vector<domain::MonthStatus> months;
  while (rs->next())
    months.push_back({domain::Date::Parse(std::string(rs->getString(1))).value(), std::string(rs->getString(2))[0]});
  return domain::HistoryString(months);
}

std::string Purge(TestService& svc, const std::string& today) {
  const auto purge = RunProcess({CREDITSHARE_ADMIN_BINARY, "retention", "purge", "--today", today},
                                DatabaseEnv(svc.db().config(), svc.pki().dir()));
  EXPECT_EQ(purge.exit_code, 0) << purge.err;
  return purge.out;
}

void AdvanceTo(TestService& svc, const domain::Date& day) {
  svc.clock().Advance(std::chrono::hours(24) * (day.DaysSinceEpoch() - svc.clock().Today().DaysSinceEpoch()));
}

TEST_F(LifecycleTest, DelinquencyRevealedByALateReportExpiresFiveYearsAfterItsEpisodeEnded) {
  Report(Monthly(MakeDate(2026, 1, 31)));
  Report(Monthly(MakeDate(2026, 3, 31)));
  const auto late = Report(Monthly(MakeDate(2026, 2, 28), 25, MakeDate(2026, 2, 3)));
  EXPECT_EQ(late.outcome(), v1::REPORT_OUTCOME_HISTORY_UPDATED);
  EXPECT_EQ(OnlyLine().repayment_history(), "N1N");

  AdvanceTo(svc, {2031, 3, 30});  // the episode ended with the March report, on 2026-03-31
  EXPECT_EQ(OnlyLine().repayment_history(), "N1N");
  AdvanceTo(svc, {2031, 3, 31});
  EXPECT_EQ(OnlyLine().repayment_history(), "N#N");
  EXPECT_NE(Purge(svc, "2031-03-31").find("1 monthly records deleted"), std::string::npos);
  EXPECT_EQ(StoredHistory(svc.db()), "N#N");
  EXPECT_EQ(OnlyLine().repayment_history(), "N#N");
  EXPECT_EQ(svc.db().StalePackedHistories(), std::vector<std::string>{});
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
}

TEST_F(LifecycleTest, TwoEpisodesOnOneLineExpireSeparatelyAndThePurgeDeletesWhatQueriesNoLongerShow) {
  Report(Monthly(MakeDate(2019, 5, 31), 40, MakeDate(2019, 4, 21)));
  Report(Monthly(MakeDate(2019, 6, 30)));  // first episode ended: expires 2024-06-30
  Report(Monthly(MakeDate(2022, 2, 28), 20, MakeDate(2022, 2, 8)));
  Report(Monthly(MakeDate(2022, 3, 31), 51, MakeDate(2022, 2, 8)));
  auto cured = Monthly(MakeDate(2022, 4, 10));  // second ended: expires 2027-04-10
  *cured.mutable_line()->mutable_first_delinquency_date() = MakeDate(2022, 2, 8);
  Report(cured);

  // Today (2026-11-23) the first episode has expired, the second has not.
  const std::string gap(31, '#');  // July 2019 .. January 2022 were not reported
  EXPECT_EQ(OnlyLine().repayment_history(), "N" + gap + "12N");
  EXPECT_TRUE(OnlyLine().has_first_delinquency_date());
  EXPECT_NE(Purge(svc, "2026-11-23").find("1 monthly records deleted, 0 lines cleared"), std::string::npos);
  EXPECT_EQ(StoredHistory(svc.db()), "N" + gap + "12N");
  EXPECT_EQ(OnlyLine().repayment_history(), StoredHistory(svc.db()));

  AdvanceTo(svc, {2027, 4, 9});
  EXPECT_EQ(OnlyLine().repayment_history(), "N" + gap + "12N");
  AdvanceTo(svc, {2027, 4, 10});
  EXPECT_EQ(OnlyLine().repayment_history(), "N" + gap + "##N");
  EXPECT_FALSE(OnlyLine().has_first_delinquency_date());
  EXPECT_NE(Purge(svc, "2027-04-10").find("2 monthly records deleted, 1 lines cleared"), std::string::npos);
  EXPECT_EQ(OnlyLine().repayment_history(), StoredHistory(svc.db()));
  EXPECT_EQ(svc.db().Count("credit_lines WHERE first_delinquency_date IS NOT NULL OR retention_review_on IS NOT NULL"),
            0);
  EXPECT_EQ(svc.db().StalePackedHistories(), std::vector<std::string>{});
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
  // Nothing more to do.
  EXPECT_NE(Purge(svc, "2027-04-10").find("0 monthly records deleted, 0 lines cleared"), std::string::npos);
}

TEST_F(LifecycleTest, NewFieldsAreValidatedWithTheFieldNamedAndNothingWritten) {
  struct Case {
    std::function<void(v1::CreditLineReport&)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](auto& l) { l.set_scheduled_payment_minor(-1); }, "line.scheduled_payment_minor"},
      {[](auto& l) { l.set_actual_payment_minor(-1); }, "line.actual_payment_minor"},
      {[](auto& l) { l.set_classification(static_cast<v1::LoanClassification>(9)); }, "line.classification"},
      {[](auto& l) { l.set_collections_stage(static_cast<v1::CollectionsStage>(-2)); }, "line.collections_stage"},
      {[](auto& l) { l.set_settlement_type(v1::SETTLEMENT_TYPE_BY_GUARANTOR); }, "line.settlement_type"},
      {[](auto& l) { l.set_status(v1::LINE_STATUS_CHARGED_OFF); }, "line.charged_off_amount_minor"},
      {[](auto& l) { l.set_days_past_due(5); l.set_overdue_amount_minor(1); }, "line.first_delinquency_date"},
      {[](auto& l) { *l.mutable_maturity_date() = MakeDate(2020, 1, 1); }, "line.maturity_date"},
  };
  auto& bank = svc.ClientFor(TestService::kBankA);
  const auto before = svc.db().DumpAllTables();
  for (const auto& c : cases) {
    auto req = LineRequest("bad", "L-9", kBorrower, 100, 10);
    c.mutate(*req.mutable_line());
    v1::ReportCreditLineResponse resp;
    const auto st = bank.ReportCreditLine(req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(st.error_message().rfind(std::string(c.field) + ": ", 0), 0u) << st.error_message();
  }
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

}  // namespace
}  // namespace creditshare::testing
