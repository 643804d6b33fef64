// Disclosure control that holds across reports. A regulator mounts the differencing attack of
// the issue: the same month asked with several dimension sets, every total minus every set of
// released cells. With noise on every figure, no difference recovers the small province's
// figures; the budget stops the attack from being repeated until the noise averages away, and
// asking the same question again returns the same answer. Released figures stay within their
// stated 95 % bounds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using grpc::StatusCode;

// The shipped defaults: ε 1 per report, at most 8 lines and 1,000,000 CNY per borrower; a
// budget of ε 5 per month so the test reaches it.
std::string PrivatePolicy() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("creditshare-privacy-policy-" + std::to_string(std::random_device{}()) + ".json");
  std::ofstream(path) << R"({"regulator_privacy": {"epsilon_per_report": 1, "monthly_budget": 5,
      "max_lines_per_borrower": 8, "max_amount_per_borrower_major": 1000000}})";
  return path.string();
}

struct Truth {
  long borrowers = 0, lines = 0, limit = 0, balance = 0;
};

// The released figures of a report: its cells and totals, without the privacy accounting.
std::string Figures(const std::vector<v1::GetAggregateReportResponse>& out) {
  std::string figures;
  for (const auto& item : out)
    figures += item.has_cell() ? item.cell().DebugString() : item.summary().totals().DebugString();
  return figures;
}

class RegulatorPrivacyTest : public ::testing::Test {
 protected:
  std::string policy = PrivatePolicy();
  TestService svc{std::nullopt, false, /*report_min_borrowers=*/10,
                  [this](ServerConfig& c) { c.policy_file = policy; }};
  std::map<std::string, Truth> truth;  // per province
  int request = 0;

  ~RegulatorPrivacyTest() override { std::filesystem::remove(policy); }

