#include "domain/decision.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};
constexpr std::uint64_t kCaller = 1;

BorrowerLine Line(std::uint64_t member, ProductType product, std::int64_t limit, Date opened = {2025, 1, 1},
                  LineStatus status = LineStatus::kOpen) {
  BorrowerLine b;
  b.member_id = member;
  b.member_type = MemberType::kBank;
  b.public_id = "l" + std::to_string(member) + std::to_string(limit);
  b.line.product_type = product;
  b.line.currency = "CNY";
  b.line.credit_limit_minor = limit;
  b.line.opened_date = opened;
  b.line.status = status;
  b.line.as_of_date = {2026, 10, 31};
  return b;
}

ActiveReservation Reservation(std::uint64_t member, ProductType product, std::int64_t amount) {
  return {member, MemberType::kMicroLender, "r" + std::to_string(member), product, "CNY", amount, 0};
}

CreditPolicy Policy() {
  CreditPolicy p;
  p.caps_by_currency["CNY"].product_caps_minor[ProductType::kOnlineMicroLoan] = 30'000'000;
  p.caps_by_currency["CNY"].overall_cap_minor = 100'000'000;
  p.max_lenders = 3;
  return p;
}

std::vector<SignalCode> Codes(const std::vector<Signal>& signals) {
  std::vector<SignalCode> out;
  for (const auto& s : signals) out.push_back(s.code);
  return out;
}

TEST(ProjectTest, AddsOpenLinesReservationsAndTheProposalInItsCurrency) {
  auto usd = Line(3, ProductType::kOnlineMicroLoan, 999);
  usd.line.currency = "USD";
  const auto p = Project({Line(2, ProductType::kOnlineMicroLoan, 10'000'000),
                          Line(2, ProductType::kCreditCard, 5'000'000),
                          Line(4, ProductType::kOnlineMicroLoan, 7, {2020, 1, 1}, LineStatus::kClosed), usd},
                         {Reservation(5, ProductType::kOnlineMicroLoan, 3'000'000)}, kCaller,
                         {ProductType::kOnlineMicroLoan, "CNY", 2'000'000});
  EXPECT_EQ(p.product_limit_minor, 15'000'000);
  EXPECT_EQ(p.total_limit_minor, 20'000'000);
  EXPECT_EQ(p.lender_count, 4);  // members 2, 3, 5 and the caller; the closed line's member does not count
}

TEST(CheckCapsTest, NamesTheProductCapThenTheOverallCap) {
  const NewCredit micro{ProductType::kOnlineMicroLoan, "CNY", 1};
  Projection p{50'000'000, 30'000'001, 2};
  auto breach = CheckCaps(p, micro, Policy(), "amount_minor");
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(breach->field, "amount_minor");
  EXPECT_EQ(breach->message, "would exceed the online_micro_loan cap of 300000.00 CNY per borrower (projected 300000.01 CNY)");
  p = {100'000'001, 1, 2};
  EXPECT_NE(CheckCaps(p, micro, Policy(), "amount_minor")->message.find("overall cap of 1000000.00 CNY"), std::string::npos);
  p = {100'000'000, 30'000'000, 2};
  EXPECT_FALSE(CheckCaps(p, micro, Policy(), "amount_minor"));
  EXPECT_FALSE(CheckCaps({999'999'999, 999'999'999, 1}, {ProductType::kOnlineMicroLoan, "USD", 1}, Policy(), "x"));
}

TEST(ProjectTest, SumsLimitsExactlyBeyondInt64) {
  const auto p = Project({Line(2, ProductType::kOnlineMicroLoan, 4'000'000'000'000'000'000),
                          Line(3, ProductType::kOnlineMicroLoan, 4'000'000'000'000'000'000),
                          Line(4, ProductType::kCreditCard, 4'000'000'000'000'000'000)},
                         {Reservation(5, ProductType::kOnlineMicroLoan, 4'000'000'000'000'000'000)}, kCaller,
                         {ProductType::kOnlineMicroLoan, "CNY", 1});
  EXPECT_EQ(p.total_limit_minor, MoneySum(4'000'000'000'000'000'000) * 4 + 1);
  EXPECT_EQ(p.product_limit_minor, MoneySum(4'000'000'000'000'000'000) * 3 + 1);
}

TEST(CheckCapsTest, StillRefusesWhenTheLinesSumExceedsInt64) {
  // Three lines of 4e18 sum to 1.2e19, past INT64_MAX: a wrapping sum would be negative and pass.
  const std::vector<BorrowerLine> lines = {Line(2, ProductType::kOnlineMicroLoan, 4'000'000'000'000'000'000),
                                           Line(3, ProductType::kOnlineMicroLoan, 4'000'000'000'000'000'000),
                                           Line(4, ProductType::kOnlineMicroLoan, 4'000'000'000'000'000'000)};
  const NewCredit proposal{ProductType::kOnlineMicroLoan, "CNY", 1};
  auto breach = CheckCaps(Project(lines, {}, kCaller, proposal), proposal, Policy(), "amount_minor");
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->message,
            "would exceed the online_micro_loan cap of 300000.00 CNY per borrower (projected 120000000000000000.01 CNY)");
  CreditPolicy overall_only;
  overall_only.caps_by_currency["CNY"].overall_cap_minor = 100'000'000;
  EXPECT_TRUE(CheckCaps(Project(lines, {}, kCaller, proposal), proposal, overall_only, "amount_minor"));
}

