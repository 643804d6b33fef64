#include "domain/plausibility.h"

#include <gtest/gtest.h>

#include <limits>

#include "domain/credit_line.h"
#include "line_reports.h"

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};

LineReport Report(ProductType product, const std::string& currency, std::int64_t limit, std::int64_t balance) {
  LineReport r = testing::ValidReport();
  r.product_type = product;
  r.currency = currency;
  r.credit_limit_minor = limit;
  r.outstanding_balance_minor = balance;
  return r;
}

// default: 100 000 000 major units, 150 %; credit cards: 1 000 000 major units, 120 %.
PlausibilityBounds Bounds() {
  PlausibilityBounds b;
  b.default_bound = {100'000'000, 150};
  b.by_product[ProductType::kCreditCard] = {1'000'000, 120};
  b.by_product[ProductType::kMortgage] = {1'000'000'000, std::nullopt};
  return b;
}

MaybeError Validate(const LineReport& r, const PlausibilityBounds& bounds = Bounds()) {
  return ValidateLineReport(r, kToday, bounds, "line.");
}

TEST(PlausibilityTest, WithoutABoundAnyNonNegativeInt64AmountIsValid) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_FALSE(Validate(Report(ProductType::kBusinessLoan, "CNY", kMax, kMax), PlausibilityBounds{}));
  EXPECT_FALSE(Validate(Report(ProductType::kCreditCard, "JPY", 0, kMax), PlausibilityBounds{}));
}

TEST(PlausibilityTest, LargestCreditLimitIsInMajorUnitsOfTheLinesCurrency) {
  // 1 000 000 yuan = 100 000 000 fen; 1 000 000 yen = 1 000 000 yen; 1 000 000 dinars = 10^9 fils.
  EXPECT_FALSE(Validate(Report(ProductType::kCreditCard, "CNY", 100'000'000, 0)));
  EXPECT_FALSE(Validate(Report(ProductType::kCreditCard, "JPY", 1'000'000, 0)));
  EXPECT_FALSE(Validate(Report(ProductType::kCreditCard, "KWD", 1'000'000'000, 0)));
  for (const auto& [currency, just_over] :
       {std::pair<std::string, std::int64_t>{"CNY", 100'000'001}, {"JPY", 1'000'001}, {"KWD", 1'000'000'001}}) {
    const auto e = Validate(Report(ProductType::kCreditCard, currency, just_over, 0));
    ASSERT_TRUE(e) << currency;
    EXPECT_EQ(e->code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e->field, "line.credit_limit_minor") << currency;
  }
  EXPECT_EQ(Validate(Report(ProductType::kCreditCard, "CNY", 100'000'001, 0))->message,
            "must be at most 1000000.00 CNY, the policy's largest plausible credit limit for credit_card");
  EXPECT_EQ(Validate(Report(ProductType::kCreditCard, "JPY", 1'000'001, 0))->message,
            "must be at most 1000000 JPY, the policy's largest plausible credit limit for credit_card");
}

TEST(PlausibilityTest, LargestBalanceIsAPercentageOfTheLimit) {
  // 120 % of 1000.00 CNY is 1200.00 CNY.
  EXPECT_FALSE(Validate(Report(ProductType::kCreditCard, "CNY", 100'000, 120'000)));
  const auto e = Validate(Report(ProductType::kCreditCard, "CNY", 100'000, 120'001));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->field, "line.outstanding_balance_minor");
  EXPECT_EQ(e->message,
            "must be at most 120% of credit_limit_minor (1200.00 CNY), the policy's largest plausible balance for "
            "credit_card");
  // A zero limit allows no balance on an open line.
  EXPECT_EQ(Validate(Report(ProductType::kCreditCard, "CNY", 0, 1))->field, "line.outstanding_balance_minor");
}

TEST(PlausibilityTest, BalanceBoundAppliesToOpenLinesOnly) {
  auto frozen = Report(ProductType::kCreditCard, "CNY", 0, 500'000);
  frozen.status = LineStatus::kFrozen;
  EXPECT_FALSE(Validate(frozen));
  auto charged_off = Report(ProductType::kCreditCard, "CNY", 0, 500'000);
  charged_off.status = LineStatus::kChargedOff;
  charged_off.charged_off_amount_minor = 500'000;
  charged_off.charged_off_date = Date{2026, 10, 1};
  EXPECT_FALSE(Validate(charged_off));
}

TEST(PlausibilityTest, ProductWithoutItsOwnFigureTakesTheDefault) {
  // Mortgages: own limit bound (10^9 major), the default's 150 % balance bound.
  EXPECT_FALSE(Validate(Report(ProductType::kMortgage, "CNY", 100'000'000'000, 150'000'000'000)));
  EXPECT_EQ(Validate(Report(ProductType::kMortgage, "CNY", 100'000'000'001, 0))->field, "line.credit_limit_minor");
  EXPECT_EQ(Validate(Report(ProductType::kMortgage, "CNY", 100'000, 150'001))->field,
            "line.outstanding_balance_minor");
  // Auto loans: the default throughout (10^8 major = 10^10 fen).
  EXPECT_FALSE(Validate(Report(ProductType::kAutoLoan, "CNY", 10'000'000'000, 0)));
  EXPECT_EQ(Validate(Report(ProductType::kAutoLoan, "CNY", 10'000'000'001, 0))->field, "line.credit_limit_minor");
  EXPECT_EQ(BoundFor(Bounds(), ProductType::kMortgage), (PlausibilityBound{1'000'000'000, 150}));
  EXPECT_EQ(BoundFor(Bounds(), ProductType::kAutoLoan), (PlausibilityBound{100'000'000, 150}));
}

TEST(PlausibilityTest, BoundInMinorUnitsSaturatesInsteadOfWrapping) {
  PlausibilityBounds huge;
  huge.default_bound.max_credit_limit_major = std::numeric_limits<std::int64_t>::max();
  EXPECT_FALSE(
      Validate(Report(ProductType::kBusinessLoan, "CLF", std::numeric_limits<std::int64_t>::max(), 0), huge));
}

TEST(PlausibilityTest, BalancePercentageIsComparedExactlyForHugeLimits) {
  PlausibilityBounds b;
  b.default_bound.max_balance_percent_of_limit = 150;
  constexpr std::int64_t kLimit = 7'000'000'000'000'000'000;  // 150 % of it is past INT64_MAX
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_FALSE(Validate(Report(ProductType::kBusinessLoan, "CNY", kLimit, kMax), b));
  b.default_bound.max_balance_percent_of_limit = 100;
  EXPECT_FALSE(Validate(Report(ProductType::kBusinessLoan, "CNY", kLimit, kLimit), b));
  EXPECT_TRUE(Validate(Report(ProductType::kBusinessLoan, "CNY", kLimit, kLimit + 1), b));
}

}  // namespace
}  // namespace creditshare::domain
