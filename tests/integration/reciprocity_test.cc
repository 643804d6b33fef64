// Member governance over the real server. Reciprocity: a member in its grace period may inquire,
// a lapsed one is refused with the reason and the day its right lapsed (and audited), reporting
// restores the right, an operator's exemption lifts the rule; post-loan and self queries are never
// refused. Rate bounds: a member past its inquiries or reports a minute is told when to retry.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

class ReciprocityTest : public ::testing::Test {
 protected:
  static void WritePolicy(ServerConfig& c) {
    c.policy_file = (std::filesystem::path(c.tls_cert_file).parent_path() / "reciprocity-policy.json").string();
    std::ofstream(c.policy_file) << R"({"reciprocity": {"report_window_days": 45, "grace_days": 60}})";
    c.auth_cache_ttl = std::chrono::milliseconds(0);  // each call reads the member's standing afresh
  }
  TestService svc{std::nullopt, false, 10, &WritePolicy};

  grpc::Status Exposure(const char* member, v1::Purpose purpose = v1::PURPOSE_LOAN_APPROVAL) {
    v1::GetBorrowerExposureResponse resp;
    return svc.ClientFor(member).GetBorrowerExposure(ExposureRequest(kBorrower, purpose), &resp);
  }
  void Sql(const std::string& statement) { svc.db().conn().Execute(statement); }
  admin::Onboarding& onboarding() { return svc.onboarding(); }
};