TEST(CheckCapsTest, AppliesTheCapsOfTheProposalsCurrencyInItsMinorUnits) {
  CreditPolicy policy = Policy();
  policy.caps_by_currency["JPY"].overall_cap_minor = 5'000'000;  // yen have no minor unit
  const NewCredit yen{ProductType::kCreditCard, "JPY", 1};
  auto breach = CheckCaps({5'000'001, 0, 1}, yen, policy, "amount_minor");
  ASSERT_TRUE(breach);
  EXPECT_EQ(breach->message, "would exceed the overall cap of 5000000 JPY per borrower (projected 5000001 JPY)");
  EXPECT_FALSE(CheckCaps({5'000'000, 0, 1}, yen, policy, "amount_minor"));
  // The CNY cap does not apply to yen, nor the yen cap to CNY.
  EXPECT_FALSE(CheckCaps({5'000'001, 0, 1}, {ProductType::kCreditCard, "CNY", 1}, policy, "amount_minor"));
}

TEST(EvaluateNewCreditTest, ProposalInACurrencyWithoutCapsIsFlaggedWhenOthersAreCapped) {
  const NewCredit usd{ProductType::kOnlineMicroLoan, "USD", 100};
  const auto exposure = BuildExposure({}, {}, {}, kCaller, kToday);
  const auto signals = EvaluateNewCredit(exposure, Project({}, {}, kCaller, usd), usd, Policy(), kToday);
  ASSERT_EQ(Codes(signals), std::vector<SignalCode>{SignalCode::kNoCapForCurrency});
  EXPECT_EQ(signals[0].message,
            "The policy configures no cap for USD (only for CNY); limits in it are not checked against any cap.");
  EXPECT_EQ(NoCapForCurrency(Policy(), "USD"), signals[0].message);
}

TEST(EvaluateNewCreditTest, NoCapSignalNeitherForACappedCurrencyNorWithoutAnyCaps) {
  const auto exposure = BuildExposure({}, {}, {}, kCaller, kToday);
  const NewCredit cny{ProductType::kOnlineMicroLoan, "CNY", 100};
  EXPECT_TRUE(EvaluateNewCredit(exposure, Project({}, {}, kCaller, cny), cny, Policy(), kToday).empty());
  const NewCredit usd{ProductType::kOnlineMicroLoan, "USD", 100};
  EXPECT_TRUE(EvaluateNewCredit(exposure, Project({}, {}, kCaller, usd), usd, CreditPolicy{}, kToday).empty());
  EXPECT_FALSE(NoCapForCurrency(CreditPolicy{}, "USD"));
  EXPECT_FALSE(NoCapForCurrency(Policy(), "CNY"));
}

TEST(EvaluateNewCreditTest, RaisesEverySignalThatApplies) {
  std::vector<BorrowerLine> lines = {Line(2, ProductType::kOnlineMicroLoan, 29'000'000, {2026, 11, 1}),
                                     Line(3, ProductType::kCreditCard, 60'000'000),
                                     Line(4, ProductType::kMortgage, 20'000'000)};
  lines[1].line.days_past_due = 45;
  lines[1].line.overdue_amount_minor = 100;
  lines[1].line.collections_stage = CollectionsStage::kAgency;
  lines[2].restructure_count = 1;
  lines[2].line.charged_off_amount_minor = 5;
  lines[2].disputed = true;
  const std::vector<ActiveReservation> reservations;
  const NewCredit proposal{ProductType::kOnlineMicroLoan, "CNY", 2'000'000};
  const auto projection = Project(lines, reservations, kCaller, proposal);
  const auto exposure = BuildExposure(lines, reservations, {3, 3, 4}, kCaller, kToday);
  const auto codes = Codes(EvaluateNewCredit(exposure, projection, proposal, Policy(), kToday));
  for (auto expected : {SignalCode::kProductCapExceeded, SignalCode::kTotalCapExceeded, SignalCode::kLenderCountExceeded,
                        SignalCode::kDuplicateSuspected, SignalCode::kCurrentlyDelinquent, SignalCode::kRestructured,
                        SignalCode::kInCollections, SignalCode::kChargedOff, SignalCode::kMultiLenderApplications,
                        SignalCode::kDisputedRecord})
    EXPECT_NE(std::find(codes.begin(), codes.end(), expected), codes.end()) << static_cast<int>(expected);
}

TEST(EvaluateNewCreditTest, CleanBorrowerRaisesNothingAndOldLinesAreNoDuplicates) {
  const std::vector<BorrowerLine> lines = {Line(2, ProductType::kOnlineMicroLoan, 1'000'000, {2026, 10, 23})};
  const NewCredit proposal{ProductType::kOnlineMicroLoan, "CNY", 1'000'000};
  const auto exposure = BuildExposure(lines, {}, {}, kCaller, kToday);
  EXPECT_TRUE(EvaluateNewCredit(exposure, Project(lines, {}, kCaller, proposal), proposal, Policy(), kToday).empty());
}

