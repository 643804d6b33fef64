// Jurisdictions, the noise sampler and budget rule, and the report summary's contribution
// bounds and roll-up: the rules regulator reports rest on.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "domain/jurisdiction.h"
#include "domain/privacy.h"
#include "domain/report_summary.h"
#include "security/borrower_keyer.h"

namespace creditshare::domain {
namespace {

TEST(JurisdictionTest, ScopesParseAndDefaultToTheRegisteredRegion) {
  EXPECT_TRUE(ParseScope("national", "scope").value().national());
  EXPECT_EQ(ParseScope("12", "scope").value().prefix, "12");
  EXPECT_EQ(ParseScope("1201", "scope").value().prefix, "1201");
  for (const char* bad : {"", "1", "123", "120101", "99", "10", "1200", "ab", "NATIONAL"}) {
    const auto r = ParseScope(bad, "scope");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "scope");
  }
  EXPECT_EQ(DefaultScope("120000").prefix, "12");    // a province's code
  EXPECT_EQ(DefaultScope("120100").prefix, "1201");  // a prefecture's
  EXPECT_EQ(DefaultScope("120101").prefix, "1201");  // a county's: its prefecture
  EXPECT_FALSE(DefaultScope("110105").national());   // never national by default
}

TEST(JurisdictionTest, AReportRegionMustLieInsideTheScope) {
  const ReportScope tianjin{"12"}, binhai{"1201"}, national{};
  EXPECT_EQ(ReportRegion(tianjin, "", "region").value(), "12");
  EXPECT_EQ(ReportRegion(tianjin, "1201", "region").value(), "1201");
  EXPECT_EQ(ReportRegion(national, "44", "region").value(), "44");
  EXPECT_EQ(ReportRegion(national, "", "region").value(), "");
  for (const auto& [scope, region] : std::vector<std::pair<ReportScope, std::string>>{
           {tianjin, "11"}, {tianjin, "1101"}, {binhai, "12"}, {binhai, "1202"}}) {
    const auto r = ReportRegion(scope, region, "region");
    ASSERT_FALSE(r.ok()) << region;
    EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(r.error().field, "region");
  }
  EXPECT_EQ(ReportRegion(tianjin, "12x", "region").error().code, ErrorCode::kInvalidArgument);
}

TEST(PrivacyTest, EpsilonsParseExactlyAndTheBudgetRefusesOnceSpent) {
  EXPECT_EQ(ParseEpsilon("1", "e").value(), 1000);
  EXPECT_EQ(ParseEpsilon("0.5", "e").value(), 500);
  EXPECT_EQ(ParseEpsilon("20.125", "e").value(), 20125);
  for (const char* bad : {"", "0", "-1", "1.2345", "1.", ".5", "1e3", "abc"})
    EXPECT_FALSE(ParseEpsilon(bad, "e").ok()) << bad;
  EXPECT_EQ(FormatEpsilon(20125), "20.125");
  EXPECT_EQ(FormatEpsilon(1500), "1.5");
  EXPECT_EQ(FormatEpsilon(2000), "2");

  EXPECT_FALSE(CheckBudget(0, 1000, 3000, "2026-10"));
  EXPECT_FALSE(CheckBudget(2000, 1000, 3000, "2026-10"));  // exactly the budget
  const auto spent = CheckBudget(2500, 1000, 3000, "2026-10");
  ASSERT_TRUE(spent);
  EXPECT_EQ(spent->code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(spent->field, "month");
  EXPECT_NE(spent->message.find("2026-10"), std::string::npos);
  EXPECT_TRUE(CheckBudget(4000, 1000, 3000, "2026-10"));  // budget lowered below what was spent
}

class SeededBits final : public RandomBits {
 public:
  explicit SeededBits(std::uint64_t seed) : gen_(seed) {}
  std::uint64_t Next() override { return gen_(); }

 private:
  std::mt19937_64 gen_;
};

// P(y) ∝ exp(-|y|/b): the mean is 0 and P(|Y| > bound95) at most 5 %; the variance is
// 2 e^(-1/b) / (1 - e^(-1/b))^2.
TEST(PrivacyTest, TheSamplerDrawsTheDiscreteLaplaceDistribution) {
  for (const auto& [t, s] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{{8, 1}, {1, 2}, {64000, 1000}, {3, 7}}) {
    SeededBits bits(t * 31 + s);
    const double b = static_cast<double>(t) / static_cast<double>(s);
    const int n = 200'000;
    double sum = 0, sq = 0;
    int zeros = 0;
    for (int i = 0; i < n; ++i) {
      const auto y = static_cast<double>(SampleDiscreteLaplace(t, s, bits));
      sum += y;
      sq += y * y;
      zeros += y == 0 ? 1 : 0;
    }
    const double q = std::exp(-1.0 / b);
    const double variance = 2 * q / ((1 - q) * (1 - q));
    EXPECT_NEAR(sum / n, 0.0, 5 * std::sqrt(variance / n)) << b;
    EXPECT_NEAR(sq / n / variance, 1.0, 0.05) << b;
    EXPECT_NEAR(static_cast<double>(zeros) / n, (1 - q) / (1 + q), 0.01) << b;
  }
}

TEST(PrivacyTest, TheStatedBoundHoldsNinetyFivePercentOfTheTime) {
  const auto n = ScaleFor(2, 8, 1000);  // b = 16
  EXPECT_EQ(n.t / n.s, 16u);
  SeededBits bits(7);
  int outside = 0;
  for (int i = 0; i < 100'000; ++i)
    outside += std::llabs(SampleDiscreteLaplace(n.t, n.s, bits)) > n.bound95 ? 1 : 0;
  EXPECT_LE(outside, 5'000);
  EXPECT_GE(outside, 4'000);  // and the bound is not loose
  EXPECT_EQ(ScaleFor(2, 8, 1'000'000'000'000'000).bound95, 0);  // ε 10^12: no noise
}

TEST(PrivacyTest, NoiseIsAFunctionOfTheKeyAndSensitivityScalesIt) {
  const security::BorrowerKeyer keyer(std::string(32, 'k'));
  auto draw = [&](const std::string& question) {
    security::NoiseStream bits(keyer.NoiseKey(question));
    return SampleDiscreteLaplace(1000, 1, bits);
  };
  EXPECT_EQ(draw("q1"), draw("q1"));
  int same = 0;
  for (int i = 0; i < 50; ++i) same += draw("q" + std::to_string(i)) == draw("r" + std::to_string(i)) ? 1 : 0;
  EXPECT_LT(same, 5);

  PrivacyPolicy p;  // ε 1, at most 8 lines and 1,000,000 a borrower
  const auto region_only = PlanAggregateNoise(CellsPerBorrower(SummaryDimension::kAll, 8), p, 100'000'000);
  const auto by_product = PlanAggregateNoise(CellsPerBorrower(SummaryDimension::kProductType, 8), p, 100'000'000);
  EXPECT_EQ(region_only.measures[0].t / region_only.measures[0].s, 16u);  // (1 cell + total) × 8 measures / ε
  EXPECT_EQ(by_product.measures[0].t / by_product.measures[0].s, 64u);    // 7 products + total
  EXPECT_EQ(region_only.measures[1].t / region_only.measures[1].s, 128u);  // 2 × 8 lines × 8
  EXPECT_EQ(region_only.measures[3].t / region_only.measures[3].s, 1'600'000'000u);  // 2 × 10^8 × 8
}

SummaryLine Line(std::uint64_t id, std::uint64_t member, int product, std::int64_t limit, std::int64_t balance) {
  SummaryLine l;
  l.line_id = id;
  l.member_id = member;
  l.product_type = product;
  l.member_type = 1;
  l.line_status = 1;
  l.credit_limit_minor = limit;
  l.balance_minor = balance;
  l.opened = {2025, 1, 1};
  return l;
}

TEST(ReportSummaryTest, ABorrowerAddsAtMostTheBoundsWhateverItHolds) {
  SummaryBuilder b({2026, 10, 1}, /*max_lines=*/3, /*amount_bound=*/1000);
  std::vector<SummaryLine> lines;
  for (std::uint64_t i = 10; i > 0; --i) lines.push_back(Line(i, i, static_cast<int>(1 + i % 2), 900, 100));
  b.AddBorrower("1201", lines);
  const auto& all = b.cells().at({"1201", SummaryDimension::kAll, 0});
  EXPECT_EQ(all.distinct_borrowers, 1);
  EXPECT_EQ(all.lines, 3);                    // lines 1, 2 and 3 are kept
  EXPECT_EQ(all.credit_limit_minor, 999);     // 2,700 scaled to the bound of 1,000 (rounded down per line)
  EXPECT_EQ(all.outstanding_balance_minor, 300);  // under the bound: unchanged
  // Two products among the kept lines: one borrower in each.
  EXPECT_EQ(b.cells().at({"1201", SummaryDimension::kProductType, 1}).distinct_borrowers, 1);
  EXPECT_EQ(b.cells().at({"1201", SummaryDimension::kProductType, 2}).distinct_borrowers, 1);
  EXPECT_EQ(b.cells().at({"1201", SummaryDimension::kProductType, 2}).lines, 2);  // lines 1 and 3
  // Three distinct lenders among the kept lines.
  EXPECT_TRUE(b.cells().contains({"1201", SummaryDimension::kLenders, 3}));
  EXPECT_FALSE(b.cells().contains({"1201", SummaryDimension::kLenders, 5}));
  EXPECT_EQ(b.lines_seen(), 10);
}

TEST(ReportSummaryTest, NewRestructuredAndChargedOffLinesCountByTheMonth) {
  SummaryBuilder b({2026, 10, 1}, 8, 1'000'000);
  auto fresh = Line(1, 1, 3, 100, 50);
  fresh.opened = {2026, 10, 31};
  auto restructured = Line(2, 1, 3, 100, 50);
  restructured.first_restructured = Date{2026, 10, 5};
  auto later = Line(3, 1, 3, 100, 50);
  later.first_restructured = Date{2026, 11, 1};
  later.charged_off = Date{2026, 11, 1};
  later.charged_off_minor = 40;
  auto charged = Line(4, 1, 3, 100, 50);
  charged.charged_off = Date{2026, 9, 30};
  charged.charged_off_minor = 30;
  charged.line_status = 2;  // closed: not multi-lending
  b.AddBorrower("1201", {fresh, restructured, later, charged});
  const auto& all = b.cells().at({"1201", SummaryDimension::kAll, 0});
  EXPECT_EQ(all.new_lines, 1);
  EXPECT_EQ(all.restructured_lines, 1);
  EXPECT_EQ(all.charged_off_amount_minor, 30);
  EXPECT_EQ(b.cells().at({"1201", SummaryDimension::kLenders, 1}).outstanding_balance_minor, 150);
}

TEST(ReportSummaryTest, RollupAddsPrefecturesAndReleasesEveryValueOfABreakdown) {
  SummaryBuilder b({2026, 10, 1}, 8, 1'000'000);
  b.AddBorrower("1201", {Line(1, 1, 4, 100, 10)});
  b.AddBorrower("1202", {Line(2, 1, 4, 200, 20), Line(3, 2, 3, 300, 30)});
  b.AddBorrower("1101", {Line(4, 1, 4, 400, 40)});
  const auto provinces = Rollup(b.cells(), 2, SummaryDimension::kAll);
  ASSERT_EQ(provinces.size(), 2u);
  EXPECT_EQ(provinces.at({"12", 0}).distinct_borrowers, 2);
  EXPECT_EQ(provinces.at({"12", 0}).credit_limit_minor, 600);
  const auto products = Rollup(b.cells(), 0, SummaryDimension::kProductType);
  EXPECT_EQ(products.size(), 7u);  // every product type, including those nobody holds
  EXPECT_EQ(products.at({"", 4}).distinct_borrowers, 3);
  EXPECT_EQ(products.at({"", 3}).lines, 1);
  EXPECT_EQ(products.at({"", 7}).lines, 0);
  EXPECT_EQ(Total(b.cells()).lines, 4);
  EXPECT_EQ(Total(b.cells()).distinct_borrowers, 3);
}

}  // namespace
}  // namespace creditshare::domain