TEST_F(ReciprocityTest, GraceLapseReportAndExemption) {
  // In its grace period (onboarded today): allowed without a report.
  EXPECT_TRUE(Exposure(TestService::kFinanceC).ok());

  // Onboarded on 2026-08-01 and never reported: the grace ended 2026-09-30 (test clock: 2026-11-23).
  Sql("UPDATE members SET created_at = '2026-08-01 12:00:00' WHERE code = 'finance-c'");
  const auto lapsed = Exposure(TestService::kFinanceC);
  EXPECT_EQ(lapsed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(lapsed.error_message().find("since it was onboarded on 2026-08-01"), std::string::npos)
      << lapsed.error_message();
  EXPECT_NE(lapsed.error_message().find("lapsed on 2026-10-01"), std::string::npos) << lapsed.error_message();
  for (const auto purpose : {v1::PURPOSE_CREDIT_CARD_APPROVAL, v1::PURPOSE_GUARANTEE_REVIEW})
    EXPECT_EQ(Exposure(TestService::kFinanceC, purpose).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::CheckNewCreditResponse check;
  EXPECT_EQ(svc.ClientFor(TestService::kFinanceC)
                .CheckNewCredit(CheckRequest(kBorrower, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 100'000), &check)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Exposure(TestService::kFinanceC, v1::PURPOSE_SELF_QUERY).ok()) << "not an application";
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'GetBorrowerExposure' AND result_code = 7"), 3)
      << "every refusal is audited";
  EXPECT_EQ(svc.db().Count("inquiries"), 2) << "refused inquiries record nothing (the allowed two do)";

  // An old report only: the right lapsed 45 days after it.
  Sql("INSERT INTO member_report_days (member_id, day) SELECT id, '2026-09-01' FROM members WHERE code = 'finance-c'");
  const auto old_report = Exposure(TestService::kFinanceC);
  EXPECT_EQ(old_report.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(old_report.error_message().find("since 2026-09-01"), std::string::npos) << old_report.error_message();
  EXPECT_NE(old_report.error_message().find("lapsed on 2026-10-17"), std::string::npos) << old_report.error_message();

  // Reporting a line restores it at once, and the report's day is recorded in its transaction.
  v1::ReportCreditLineResponse reported;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC)
                  .ReportCreditLine(LineRequest("rc-1", "F-1", kOtherBorrower, 100'000, 0), &reported)
                  .ok());
  EXPECT_EQ(svc.db().Count("member_report_days d JOIN members m ON m.id = d.member_id "
                           "WHERE m.code = 'finance-c' AND d.day = '2026-11-23'"),
            1);
  EXPECT_TRUE(Exposure(TestService::kFinanceC).ok());

  // Lapsed again, then exempted by an operator (recorded), then required again.
  Sql("DELETE d FROM member_report_days d JOIN members m ON m.id = d.member_id WHERE m.code = 'finance-c'");
  EXPECT_EQ(Exposure(TestService::kFinanceC).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(onboarding().SetReciprocityExempt(TestService::kFinanceC, true).ok());
  EXPECT_TRUE(Exposure(TestService::kFinanceC).ok());
  EXPECT_EQ(svc.db().Count("admin_actions WHERE action = 'member.reciprocity_exempt' AND target = 'finance-c'"), 1);
  ASSERT_TRUE(onboarding().SetReciprocityExempt(TestService::kFinanceC, false).ok());
  EXPECT_EQ(Exposure(TestService::kFinanceC).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(onboarding().SetReciprocityExempt("no-such-member", true).ok());
}

TEST_F(ReciprocityTest, BulkReportsCountAndPostLoanManagementIsNeverRefused) {
  Sql("UPDATE members SET created_at = '2026-08-01 12:00:00' WHERE code = 'bank-a'");
  int n = 0;
  const auto st = svc.ClientFor(TestService::kBankA).BulkReportCreditLines(
      [&](v1::BulkLineRecord* r) {
        if (n >= 3) return false;
        const auto line = LineRequest("", "A-" + std::to_string(n), kBorrower, 100'000, 0);
        r->set_sequence(n);
        r->set_request_id("bk-" + std::to_string(n));
        *r->mutable_line() = line.line();
        ++n;
        return true;
      },
      3, [](const v1::BulkRecordResult&) {});
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(Exposure(TestService::kBankA).ok());
  Sql("DELETE d FROM member_report_days d JOIN members m ON m.id = d.member_id WHERE m.code = 'bank-a'");
  EXPECT_EQ(Exposure(TestService::kBankA).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Exposure(TestService::kBankA, v1::PURPOSE_POST_LOAN_MANAGEMENT).ok()) << "it holds lines: post-loan";
}

TEST(MemberRateTest, AMemberPastItsInquiriesOrReportsAMinuteGetsRetryInfoAndOthersAreUntouched) {
  TestService svc(std::nullopt, /*metrics_endpoint=*/true, 10, [](ServerConfig& c) {
    c.member_limits = {"micro_lender:inquiries=3", "member=bank-a:reports=2"};
  });
  auto exposure = [&](const char* member) {
    v1::GetBorrowerExposureResponse resp;
    return svc.ClientFor(member).GetBorrowerExposure(ExposureRequest(kBorrower), &resp);
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(exposure(TestService::kMicroB).ok()) << i;
  const auto throttled = exposure(TestService::kMicroB);
  ASSERT_EQ(throttled.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(throttled.error_message().find("3 inquiries a minute"), std::string::npos) << throttled.error_message();
  const auto delay = RetryDelay(throttled);
  ASSERT_TRUE(delay.has_value());
  EXPECT_GT(*delay, std::chrono::seconds(15));  // 3 a minute: a token every 20 s
  EXPECT_LE(*delay, std::chrono::seconds(20));
  v1::CheckNewCreditResponse check;
  EXPECT_EQ(svc.ClientFor(TestService::kMicroB)
                .CheckNewCredit(CheckRequest(kBorrower, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 1000), &check)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED)
      << "checks spend the same bucket";
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(exposure(TestService::kFinanceC).ok()) << "another member is not bounded";
  EXPECT_EQ(svc.db().Count("inquiries"), 8);

  v1::ReportCreditLineResponse r;
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                    .ReportCreditLine(LineRequest("rt-" + std::to_string(i), "A-" + std::to_string(i), kBorrower, 1000, 0), &r)
                    .ok());
  const auto report = svc.ClientFor(TestService::kBankA)
                          .ReportCreditLine(LineRequest("rt-9", "A-9", kBorrower, 1000, 0), &r);
  EXPECT_EQ(report.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(RetryDelay(report).has_value());
  EXPECT_EQ(svc.db().Count("credit_lines"), 2) << "a refused report changes nothing";
  const auto metrics = HttpGet(svc.server().metrics_port(), "/metrics");
  EXPECT_NE(metrics.find(R"(creditshare_rpc_throttled_total{bound="inquiry_rate",method="GetBorrowerExposure"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(bound="report_rate")"), std::string::npos);
}

TEST(QualityGateTest, RulesRefuseOrWarnOnBothWritePathsAndAReplayRepeatsTheWarnings) {
  TestService svc(std::nullopt, /*metrics_endpoint=*/true, 10, [](ServerConfig& c) {
    c.policy_file = (std::filesystem::path(c.tls_cert_file).parent_path() / "quality-policy.json").string();
    std::ofstream(c.policy_file) << R"({"quality": {"overdue_without_days_past_due": "warn",
        "stale_as_of": "refuse", "stale_as_of_days": 60}})";
  });
  auto& bank = svc.ClientFor(TestService::kBankA);
  auto warned = LineRequest("q-1", "Q-1", kBorrower, 100'000, 50'000);
  warned.mutable_line()->set_overdue_amount_minor(1'000);
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(bank.ReportCreditLine(warned, &resp).ok());
  ASSERT_EQ(resp.warnings_size(), 1);
  EXPECT_EQ(resp.warnings(0).rule(), "overdue_without_days_past_due");
  EXPECT_EQ(resp.warnings(0).field(), "line.days_past_due");
  EXPECT_FALSE(resp.warnings(0).message().empty());
  v1::ReportCreditLineResponse replay;
  ASSERT_TRUE(bank.ReportCreditLine(warned, &replay).ok());
  EXPECT_EQ(replay.warnings_size(), 1) << "a replay answers what the first call answered";

  const auto stale = bank.ReportCreditLine(LineRequest("q-2", "Q-2", kBorrower, 100'000, 0, MakeDate(2026, 9, 1)), &resp);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(stale.error_message().find("line.as_of_date"), std::string::npos) << stale.error_message();
  EXPECT_NE(stale.error_message().find("quality rule stale_as_of"), std::string::npos) << stale.error_message();
  EXPECT_EQ(svc.db().Count("credit_lines"), 1) << "a refused record changes nothing";

  int n = 0;
  std::vector<v1::BulkRecordResult> results;
  const auto st = bank.BulkReportCreditLines(
      [&](v1::BulkLineRecord* r) {
        if (n >= 3) return false;
        auto line = LineRequest("", "QB-" + std::to_string(n), kBorrower, 100'000, 50'000,
                                n == 2 ? MakeDate(2026, 8, 31) : MakeDate(2026, 10, 31));
        if (n == 1) line.mutable_line()->set_overdue_amount_minor(500);
        r->set_sequence(n);
        r->set_request_id("qb-" + std::to_string(n));
        *r->mutable_line() = line.line();
        ++n;
        return true;
      },
      3, [&](const v1::BulkRecordResult& r) { results.push_back(r); });
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status(), v1::BULK_RECORD_STATUS_ACCEPTED);
  EXPECT_EQ(results[0].warnings_size(), 0);
  EXPECT_EQ(results[1].status(), v1::BULK_RECORD_STATUS_ACCEPTED);
  ASSERT_EQ(results[1].warnings_size(), 1);
  EXPECT_EQ(results[1].warnings(0).rule(), "overdue_without_days_past_due");
  EXPECT_EQ(results[2].status(), v1::BULK_RECORD_STATUS_REJECTED);
  EXPECT_EQ(results[2].field(), "line.as_of_date");
  const auto metrics = HttpGet(svc.server().metrics_port(), "/metrics");
  EXPECT_NE(metrics.find(R"(creditshare_quality_warnings_total{rule="overdue_without_days_past_due"} 2)"),
            std::string::npos);
}

}  // namespace
}  // namespace creditshare::testing