TEST(EvaluateNewCreditTest, AnotherMembersReservationOfTheSameProductIsADuplicate) {
  const std::vector<ActiveReservation> reservations = {Reservation(7, ProductType::kOnlineMicroLoan, 100)};
  const NewCredit proposal{ProductType::kOnlineMicroLoan, "CNY", 100};
  const auto exposure = BuildExposure({}, reservations, {}, kCaller, kToday);
  EXPECT_EQ(Codes(EvaluateNewCredit(exposure, Project({}, reservations, kCaller, proposal), proposal, Policy(), kToday)),
            std::vector<SignalCode>{SignalCode::kDuplicateSuspected});
  // The caller's own reservation is not a duplicate of its own approval.
  const auto own = BuildExposure({}, {Reservation(kCaller, ProductType::kOnlineMicroLoan, 100)}, {}, kCaller, kToday);
  EXPECT_TRUE(EvaluateNewCredit(own, Projection{}, proposal, Policy(), kToday).empty());
}

TEST(RetentionTest, NegativeInformationDisappearsFiveYearsAfterItEnded) {
  BorrowerLine l = Line(2, ProductType::kCreditCard, 100, {2018, 1, 1}, LineStatus::kClosed);
  l.line.first_delinquency_date = Date{2019, 3, 1};
  l.line.charged_off_amount_minor = 50;
  l.line.classification = LoanClassification::kLoss;
  // 7 and G (charged off, still delinquent), then closed on 2021-11-23: the episode ended then.
  l.months = {{{2021, 9, 30}, '7', true, true}, {{2021, 10, 31}, 'G', true, true}, {{2021, 11, 23}, 'C', false, false}};
  auto shown = BuildExposure({l}, {}, {}, kCaller, {2026, 11, 22});
  EXPECT_EQ(shown.lines[0].repayment_history, "7GC");
  EXPECT_TRUE(shown.summary.charged_off);
  auto expired = BuildExposure({l}, {}, {}, kCaller, {2026, 11, 23});
  EXPECT_EQ(expired.lines[0].repayment_history, "C");  // as after the purge: the episode's months are gone
  EXPECT_FALSE(expired.lines[0].line.first_delinquency_date);
  EXPECT_EQ(expired.lines[0].line.charged_off_amount_minor, 0);
  EXPECT_EQ(expired.lines[0].line.classification, LoanClassification::kUnspecified);
  EXPECT_FALSE(expired.summary.charged_off);
}

TEST(BuildExposureTest, ReservationsAreMaskedAndShareOrdinalsWithLines) {
  const auto e = BuildExposure({Line(2, ProductType::kCreditCard, 100)},
                               {Reservation(2, ProductType::kOnlineMicroLoan, 40), Reservation(kCaller, ProductType::kAutoLoan, 60)},
                               {}, kCaller, kToday);
  ASSERT_EQ(e.reservations.size(), 2u);
  EXPECT_EQ(e.summary.active_reservation_count, 2);
  EXPECT_EQ(e.summary.totals[0].reserved_minor, 100);
  for (const auto& r : e.reservations) {
    if (r.own) {
      EXPECT_EQ(r.reservation_id, "r1");
    } else {
      EXPECT_TRUE(r.reservation_id.empty());
      EXPECT_EQ(r.lender_ordinal, e.lines[0].lender_ordinal);
    }
  }
}

}  // namespace
}  // namespace creditshare::domain

namespace creditshare::domain {
namespace {

TEST(EvaluateNewCreditTest, AFraudAlertInForceAsksForIdentityVerificationNamingItsLastDay) {
  const NewCredit proposal{ProductType::kOnlineMicroLoan, "CNY", 100};
  auto exposure = BuildExposure({}, {}, {}, 1, {2026, 11, 23});
  EXPECT_TRUE(EvaluateNewCredit(exposure, Project({}, {}, 1, proposal), proposal, CreditPolicy{}, {2026, 11, 23}).empty());
  Protections p;
  p.fraud_alert = FraudAlertKind::kExtended;
  p.fraud_alert_until = FraudAlertUntil(FraudAlertKind::kExtended, {2026, 11, 23});
  exposure.protections = Shown(p, {2026, 11, 23});
  const auto signals = EvaluateNewCredit(exposure, Project({}, {}, 1, proposal), proposal, CreditPolicy{}, {2026, 11, 23});
  ASSERT_EQ(signals.size(), 1u);
  EXPECT_EQ(signals[0].code, SignalCode::kFraudAlert);
  EXPECT_NE(signals[0].message.find("2033-11-22"), std::string::npos) << signals[0].message;
  exposure.protections = Shown(p, {2033, 11, 23});  // the day after its last: gone
  EXPECT_TRUE(EvaluateNewCredit(exposure, Project({}, {}, 1, proposal), proposal, CreditPolicy{}, {2033, 11, 23}).empty());
}

}  // namespace
}  // namespace creditshare::domain
