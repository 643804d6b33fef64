// GetBorrowerExposure across members, masking of other lenders, and the guarantee that raw
// resident IDs reach neither a table nor a log line.
#include <gtest/gtest.h>

#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

class InquiryTest : public ::testing::Test {
 protected:
  TestService svc;

  void Report(const char* member, const v1::ReportCreditLineRequest& req) {
    v1::ReportCreditLineResponse resp;
    const auto st = svc.ClientFor(member).ReportCreditLine(req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // Member A reports two lines and member B one, all for kBorrower; kOtherBorrower has one more.
  void ReportScenario() {
    auto a2 = LineRequest("a-2", "A-LOAN-2", kBorrower, 12'000'000, 9'600'000);
    a2.mutable_line()->set_product_type(v1::PRODUCT_TYPE_INSTALMENT_CONSUMER_LOAN);
    auto b1 = LineRequest("b-1", "B-ML-1", kBorrower, 3'000'000, 2'900'000);
    b1.mutable_line()->set_days_past_due(12);
    b1.mutable_line()->set_overdue_amount_minor(150'000);
    *b1.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 10, 19);
    Report(TestService::kBankA, LineRequest("a-1", "A-CARD-1", kBorrower, 5'000'000, 820'050));
    Report(TestService::kBankA, a2);
    Report(TestService::kMicroB, b1);
    Report(TestService::kMicroB, LineRequest("b-2", "B-ML-2", kOtherBorrower, 777, 1));
  }

  v1::GetBorrowerExposureResponse Exposure(const char* member, const std::string& id = kBorrower) {
    v1::GetBorrowerExposureResponse resp;
    const auto st = svc.ClientFor(member).GetBorrowerExposure(ExposureRequest(id), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }
};

TEST_F(InquiryTest, ThirdLenderSeesTotalsAcrossAllMembersWithLendersMasked) {
  ReportScenario();
  const auto e = Exposure(TestService::kFinanceC);
  EXPECT_EQ(e.summary().open_line_count(), 3);
  EXPECT_EQ(e.summary().distinct_lender_count(), 2);
  EXPECT_EQ(e.summary().worst_days_past_due(), 12);
  ASSERT_EQ(e.summary().totals_size(), 1);
  EXPECT_EQ(e.summary().totals(0).currency(), "CNY");
  EXPECT_EQ(e.summary().totals(0).credit_limit_minor(), 5'000'000 + 12'000'000 + 3'000'000);
  EXPECT_EQ(e.summary().totals(0).outstanding_balance_minor(), 820'050 + 9'600'000 + 2'900'000);
  EXPECT_EQ(e.summary().totals(0).overdue_amount_minor(), 150'000);
  ASSERT_EQ(e.lines_size(), 3);
  for (const auto& l : e.lines()) {
    EXPECT_FALSE(l.own_line());
    EXPECT_TRUE(l.account_reference().empty());
    EXPECT_TRUE(l.member_code().empty());
    EXPECT_GT(l.lender_ordinal(), 0);
    EXPECT_NE(l.lender_type(), v1::MEMBER_TYPE_UNSPECIFIED);
  }
  // A's two lines share an ordinal; B's line has the other.
  int bank_lines = 0;
  for (const auto& l : e.lines()) bank_lines += l.lender_type() == v1::MEMBER_TYPE_BANK;
  EXPECT_EQ(bank_lines, 2);
  EXPECT_EQ(e.DebugString().find("A-CARD-1"), std::string::npos);
  EXPECT_EQ(e.DebugString().find(TestService::kBankA), std::string::npos);
}

TEST_F(InquiryTest, OwnLinesComeBackInFullToTheirReporter) {
  ReportScenario();
  const auto e = Exposure(TestService::kBankA);
  ASSERT_EQ(e.lines_size(), 3);
  EXPECT_TRUE(e.lines(0).own_line());
  EXPECT_TRUE(e.lines(1).own_line());
  EXPECT_FALSE(e.lines(2).own_line());
  std::set<std::string> refs{e.lines(0).account_reference(), e.lines(1).account_reference()};
  EXPECT_EQ(refs, (std::set<std::string>{"A-CARD-1", "A-LOAN-2"}));
  EXPECT_EQ(e.lines(0).member_code(), TestService::kBankA);
  EXPECT_EQ(e.lines(0).lender_ordinal(), 0);
  EXPECT_TRUE(e.lines(2).account_reference().empty());
  EXPECT_EQ(e.lines(2).lender_type(), v1::MEMBER_TYPE_MICRO_LENDER);
  EXPECT_EQ(e.lines(2).days_past_due(), 12);
}

TEST_F(InquiryTest, UnknownBorrowerHasAnEmptyExposure) {
  const auto e = Exposure(TestService::kFinanceC);
  EXPECT_EQ(e.summary().open_line_count(), 0);
  EXPECT_EQ(e.lines_size(), 0);
  EXPECT_EQ(svc.db().Count("borrowers"), 0);  // a query does not create a borrower
}

TEST_F(InquiryTest, QueryValidationNamesTheField) {
  struct Case {
    std::function<void(v1::GetBorrowerExposureRequest&)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.set_resident_id("120101199003071236"); }, "resident_id"},
      {[](auto& r) { r.clear_resident_id(); }, "resident_id"},
      {[](auto& r) { r.clear_purpose(); }, "purpose"},
      {[](auto& r) { r.set_purpose(static_cast<v1::Purpose>(17)); }, "purpose"},
      {[](auto& r) { r.clear_consent_reference(); }, "consent_reference"},
      {[](auto& r) { r.set_consent_reference(std::string(129, 'c')); }, "consent_reference"},
  };
  for (const auto& c : cases) {
    auto req = ExposureRequest(kBorrower);
    c.mutate(req);
    v1::GetBorrowerExposureResponse resp;
    const auto st = svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(st.error_message().rfind(std::string(c.field) + ": ", 0), 0u) << st.error_message();
  }
}

TEST_F(InquiryTest, NoRawResidentIdInAnyTableOrLogLine) {
  std::string log;
  {
    StderrCapture capture;
    ReportScenario();
    Exposure(TestService::kFinanceC);
    Exposure(TestService::kBankA, kOtherBorrower);
    // Refused calls too: their errors must not echo the ID either.
    v1::ReportCreditLineResponse resp;
    (void)svc.ClientFor(TestService::kBankA).ReportCreditLine(LineRequest("x", "A-CARD-1", kOtherBorrower, 1, 0), &resp);
    log = capture.text();
  }
  EXPECT_NE(log.find("event=rpc"), std::string::npos) << "the capture saw no log lines";
  const auto rows = svc.db().DumpAllTables(/*include_audit=*/true);
  ASSERT_FALSE(rows.empty());
  for (const std::string id : {kBorrower, kOtherBorrower}) {
    // Neither the full ID nor its 17-digit body (which determines it) may appear.
    const std::string body = id.substr(0, 17);
    for (const auto& row : rows) EXPECT_EQ(row.find(body), std::string::npos) << row;
    EXPECT_EQ(log.find(body), std::string::npos);
  }
}

}  // namespace
}  // namespace creditshare::testing
