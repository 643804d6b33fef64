#include <gtest/gtest.h>

#include <limits>

#include "domain/exposure.h"

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t k4e18 = 4'000'000'000'000'000'000;

BorrowerLine Line(std::uint64_t member, const std::string& currency, std::int64_t limit, std::int64_t balance) {
  BorrowerLine b;
  b.member_id = member;
  b.public_id = "l" + std::to_string(member);
  b.line.product_type = ProductType::kBusinessLoan;
  b.line.currency = currency;
  b.line.credit_limit_minor = limit;
  b.line.outstanding_balance_minor = balance;
  b.line.opened_date = {2025, 1, 1};
  b.line.status = LineStatus::kOpen;
  b.line.as_of_date = {2026, 10, 31};
  return b;
}

TEST(ExposureTotalsTest, FiguresBeyondInt64AreShownAsInt64MaxAndFlaggedPerCurrency) {
  const auto e = BuildExposure({Line(2, "CNY", k4e18, 1), Line(3, "CNY", k4e18, 2), Line(4, "CNY", k4e18, 3),
                                Line(5, "USD", k4e18, k4e18)},
                               {}, {}, 1, kToday);
  ASSERT_EQ(e.summary.totals.size(), 2u);
  const auto& cny = e.summary.totals[0];
  EXPECT_EQ(cny.currency, "CNY");
  EXPECT_EQ(cny.credit_limit_minor, kMax);  // 1.2e19 exactly, which int64 cannot carry
  EXPECT_EQ(cny.outstanding_balance_minor, 6);
  EXPECT_TRUE(cny.saturated);
  const auto& usd = e.summary.totals[1];
  EXPECT_EQ(usd.credit_limit_minor, k4e18);
  EXPECT_EQ(usd.outstanding_balance_minor, k4e18);
  EXPECT_FALSE(usd.saturated);
}

TEST(ExposureTotalsTest, ReservationsBeyondInt64SaturateToo) {
  const ActiveReservation r{2, MemberType::kBank, "r2", ProductType::kMortgage, "JPY", k4e18, 0};
  auto r3 = r;
  r3.member_id = 3;
  r3.public_id = "r3";
  auto r4 = r;
  r4.member_id = 4;
  r4.public_id = "r4";
  const auto e = BuildExposure({}, {r, r3, r4}, {}, 1, kToday);
  ASSERT_EQ(e.summary.totals.size(), 1u);
  EXPECT_EQ(e.summary.totals[0].reserved_minor, kMax);
  EXPECT_EQ(e.summary.totals[0].credit_limit_minor, 0);
  EXPECT_TRUE(e.summary.totals[0].saturated);
}

TEST(ExposureTotalsTest, SumsUpToInt64MaxAreExactAndNotFlagged) {
  const auto e = BuildExposure({Line(2, "CNY", kMax - 1, 0), Line(3, "CNY", 1, 0)}, {}, {}, 1, kToday);
  EXPECT_EQ(e.summary.totals[0].credit_limit_minor, kMax);
  EXPECT_FALSE(e.summary.totals[0].saturated);
}

}  // namespace
}  // namespace creditshare::domain
