// /metrics after a scenario: lint-clean for promtool and with the values the scenario implies.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <fstream>
#include <sstream>
#include <regex>

#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

// The value of the sample `name{labels}` with exactly these labels, or -1 when absent.
double Sample(const std::string& text, const std::string& name, const std::map<std::string, std::string>& labels) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.rfind(name, 0) != 0) continue;
    std::string rest = line.substr(name.size());
    std::map<std::string, std::string> found;
    if (!rest.empty() && rest[0] == '{') {
      const auto close = rest.find('}');
      const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)")re");
      const std::string body = rest.substr(1, close - 1);
      for (std::sregex_iterator it(body.begin(), body.end(), label_re), end; it != end; ++it)
        found[(*it)[1]] = (*it)[2];
      rest = rest.substr(close + 1);
    }
    if (rest.empty() || rest[0] != ' ' || found != labels) continue;
    return std::stod(rest.substr(1));
  }
  return -1;
}

TEST(MetricsTest, ScrapeIsLintCleanAndCountsTheScenario) {
  TestService svc(std::nullopt, /*metrics_endpoint=*/true);
  auto& bank = svc.ClientFor(TestService::kBankA);
  v1::ReportCreditLineResponse report;
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(bank.ReportCreditLine(LineRequest("r-1", "L-1", kBorrower, 100, 0), &report).ok());
  ASSERT_TRUE(bank.ReportCreditLine(LineRequest("r-2", "L-2", kBorrower, 100, 0), &report).ok());
  ASSERT_TRUE(bank.ReportCreditLine(LineRequest("r-2", "L-2", kBorrower, 100, 0), &report).ok());  // replay
  ASSERT_TRUE(bank.ReportCreditLine(LineRequest("r-3", "L-1", kBorrower, 100, 0, MakeDate(2026, 11, 1)), &report).ok());
  ASSERT_FALSE(bank.ReportCreditLine(LineRequest("r-4", "L-3", "120101199003071236", 100, 0), &report).ok());
  ASSERT_TRUE(bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  ASSERT_TRUE(bank.GetBorrowerExposure(ExposureRequest(kBorrower, v1::PURPOSE_POST_LOAN_MANAGEMENT), &exposure).ok());
  ASSERT_FALSE(svc.ClientFor(TestService::kRegulator).GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  v1::GetAggregateReportRequest aggregate;  // its month has no summary yet: it builds one
  aggregate.mutable_month()->set_year(2026);
  aggregate.mutable_month()->set_month(10);
  std::vector<v1::GetAggregateReportResponse> cells;
  ASSERT_TRUE(svc.ClientFor(TestService::kRegulator).GetAggregateReport(aggregate, &cells).ok());

  ASSERT_GT(svc.server().metrics_port(), 0);
  // The report's stream ends its bookkeeping just after the client has the stream's status.
  std::string text = HttpGet(svc.server().metrics_port(), "/metrics");
  for (int i = 0; i < 100 && Sample(text, "creditshare_streams_open", {}) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = HttpGet(svc.server().metrics_port(), "/metrics");
  }
  ASSERT_FALSE(text.empty());

  const std::string rpc = "creditshare_rpc_requests_total";
  EXPECT_EQ(Sample(text, rpc, {{"method", "ReportCreditLine"}, {"code", "OK"}}), 4);
  EXPECT_EQ(Sample(text, rpc, {{"method", "ReportCreditLine"}, {"code", "INVALID_ARGUMENT"}}), 1);
  EXPECT_EQ(Sample(text, rpc, {{"method", "GetBorrowerExposure"}, {"code", "OK"}}), 2);
  EXPECT_EQ(Sample(text, rpc, {{"method", "GetBorrowerExposure"}, {"code", "PERMISSION_DENIED"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_rpc_duration_seconds_count", {{"method", "ReportCreditLine"}}), 5);
  EXPECT_EQ(Sample(text, "creditshare_rpc_in_flight", {{"method", "ReportCreditLine"}}), 0);
  EXPECT_EQ(Sample(text, "creditshare_lines_reported_total", {{"outcome", "created"}}), 2);
  EXPECT_EQ(Sample(text, "creditshare_lines_reported_total", {{"outcome", "replayed"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_lines_reported_total", {{"outcome", "updated"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_reports_rejected_total", {{"reason", "INVALID_ARGUMENT"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_inquiries_total", {{"purpose", "loan_approval"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_inquiries_total", {{"purpose", "post_loan_management"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_audit_records_written_total", {}), 9);
  EXPECT_EQ(Sample(text, "creditshare_report_table_builds_total", {{"outcome", "ok"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_report_table_build_seconds_count", {}), 1);
  EXPECT_EQ(Sample(text, "creditshare_build_info", {{"version", "0.1.0"}}), 1);
  EXPECT_EQ(Sample(text, "creditshare_db_pool_connections_max", {}), 8);
  EXPECT_GE(Sample(text, "creditshare_db_pool_connections_open", {}), 1);
  EXPECT_GE(Sample(text, "creditshare_db_pool_wait_seconds_count", {}), 8);
  EXPECT_EQ(Sample(text, "creditshare_database_up", {}), 1);
  EXPECT_EQ(Sample(text, "creditshare_key_set_current_version", {}), 0);  // a bare key: version 0
  EXPECT_EQ(Sample(text, "creditshare_key_set_versions", {}), 1);
  // Members appear in one family only (their calls in flight), never with a method or outcome.
  EXPECT_EQ(Sample(text, "creditshare_member_calls_in_flight", {{"member", "bank-a"}}), 0);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("bank-a") != std::string::npos) {
      EXPECT_TRUE(line.starts_with("creditshare_member_calls_in_flight{")) << "a member appears in a label: " << line;
    }
  }
  EXPECT_EQ(Sample(text, "creditshare_queue_depth", {}), 0);
  EXPECT_GE(Sample(text, "creditshare_queue_wait_seconds_count", {}), 8);
  EXPECT_EQ(Sample(text, "creditshare_streams_open", {}), 0);

  // promtool (Debian package prometheus) lints the exposition: 0 clean, 3 lint problems, 1 parse error.
  const auto file = svc.pki().dir() / "metrics.txt";
  std::ofstream(file) << text;
  const auto lint = RunProcess({"/bin/sh", "-c", "promtool check metrics < " + file.string()});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
}

}  // namespace
}  // namespace creditshare::testing
