// Each regulator sees its own jurisdiction: a regulator scoped to Tianjin sees only Tianjin's
// borrowers in every report and dimension, is refused another province, a prefecture scope
// narrows it further, a national regulator sees all, and an operator's change applies to the
// next report.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using grpc::StatusCode;

class RegulatorScopeTest : public ::testing::Test {
 protected:
  static constexpr const char* kTianjin = "reg-tianjin";
  TestService svc{std::nullopt, false, /*report_min_borrowers=*/1};
  // Borrowers and lines per prefecture, as reported.
  std::map<std::string, int> borrowers, lines;

  void SetUp() override {
    domain::Member m;
    m.code = kTianjin;
    m.name = "Tianjin office";
    m.type = domain::MemberType::kRegulator;
    m.region_code = "120000";
    ASSERT_TRUE(svc.onboarding().CreateMember(m).ok());
    // Tianjin: 1201 and 1202; Beijing 1101; Guangdong 4403. Every third borrower also has a
    // micro-loan past due.
    const std::vector<std::pair<std::string, int>> regions = {
        {"120101", 7}, {"120221", 5}, {"110105", 6}, {"440305", 4}};
    int n = 0, request = 0;
    for (const auto& [region, count] : regions)
      for (int i = 0; i < count; ++i, ++n) {
        const std::string id = ResidentIdFor(region, 1980, n), prefecture = region.substr(0, 4);
        ++borrowers[prefecture];
        v1::ReportCreditLineResponse resp;
        ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                        .ReportCreditLine(LineRequest("s-" + std::to_string(request++), "C-" + std::to_string(n), id,
                                                      100'000, 10'000),
                                          &resp)
                        .ok());
        ++lines[prefecture];
        if (n % 3 == 0) {
          auto req = LineRequest("s-" + std::to_string(request++), "M-" + std::to_string(n), id, 50'000, 40'000);
          req.mutable_line()->set_product_type(v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN);
          req.mutable_line()->set_days_past_due(45);
          req.mutable_line()->set_overdue_amount_minor(5'000);
          *req.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 9, 16);
          ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ReportCreditLine(req, &resp).ok());
          ++lines[prefecture];
        }
      }
  }

  grpc::Status Aggregate(const char* member, std::vector<v1::ReportDimension> dims, const std::string& region,
                         std::vector<v1::GetAggregateReportResponse>* out) {
    v1::GetAggregateReportRequest req;
    req.mutable_month()->set_year(2026);
    req.mutable_month()->set_month(10);
    for (auto d : dims) req.add_dimensions(d);
    req.set_region(region);
    out->clear();
    return svc.ClientFor(member).GetAggregateReport(req, out);
  }

  grpc::Status MultiLending(const char* member, bool prefecture, const std::string& region,
                            std::vector<v1::GetMultiLendingReportResponse>* out) {
    v1::GetMultiLendingReportRequest req;
    req.mutable_from_month()->set_year(2026);
    req.mutable_from_month()->set_month(10);
    *req.mutable_to_month() = req.from_month();
    req.set_region_level(prefecture ? v1::REGION_LEVEL_PREFECTURE : v1::REGION_LEVEL_PROVINCE);
    req.set_region(region);
    out->clear();
    return svc.ClientFor(member).GetMultiLendingReport(req, out);
  }

  int Sum(const std::map<std::string, int>& per_prefecture, const std::string& prefix) {
    int total = 0;
    for (const auto& [p, n] : per_prefecture) total += p.rfind(prefix, 0) == 0 ? n : 0;
    return total;
  }

  // Every report shape: its cells and totals cover exactly the borrowers under `prefix`.
  void ExpectEveryReportCovers(const char* member, const std::string& region, const std::string& prefix) {
    const std::vector<std::vector<v1::ReportDimension>> shapes = {
        {},
        {v1::REPORT_DIMENSION_PROVINCE},
        {v1::REPORT_DIMENSION_PREFECTURE},
        {v1::REPORT_DIMENSION_PRODUCT_TYPE},
        {v1::REPORT_DIMENSION_MEMBER_TYPE},
        {v1::REPORT_DIMENSION_DPD_BUCKET},
        {v1::REPORT_DIMENSION_CLASSIFICATION},
        {v1::REPORT_DIMENSION_PREFECTURE, v1::REPORT_DIMENSION_PRODUCT_TYPE},
        {v1::REPORT_DIMENSION_DPD_BUCKET, v1::REPORT_DIMENSION_PROVINCE}};
    for (const auto& dims : shapes) {
      SCOPED_TRACE(::testing::Message() << member << " dims " << dims.size() << (dims.empty() ? 0 : dims[0]));
      std::vector<v1::GetAggregateReportResponse> out;
      const auto st = Aggregate(member, dims, region, &out);
      ASSERT_TRUE(st.ok()) << st.error_message();
      ASSERT_TRUE(out.back().has_summary());
      EXPECT_EQ(out.back().summary().totals().distinct_borrowers(), Sum(borrowers, prefix));
      EXPECT_EQ(out.back().summary().totals().lines(), Sum(lines, prefix));
      long cell_lines = 0;
      for (const auto& item : out) {
        if (!item.has_cell()) continue;
        cell_lines += item.cell().measures().lines();
        for (int i = 0; i < static_cast<int>(dims.size()); ++i)
          if (dims[static_cast<size_t>(i)] == v1::REPORT_DIMENSION_PROVINCE ||
              dims[static_cast<size_t>(i)] == v1::REPORT_DIMENSION_PREFECTURE) {
            const std::string& value = item.cell().dimension_values(i);
            EXPECT_TRUE(value.rfind(prefix.substr(0, value.size()), 0) == 0) << "a cell outside the scope: " << value;
          }
      }
      EXPECT_EQ(cell_lines, Sum(lines, prefix));
    }
    for (bool prefecture : {false, true}) {
      std::vector<v1::GetMultiLendingReportResponse> out;
      const auto st = MultiLending(member, prefecture, region, &out);
      ASSERT_TRUE(st.ok()) << st.error_message();
      long seen = 0;
      for (const auto& item : out) {
        if (!item.has_row()) continue;
        EXPECT_TRUE(item.row().region().rfind(prefix.substr(0, item.row().region().size()), 0) == 0)
            << item.row().region();
        seen += item.row().borrowers();
      }
      EXPECT_EQ(seen, Sum(borrowers, prefix));
    }
  }
};

