#include "domain/reciprocity.h"

#include <gtest/gtest.h>

namespace creditshare::domain {
namespace {

const ReciprocityPolicy kOn{true, 45, 60};

TEST(ReciprocityTest, ANewMemberMayInquireThroughItsGracePeriod) {
  const ReciprocityStanding fresh{{2026, 9, 1}, std::nullopt, false};
  EXPECT_EQ(ReciprocityLapse(kOn, fresh), (Date{2026, 11, 1}));  // 60 days after 09-01 is 10-31
  EXPECT_FALSE(CheckReciprocity(kOn, fresh, Purpose::kLoanApproval, {2026, 10, 31}).has_value());
  const auto refused = CheckReciprocity(kOn, fresh, Purpose::kLoanApproval, {2026, 11, 1});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused->message.find("since it was onboarded on 2026-09-01"), std::string::npos) << refused->message;
  EXPECT_NE(refused->message.find("lapsed on 2026-11-01"), std::string::npos) << refused->message;
}

TEST(ReciprocityTest, AReportKeepsTheRightForTheWindowAfterIt) {
  const ReciprocityStanding reporting{{2025, 1, 1}, Date{2026, 10, 1}, false};
  EXPECT_EQ(ReciprocityLapse(kOn, reporting), (Date{2026, 11, 16}));
  EXPECT_FALSE(CheckReciprocity(kOn, reporting, Purpose::kCreditCardApproval, {2026, 11, 15}).has_value());
  const auto refused = CheckReciprocity(kOn, reporting, Purpose::kGuaranteeReview, {2026, 11, 16});
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("since 2026-10-01"), std::string::npos) << refused->message;
  // A report inside the grace period does not shorten it.
  const ReciprocityStanding early{{2026, 9, 1}, Date{2026, 9, 2}, false};
  EXPECT_EQ(ReciprocityLapse(kOn, early), (Date{2026, 11, 1}));
}

TEST(ReciprocityTest, OnlyApplicationsAreRefusedAndExemptionsOrAPolicyWithoutTheRuleRefuseNothing) {
  const ReciprocityStanding lapsed{{2020, 1, 1}, Date{2021, 1, 1}, false};
  const Date today{2026, 11, 23};
  for (const auto p : {Purpose::kLoanApproval, Purpose::kCreditCardApproval, Purpose::kGuaranteeReview})
    EXPECT_TRUE(CheckReciprocity(kOn, lapsed, p, today).has_value());
  for (const auto p : {Purpose::kPostLoanManagement, Purpose::kSelfQuery})
    EXPECT_FALSE(CheckReciprocity(kOn, lapsed, p, today).has_value());
  EXPECT_FALSE(CheckReciprocity(kOn, {{2020, 1, 1}, std::nullopt, true}, Purpose::kLoanApproval, today).has_value());
  EXPECT_FALSE(CheckReciprocity(ReciprocityPolicy{}, lapsed, Purpose::kLoanApproval, today).has_value());
  EXPECT_FALSE(ReciprocityLapse(ReciprocityPolicy{}, lapsed).has_value());
}

}  // namespace
}  // namespace creditshare::domain
