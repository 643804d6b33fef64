#include "domain/protection.h"

#include <gtest/gtest.h>

namespace creditshare::domain {
namespace {

TEST(ProtectionTest, FraudAlertsLastOneOrSevenYearsToTheDay) {
  EXPECT_EQ(FraudAlertUntil(FraudAlertKind::kInitial, {2026, 12, 3}), (Date{2027, 12, 2}));
  EXPECT_EQ(FraudAlertUntil(FraudAlertKind::kExtended, {2026, 12, 3}), (Date{2033, 12, 2}));
  // Placed on 29 February: a common year has no 29th, so the 28th is the last day, a full year.
  EXPECT_EQ(FraudAlertUntil(FraudAlertKind::kInitial, {2028, 2, 29}), (Date{2029, 2, 28}));
  EXPECT_EQ(FraudAlertUntil(FraudAlertKind::kInitial, {2027, 2, 28}), (Date{2028, 2, 27}));
  Protections p;
  p.fraud_alert = FraudAlertKind::kInitial;
  p.fraud_alert_until = {2027, 12, 2};
  EXPECT_TRUE(FraudAlertInForce(p, {2027, 12, 2}));
  EXPECT_FALSE(FraudAlertInForce(p, {2027, 12, 3}));
  EXPECT_EQ(Shown(p, {2027, 12, 3}).fraud_alert, FraudAlertKind::kNone);
  EXPECT_EQ(Shown(p, {2027, 12, 1}).fraud_alert, FraudAlertKind::kInitial);
  EXPECT_FALSE(Shown(p, {2027, 12, 3}).any());
}

TEST(ProtectionTest, AFreezeRefusesOnlyApplicationsByMembersWithoutARelationship) {
  ShownProtections frozen;
  frozen.frozen = true;
  for (const auto purpose : {Purpose::kLoanApproval, Purpose::kCreditCardApproval, Purpose::kGuaranteeReview}) {
    const auto refused = FreezeRefusal(frozen, purpose, /*caller_has_relationship=*/false);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(refused->field, "resident_id");
    EXPECT_NE(refused->message.find("frozen"), std::string::npos);
    EXPECT_FALSE(FreezeRefusal(frozen, purpose, /*caller_has_relationship=*/true));
  }
  EXPECT_FALSE(FreezeRefusal(frozen, Purpose::kPostLoanManagement, false));
  EXPECT_FALSE(FreezeRefusal(frozen, Purpose::kSelfQuery, false));
  EXPECT_FALSE(FreezeRefusal(ShownProtections{}, Purpose::kLoanApproval, false));
}

TEST(ProtectionTest, NoticesForSubscribedFrozenOrAlertedBorrowersOnly) {
  Protections p;
  EXPECT_FALSE(LeavesAccessNotice(p, {2026, 12, 3}));
  p.statement = "I never applied for credit at any micro-lender.";
  EXPECT_FALSE(LeavesAccessNotice(p, {2026, 12, 3}));
  p.notices = true;
  EXPECT_TRUE(LeavesAccessNotice(p, {2026, 12, 3}));
  p.notices = false;
  p.frozen = true;
  EXPECT_TRUE(LeavesAccessNotice(p, {2026, 12, 3}));
  p.frozen = false;
  p.fraud_alert = FraudAlertKind::kExtended;
  p.fraud_alert_until = {2026, 12, 3};
  EXPECT_TRUE(LeavesAccessNotice(p, {2026, 12, 3}));
  EXPECT_FALSE(LeavesAccessNotice(p, {2026, 12, 4}));
}

TEST(ProtectionTest, StatementsAreBoundedPrintableUtf8) {
  std::string cjk;
  for (int i = 0; i < 200; ++i) cjk += "本";  // 200 characters, 600 bytes
  EXPECT_FALSE(CheckStatement(cjk, "statement"));
  EXPECT_TRUE(CheckStatement(cjk + "人", "statement"));
  EXPECT_FALSE(CheckStatement(std::string(200, 'a'), "statement"));
  EXPECT_TRUE(CheckStatement(std::string(201, 'a'), "statement"));
  EXPECT_TRUE(CheckStatement("", "statement"));
  EXPECT_TRUE(CheckStatement("two\nlines", "statement"));
  EXPECT_TRUE(CheckStatement("tab\there", "statement"));
  EXPECT_TRUE(CheckStatement("\xC0\xAF", "statement"));          // overlong '/'
  EXPECT_TRUE(CheckStatement("\xED\xA0\x80", "statement"));      // a surrogate
  EXPECT_TRUE(CheckStatement("cut \xE6\x9C", "statement"));      // truncated sequence
  EXPECT_TRUE(CheckStatement("\xF4\x90\x80\x80", "statement"));  // past U+10FFFF
  const auto e = CheckStatement(std::string(201, 'a'), "--statement");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->field, "--statement");
  EXPECT_EQ(ParseFraudAlertKind("extended"), FraudAlertKind::kExtended);
  EXPECT_FALSE(ParseFraudAlertKind("forever"));
}

}  // namespace
}  // namespace creditshare::domain