  void Report(const std::string& region, int n, long limit, long balance) {
    v1::ReportCreditLineResponse resp;
    ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                    .ReportCreditLine(LineRequest("p-" + std::to_string(request++), "A-" + std::to_string(n),
                                                  ResidentIdFor(region, 1990, n), limit, balance),
                                      &resp)
                    .ok());
    auto& t = truth[region.substr(0, 2)];
    ++t.borrowers;
    ++t.lines;
    t.limit += limit;
    t.balance += balance;
  }

  void SetUp() override {
    // Tianjin 40 borrowers and Beijing 30; Guangdong has 3, whose figures the attacker wants.
    int n = 0;
    for (int i = 0; i < 40; ++i, ++n) Report("120101", n, 2'000'000 + 10'000L * n, 600'000 + 7'000L * n);
    for (int i = 0; i < 30; ++i, ++n) Report("110105", n, 3'000'000 + 10'000L * n, 900'000 + 5'000L * n);
    for (int i = 0; i < 3; ++i, ++n) Report("440305", n, 5'000'000, 4'321'000 + 1'000L * i);
  }

  grpc::Status Aggregate(std::vector<v1::ReportDimension> dims, std::vector<v1::GetAggregateReportResponse>* out,
                         int month = 10) {
    v1::GetAggregateReportRequest req;
    req.mutable_month()->set_year(2026);
    req.mutable_month()->set_month(month);
    for (auto d : dims) req.add_dimensions(d);
    out->clear();
    return svc.ClientFor(TestService::kRegulator).GetAggregateReport(req, out);
  }
};

TEST_F(RegulatorPrivacyTest, TheDifferencingAttackRecoversNothingAndCannotBeRepeatedUntilNoiseAveragesOut) {
  const auto& victim = truth["44"];
  // Every way the attacker can isolate Guangdong: a report's (noisy) total minus the released
  // cells of the other provinces, from every report that has them.
  std::vector<std::vector<v1::ReportDimension>> shapes = {{v1::REPORT_DIMENSION_PROVINCE},
                                                          {v1::REPORT_DIMENSION_PREFECTURE},
                                                          {v1::REPORT_DIMENSION_PROVINCE, v1::REPORT_DIMENSION_PRODUCT_TYPE},
                                                          {v1::REPORT_DIMENSION_PRODUCT_TYPE},
                                                          {}};
  std::vector<v1::AggregateMeasures> estimates;
  int figures = 0, outside_bound = 0;
  for (const auto& dims : shapes) {
    std::vector<v1::GetAggregateReportResponse> out;
    const auto st = Aggregate(dims, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
    const auto& summary = out.back().summary();
    EXPECT_DOUBLE_EQ(summary.privacy().epsilon_charged(), 1.0);
    const auto& bound = summary.privacy().error_bound_95();
    v1::AggregateMeasures estimate = summary.totals();  // total minus every other province's cells
    for (const auto& item : out) {
      if (!item.has_cell() || item.cell().suppressed()) continue;
      const auto& m = item.cell().measures();
      const std::string region = dims.empty() || dims[0] == v1::REPORT_DIMENSION_PRODUCT_TYPE
                                     ? ""
                                     : item.cell().dimension_values(0).substr(0, 2);
      if (!region.empty() && region != "44") {
        estimate.set_distinct_borrowers(estimate.distinct_borrowers() - m.distinct_borrowers());
        estimate.set_lines(estimate.lines() - m.lines());
        estimate.set_credit_limit_minor(estimate.credit_limit_minor() - m.credit_limit_minor());
        estimate.set_outstanding_balance_minor(estimate.outstanding_balance_minor() - m.outstanding_balance_minor());
      }
      // Accuracy: each released figure against its true value, where the test knows it.
      if (dims.size() == 1 && dims[0] == v1::REPORT_DIMENSION_PROVINCE) {
        const auto& t = truth[item.cell().dimension_values(0)];
        for (const auto& [value, want, b] : std::vector<std::tuple<long, long, long>>{
                 {m.distinct_borrowers(), t.borrowers, bound.distinct_borrowers()},
                 {m.lines(), t.lines, bound.lines()},
                 {m.credit_limit_minor(), t.limit, bound.credit_limit_minor()},
                 {m.outstanding_balance_minor(), t.balance, bound.outstanding_balance_minor()}}) {
          ++figures;
          outside_bound += std::labs(value - want) > b ? 1 : 0;
        }
      }
    }
    if (!dims.empty() && dims[0] != v1::REPORT_DIMENSION_PRODUCT_TYPE) estimates.push_back(estimate);
    // The totals themselves are within their bounds of the truth.
    long all_balance = 0;
    for (const auto& [r, t] : truth) all_balance += t.balance;
    ++figures;
    outside_bound += std::labs(summary.totals().outstanding_balance_minor() - all_balance) >
                             bound.outstanding_balance_minor() ? 1 : 0;
  }
  ASSERT_EQ(estimates.size(), 3u);
  for (const auto& e : estimates) {
    // Exact recovery of an amount would need every noise term to cancel: about one chance in 10^9.
    EXPECT_NE(e.outstanding_balance_minor(), victim.balance) << "the attack recovered Guangdong's balance";
    EXPECT_NE(e.credit_limit_minor(), victim.limit) << "the attack recovered Guangdong's limits";
  }
  // At 95 % each, four of every hundred figures or so fall outside; far more would mean the
  // bounds are wrong.
  EXPECT_LE(outside_bound * 5, figures) << outside_bound << " of " << figures << " figures outside their 95 % bound";

  // The budget (ε 5) is spent: the attack cannot go on to average the noise away.
  std::vector<v1::GetAggregateReportResponse> out;
  const auto refused = Aggregate({v1::REPORT_DIMENSION_DPD_BUCKET}, &out);
  EXPECT_EQ(refused.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message().rfind("month: the privacy budget for 2026-10 is spent", 0), 0u)
      << refused.error_message();
  EXPECT_EQ(svc.db().Count("privacy_spend"), 5);

  // Asking the same question again returns the same figures and costs nothing: repetition
  // averages nothing away.
  std::vector<v1::GetAggregateReportResponse> first, again;
  ASSERT_TRUE(Aggregate({v1::REPORT_DIMENSION_PROVINCE}, &again).ok());
  EXPECT_DOUBLE_EQ(again.back().summary().privacy().epsilon_charged(), 0.0);
  EXPECT_DOUBLE_EQ(again.back().summary().privacy().budget_remaining(), 0.0);
  ASSERT_TRUE(Aggregate({v1::REPORT_DIMENSION_PROVINCE}, &first).ok());
  ASSERT_EQ(first.size(), again.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].DebugString(), again[i].DebugString());
  EXPECT_EQ(svc.db().Count("privacy_spend"), 5);

  // Other months have budgets of their own; a series that touches a spent month is refused
  // whole, charging none of its months.
  v1::GetMultiLendingReportRequest ml;
  ml.mutable_from_month()->set_year(2026);
  ml.mutable_from_month()->set_month(9);
  ml.mutable_to_month()->set_year(2026);
  ml.mutable_to_month()->set_month(10);
  std::vector<v1::GetMultiLendingReportResponse> ml_out;
  const auto series = svc.ClientFor(TestService::kRegulator).GetMultiLendingReport(ml, &ml_out);
  EXPECT_EQ(series.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(svc.db().Count("privacy_spend WHERE data_month = '2026-09-01'"), 0);
  ASSERT_TRUE(Aggregate({}, &out, 9).ok());
  EXPECT_DOUBLE_EQ(out.back().summary().privacy().budget_remaining(), 4.0);

  // An operator may raise a regulator's budget; the next report is answered.
  ASSERT_TRUE(svc.onboarding().RegulatorSettings(TestService::kRegulator, std::nullopt, "6").ok());
  ASSERT_TRUE(Aggregate({v1::REPORT_DIMENSION_DPD_BUCKET}, &out).ok());
  EXPECT_DOUBLE_EQ(out.back().summary().privacy().budget_remaining(), 0.0);
}

TEST_F(RegulatorPrivacyTest, NewDataIsANewQuestionAndEachRegulatorHasItsOwnNoise) {
  std::vector<v1::GetAggregateReportResponse> before, after;
  ASSERT_TRUE(Aggregate({v1::REPORT_DIMENSION_PROVINCE}, &before).ok());
  Report("120101", 500, 1'000'000, 100'000);
  ASSERT_TRUE(Aggregate({v1::REPORT_DIMENSION_PROVINCE}, &after).ok());
  // The answer changed with the data, and so it was charged again.
  EXPECT_DOUBLE_EQ(after.back().summary().privacy().epsilon_charged(), 1.0);
  EXPECT_DOUBLE_EQ(after.back().summary().privacy().budget_remaining(), 3.0);
  EXPECT_NE(Figures(before), Figures(after));

  // A second national regulator asking the same question gets noise of its own.
  domain::Member m;
  m.code = "regulator-2";
  m.name = "Second office";
  m.type = domain::MemberType::kRegulator;
  m.region_code = "110000";
  ASSERT_TRUE(svc.onboarding().CreateMember(m).ok());
  ASSERT_TRUE(svc.onboarding().RegulatorSettings("regulator-2", "national", std::nullopt).ok());
  v1::GetAggregateReportRequest req;
  req.mutable_month()->set_year(2026);
  req.mutable_month()->set_month(10);
  req.add_dimensions(v1::REPORT_DIMENSION_PROVINCE);
  std::vector<v1::GetAggregateReportResponse> other;
  ASSERT_TRUE(svc.ClientFor("regulator-2").GetAggregateReport(req, &other).ok());
  EXPECT_NE(Figures(other), Figures(after));
}

}  // namespace
}  // namespace creditshare::testing