TEST_F(RegulatorScopeTest, ANewRegulatorIsScopedToItsRegisteredRegion) {
  const auto m = svc.onboarding().RegulatorSettings(kTianjin, std::nullopt, std::nullopt);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().report_scope, "12");
  std::vector<v1::GetAggregateReportResponse> out;
  ASSERT_TRUE(Aggregate(kTianjin, {}, "", &out).ok());
  EXPECT_EQ(out.back().summary().scope(), "12");
}

TEST_F(RegulatorScopeTest, TianjinSeesOnlyTianjinInEveryReportAndDimension) {
  ExpectEveryReportCovers(kTianjin, "", "12");
  ExpectEveryReportCovers(kTianjin, "1202", "1202");  // a region inside the scope narrows it
}

TEST_F(RegulatorScopeTest, ARegionOutsideTheScopeIsRefusedNamingTheField) {
  for (const char* region : {"11", "1101", "44"}) {
    std::vector<v1::GetAggregateReportResponse> out;
    const auto st = Aggregate(kTianjin, {v1::REPORT_DIMENSION_PROVINCE}, region, &out);
    EXPECT_EQ(st.error_code(), StatusCode::PERMISSION_DENIED) << region;
    EXPECT_EQ(st.error_message().rfind("region: ", 0), 0u) << st.error_message();
    std::vector<v1::GetMultiLendingReportResponse> ml;
    const auto ml_st = MultiLending(kTianjin, false, region, &ml);
    EXPECT_EQ(ml_st.error_code(), StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(ml_st.error_message().rfind("region: ", 0), 0u);
  }
  EXPECT_EQ(svc.db().Count("privacy_spend"), 0) << "a refused report spent budget";
}

TEST_F(RegulatorScopeTest, ANationalRegulatorSeesAllAndAScopeChangeAppliesToTheNextReport) {
  ExpectEveryReportCovers(TestService::kRegulator, "", "");
  ExpectEveryReportCovers(TestService::kRegulator, "44", "44");

  ASSERT_TRUE(svc.onboarding().RegulatorSettings(kTianjin, "1201", std::nullopt).ok());
  ExpectEveryReportCovers(kTianjin, "", "1201");
  std::vector<v1::GetAggregateReportResponse> out;
  EXPECT_EQ(Aggregate(kTianjin, {}, "12", &out).error_code(), StatusCode::PERMISSION_DENIED)
      << "a province is larger than a prefecture's scope";

  ASSERT_TRUE(svc.onboarding().RegulatorSettings(kTianjin, "national", std::nullopt).ok());
  ExpectEveryReportCovers(kTianjin, "", "");
}

TEST_F(RegulatorScopeTest, OperatorsSetAndShowScopesAndBudgetsWithTheAdminCli) {
  const auto env = DatabaseEnv(svc.db().config(), svc.pki().dir());
  auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {CREDITSHARE_ADMIN_BINARY, "--output", "json", "member", "regulator"});
    return RunProcess(args, env);
  };
  const auto shown = admin({kTianjin});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(nlohmann::json::parse(shown.out)["report_scope"], "12");
  EXPECT_EQ(nlohmann::json::parse(shown.out)["privacy_budget"], "default");

  const auto set = admin({kTianjin, "--scope", "1202", "--budget", "12.5"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(nlohmann::json::parse(set.out)["report_scope"], "1202");
  EXPECT_EQ(nlohmann::json::parse(set.out)["privacy_budget"], "12.5");
  EXPECT_EQ(svc.db().Count("admin_actions WHERE action = 'member.report_scope' AND target = 'reg-tianjin'"), 1);
  EXPECT_EQ(svc.db().Count("admin_actions WHERE action = 'member.privacy_budget' AND target = 'reg-tianjin'"), 1);
  // Back to the server's default (the harness's ε is high enough for the reports below).
  const auto reset = admin({kTianjin, "--budget", "default"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_EQ(nlohmann::json::parse(reset.out)["privacy_budget"], "default");
  ExpectEveryReportCovers(kTianjin, "", "1202");

  const auto bad = admin({kTianjin, "--scope", "99"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("scope"), std::string::npos) << bad.err;
  const auto lender = admin({TestService::kBankA, "--scope", "12"});
  EXPECT_EQ(lender.exit_code, 1);
  EXPECT_NE(lender.err.find("not a regulator"), std::string::npos) << lender.err;
}

}  // namespace
}  // namespace creditshare::testing
