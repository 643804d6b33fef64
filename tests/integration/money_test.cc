// Money as members' feeds can send it: amounts whose sum exceeds int64, currencies that do not
// exist, and implausible figures. One member's data must never switch the caps off for others.
#include <gtest/gtest.h>

#include <limits>

#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

constexpr long kHuge = 4'000'000'000'000'000'000;  // 4e18 fen: three of them exceed INT64_MAX

class MoneyTest : public ::testing::Test {
 protected:
  TestService svc;

  grpc::Status Report(const char* member, v1::ReportCreditLineRequest req) {
    v1::ReportCreditLineResponse resp;
    return svc.ClientFor(member).ReportCreditLine(req, &resp);
  }
};

std::vector<int> SignalCodes(const v1::CheckNewCreditResponse& r) {
  std::vector<int> out;
  for (const auto& s : r.signals()) out.push_back(s.code());
  return out;
}

TEST_F(MoneyTest, TotalsBeyondInt64AreFlaggedNotWrappedAndCapsStillRefuse) {
  // Each line is accepted (online micro-loans have no plausibility bound in the test policy).
  int n = 0;
  for (const char* member : {TestService::kBankA, TestService::kMicroB, TestService::kBankA}) {
    ++n;
    const auto st = Report(member, LineRequest("huge-" + std::to_string(n), "H-" + std::to_string(n), kBorrower,
                                               kHuge, kHuge / 2));
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  v1::GetBorrowerExposureResponse e;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
  ASSERT_EQ(e.summary().totals_size(), 1);
  const auto& cny = e.summary().totals(0);
  EXPECT_TRUE(cny.saturated());
  EXPECT_EQ(cny.credit_limit_minor(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(cny.outstanding_balance_minor(), 3 * (kHuge / 2));  // 6e18 still fits, exactly

  // The caps still see the exact sum: a check signals both caps, a reservation is refused.
  v1::CheckNewCreditResponse check;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC)
                  .CheckNewCredit(CheckRequest(kBorrower, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 100), &check)
                  .ok());
  const auto codes = SignalCodes(check);
  EXPECT_NE(std::find(codes.begin(), codes.end(), v1::SIGNAL_CODE_PRODUCT_CAP_EXCEEDED), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), v1::SIGNAL_CODE_TOTAL_CAP_EXCEEDED), codes.end());
  EXPECT_TRUE(check.projected_limits_saturated());
  EXPECT_EQ(check.projected_total_limit_minor(), std::numeric_limits<std::int64_t>::max());
  v1::ReserveCreditResponse reserved;
  const auto st = svc.ClientFor(TestService::kFinanceC).ReserveCredit(ReserveRequest("rsv-1", kBorrower, 100), &reserved);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_EQ(st.error_message().rfind("amount_minor: ", 0), 0u) << st.error_message();
}

TEST_F(MoneyTest, ACurrencyThatIsNotActiveIso4217IsRefusedAndNothingStored) {
  svc.ClientFor(TestService::kBankA);  // its credential is issued on first use
  const auto before = svc.db().DumpAllTables();
  for (const char* code : {"ZZZ", "XAU", "cny", "CN"}) {
    auto req = LineRequest(std::string("cur-") + code, "C-1", kBorrower, 1000, 10);
    req.mutable_line()->set_currency(code);
    const auto st = Report(TestService::kBankA, req);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << code;
    EXPECT_EQ(st.error_message().rfind("line.currency: ", 0), 0u) << st.error_message();
  }
  auto check = CheckRequest(kBorrower, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 100);
  check.set_currency("ZZZ");
  v1::CheckNewCreditResponse resp;
  const auto st = svc.ClientFor(TestService::kBankA).CheckNewCredit(check, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message().rfind("currency: ", 0), 0u) << st.error_message();
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(MoneyTest, ImplausibleFiguresAreRefusedNamingTheFieldAndBoundsFollowTheCurrencysExponent) {
  auto card = [](const std::string& id, const std::string& currency, long limit, long balance) {
    auto r = LineRequest(id, "CARD-" + id, kBorrower, limit, balance);
    r.mutable_line()->set_product_type(v1::PRODUCT_TYPE_CREDIT_CARD);
    r.mutable_line()->set_currency(currency);
    return r;
  };
  svc.ClientFor(TestService::kBankA);  // its credential is issued on first use
  const auto before = svc.db().DumpAllTables();
  auto st = Report(TestService::kBankA, card("c1", "CNY", 100'000'001, 0));  // 1,000,000.01 CNY
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message().rfind("line.credit_limit_minor: ", 0), 0u) << st.error_message();
  st = Report(TestService::kBankA, card("c2", "JPY", 1'000'001, 0));  // JPY has no minor unit
  EXPECT_EQ(st.error_message().rfind("line.credit_limit_minor: ", 0), 0u) << st.error_message();
  st = Report(TestService::kBankA, card("c3", "CNY", 1'000'000, 1'500'001));  // over 150 % of the limit
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message().rfind("line.outstanding_balance_minor: ", 0), 0u) << st.error_message();
  EXPECT_EQ(svc.db().DumpAllTables(), before);

  // Just inside the bounds: accepted.
  EXPECT_TRUE(Report(TestService::kBankA, card("c4", "JPY", 1'000'000, 1'500'000)).ok());
  EXPECT_TRUE(Report(TestService::kBankA, card("c5", "KWD", 1'000'000'000, 0)).ok());  // 1,000,000.000 KWD
}

TEST_F(MoneyTest, AProposalInACurrencyWithNoCapSaysSoInsteadOfPassingUnchecked) {
  auto check = CheckRequest(kBorrower, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 1'000'000'000);
  check.set_currency("USD");
  v1::CheckNewCreditResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).CheckNewCredit(check, &resp).ok());
  EXPECT_EQ(SignalCodes(resp), std::vector<int>{v1::SIGNAL_CODE_NO_CAP_FOR_CURRENCY});
  auto reserve = ReserveRequest("usd-1", kBorrower, 1'000'000'000);
  reserve.set_currency("USD");
  v1::ReserveCreditResponse reserved;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(reserve, &reserved).ok());
  ASSERT_EQ(reserved.warnings_size(), 1);
  EXPECT_NE(reserved.warnings(0).find("USD"), std::string::npos) << reserved.warnings(0);
}

}  // namespace
}  // namespace creditshare::testing
