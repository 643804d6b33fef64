// Regulator reports over a generated population whose figures the test knows. The harness sets
// ε so high that the noise vanishes, so every published cell equals a direct recomputation;
// cells under k are withheld, a report taken while lenders write still adds up, and only
// regulators may ask. Noise, budgets and scopes: privacy_test.cc and regulator_scope_test.cc.
#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using grpc::StatusCode;

// A line of the generated population, as reported.
struct PopulationLine {
  std::string region;  // 6 digits
  std::string member;
  v1::ProductType product;
  long limit, balance, overdue;
  int dpd;
  std::string borrower;
};

class RegulatorTest : public ::testing::Test {
 protected:
  TestService svc;
  std::vector<PopulationLine> population;

  // Tianjin 30 borrowers, Beijing 12, Guangdong 4; every borrower has a credit card at bank-a,
  // every third also a micro-loan at micro-b, some of them past due.
  void Generate() {
    const std::vector<std::pair<std::string, int>> regions = {{"120101", 30}, {"110105", 12}, {"440305", 4}};
    int n = 0;
    for (const auto& [region, count] : regions) {
      for (int i = 0; i < count; ++i, ++n) {
        const std::string id = ResidentIdFor(region, 1985, n);
        population.push_back({region, TestService::kBankA, v1::PRODUCT_TYPE_CREDIT_CARD, 100'000L * (n + 1),
                              40'000L * (n + 1), 0, 0, id});
        if (n % 3 == 0) {
          const int dpd = n % 2 ? 45 : 0;
          population.push_back({region, TestService::kMicroB, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 50'000,
                                30'000, dpd ? 5'000 : 0, dpd, id});
        }
      }
    }
    int k = 0;
    for (const auto& p : population) {
      ++k;
      auto req = LineRequest("pop-" + std::to_string(k), "ACC-" + std::to_string(k), p.borrower, p.limit, p.balance);
      req.mutable_line()->set_product_type(p.product);
      req.mutable_line()->set_days_past_due(p.dpd);
      req.mutable_line()->set_overdue_amount_minor(p.overdue);
      if (p.dpd > 0) *req.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 9, 16);
      v1::ReportCreditLineResponse resp;
      ASSERT_TRUE(svc.ClientFor(p.member).ReportCreditLine(req, &resp).ok());
    }
  }

  std::vector<v1::GetAggregateReportResponse> Aggregate(std::vector<v1::ReportDimension> dims,
                                                         const char* member = TestService::kRegulator) {
    v1::GetAggregateReportRequest req;
    req.mutable_month()->set_year(2026);
    req.mutable_month()->set_month(10);
    for (auto d : dims) req.add_dimensions(d);
    std::vector<v1::GetAggregateReportResponse> out;
    const auto st = svc.ClientFor(member).GetAggregateReport(req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  // Recomputes the measures of every cell straight from the generated lines.
  std::map<std::vector<std::string>, v1::AggregateMeasures> Recompute(
      const std::function<std::vector<std::string>(const PopulationLine&)>& key) {
    std::map<std::vector<std::string>, v1::AggregateMeasures> out;
    std::map<std::vector<std::string>, std::set<std::string>> borrowers;
    for (const auto& p : population) {
      auto& m = out[key(p)];
      borrowers[key(p)].insert(p.borrower);
      m.set_lines(m.lines() + 1);
      m.set_credit_limit_minor(m.credit_limit_minor() + p.limit);
      m.set_outstanding_balance_minor(m.outstanding_balance_minor() + p.balance);
      m.set_overdue_amount_minor(m.overdue_amount_minor() + p.overdue);
    }
    for (auto& [k, m] : out) m.set_distinct_borrowers(static_cast<int64_t>(borrowers[k].size()));
    return out;
  }
};

v1::AggregateReportSummary SummaryOf(const std::vector<v1::GetAggregateReportResponse>& r) {
  EXPECT_FALSE(r.empty());
  EXPECT_TRUE(r.back().has_summary());
  return r.back().summary();
}

// Every published cell matches; withheld ones publish nothing; the totals are there.
void ExpectCellsMatch(const std::vector<v1::GetAggregateReportResponse>& report,
                      const std::map<std::vector<std::string>, v1::AggregateMeasures>& expected, int k) {
  const auto summary = SummaryOf(report);
  int suppressed = 0;
  for (const auto& item : report) {
    if (!item.has_cell()) continue;
    const auto& cell = item.cell();
    const std::vector<std::string> key(cell.dimension_values().begin(), cell.dimension_values().end());
    ASSERT_TRUE(expected.contains(key)) << cell.DebugString();
    const auto& want = expected.at(key);
    if (cell.suppressed()) {
      ++suppressed;
      EXPECT_FALSE(cell.has_measures()) << "a suppressed cell published its measures";
      continue;
    }
    EXPECT_GE(want.distinct_borrowers(), k);
    EXPECT_EQ(cell.measures().distinct_borrowers(), want.distinct_borrowers());
    EXPECT_EQ(cell.measures().lines(), want.lines());
    EXPECT_EQ(cell.measures().credit_limit_minor(), want.credit_limit_minor());
    EXPECT_EQ(cell.measures().outstanding_balance_minor(), want.outstanding_balance_minor());
    EXPECT_EQ(cell.measures().overdue_amount_minor(), want.overdue_amount_minor());
  }
  for (const auto& [key, m] : expected)
    if (m.distinct_borrowers() < k) {
      bool marked = false;
      for (const auto& item : report)
        if (item.has_cell() && std::vector<std::string>(item.cell().dimension_values().begin(),
                                                        item.cell().dimension_values().end()) == key)
          marked = item.cell().suppressed();
      EXPECT_TRUE(marked) << "a cell under k was published";
    }
  EXPECT_EQ(summary.suppressed_cells(), suppressed);
  EXPECT_FALSE(summary.totals_withheld());
  EXPECT_TRUE(summary.has_totals());
}

TEST_F(RegulatorTest, CellsEqualADirectRecomputationAndSmallCellsAreSuppressed) {
  Generate();
  const auto by_province = Aggregate({v1::REPORT_DIMENSION_PROVINCE});
  ExpectCellsMatch(by_province, Recompute([](const PopulationLine& p) { return std::vector<std::string>{p.region.substr(0, 2)}; }), 10);
  // Guangdong (4 borrowers) is under k. No other cell has to go with it: the noise protects.
  EXPECT_EQ(SummaryOf(by_province).suppressed_cells(), 1);

  auto product_name = [](v1::ProductType t) {
    return t == v1::PRODUCT_TYPE_CREDIT_CARD ? std::string("credit_card") : std::string("online_micro_loan");
  };
  // A breakdown releases every value it can take (which ones have lines would say something);
  // those nobody has are empty, hence withheld.
  auto with_empty_values = [](std::map<std::vector<std::string>, v1::AggregateMeasures> cells,
                              std::vector<std::vector<std::string>> all) {
    for (auto& key : all) cells.try_emplace(key);
    return cells;
  };
  ExpectCellsMatch(Aggregate({v1::REPORT_DIMENSION_PRODUCT_TYPE}),
                   with_empty_values(Recompute([&](const PopulationLine& p) {
                                       return std::vector<std::string>{product_name(p.product)};
                                     }),
                                     {{"revolving_consumer_credit"}, {"instalment_consumer_loan"}, {"business_loan"},
                                      {"mortgage"}, {"auto_loan"}}),
                   10);
  ExpectCellsMatch(Aggregate({v1::REPORT_DIMENSION_MEMBER_TYPE, v1::REPORT_DIMENSION_PROVINCE}),
                   with_empty_values(Recompute([&](const PopulationLine& p) {
                                       return std::vector<std::string>{
                                           p.member == TestService::kBankA ? "bank" : "micro_lender",
                                           p.region.substr(0, 2)};
                                     }),
                                     {{"consumer_finance", "11"}, {"consumer_finance", "12"}, {"consumer_finance", "44"}}),
                   10);
  std::vector<std::vector<std::string>> buckets;
  for (const char* prefecture : {"1201", "1101", "4403"})
    for (const char* b : {"current", "1-30", "31-60", "61-90", "91-180", ">180"}) buckets.push_back({prefecture, b});
  ExpectCellsMatch(Aggregate({v1::REPORT_DIMENSION_PREFECTURE, v1::REPORT_DIMENSION_DPD_BUCKET}),
                   with_empty_values(Recompute([](const PopulationLine& p) {
                                       return std::vector<std::string>{p.region.substr(0, 4),
                                                                       p.dpd == 0 ? "current" : "31-60"};
                                     }),
                                     buckets),
                   10);
}

TEST_F(RegulatorTest, AReportWithNothingSuppressedCarriesTotalsThatItsCellsAddUpTo) {
  Generate();
  const auto report = Aggregate({v1::REPORT_DIMENSION_PRODUCT_TYPE});
  const auto summary = SummaryOf(report);
  ASSERT_FALSE(summary.totals_withheld());
  long lines = 0, balance = 0;
  for (const auto& item : report)
    if (item.has_cell()) {
      lines += item.cell().measures().lines();
      balance += item.cell().measures().outstanding_balance_minor();
    }
  EXPECT_EQ(summary.totals().lines(), static_cast<long>(population.size()));
  EXPECT_EQ(summary.totals().lines(), lines);
  EXPECT_EQ(summary.totals().outstanding_balance_minor(), balance);
  EXPECT_EQ(summary.totals().distinct_borrowers(), 46);
  EXPECT_EQ(summary.totals().new_lines(), 0);  // every line opened in January
}

// The summary reports read equals a full scan of the monthly records, cell for cell (no borrower
// here reaches the contribution bounds, so the bounds change nothing).
TEST_F(RegulatorTest, TheSummaryEqualsAFullScanOfTheMonthsRecords) {
  Generate();
  Aggregate({});  // builds the summary
  storage::ConnectionPool pool(svc.db().config());
  auto conn = pool.Acquire();
  auto rows = [&](const std::string& sql) {
    std::map<std::string, std::string> out;
    std::unique_ptr<sql::Statement> stmt(conn->raw().createStatement());
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery(sql));
    while (rs->next()) {
      std::string key = std::string(rs->getString(1)) + "|" + std::string(rs->getString(2)) + "|" +
                        std::string(rs->getString(3));
      std::string value;
      for (int c = 4; c <= 8; ++c) value += std::string(rs->getString(c)) + "|";
      out[key] = value;
    }
    return out;
  };
  std::map<std::string, std::string> scanned;
  const std::vector<std::pair<int, std::string>> dims = {
      {0, "0"},
      {3, "l.product_type"},
      {4, "mem.member_type"},
      {5, "CASE WHEN m.days_past_due = 0 THEN 0 WHEN m.days_past_due <= 30 THEN 1 WHEN m.days_past_due <= 60 THEN 2 "
          "WHEN m.days_past_due <= 90 THEN 3 WHEN m.days_past_due <= 180 THEN 4 ELSE 5 END"},
      {6, "m.classification"}};
  for (const auto& [d, expr] : dims) {
    const auto part = rows("SELECT LEFT(b.region_code, 4), " + std::to_string(d) + ", " + expr +
                           ", COUNT(DISTINCT l.borrower_id), COUNT(*), SUM(m.credit_limit_minor), "
                           "SUM(m.outstanding_balance_minor), SUM(m.overdue_amount_minor) "
                           "FROM credit_line_months m JOIN credit_lines l ON l.id = m.line_id "
                           "JOIN borrowers b ON b.id = l.borrower_id JOIN members mem ON mem.id = l.member_id "
                           "WHERE m.month = '2026-10-01' AND l.currency = 'CNY' GROUP BY 1, 2, 3");
    scanned.insert(part.begin(), part.end());
  }
  const auto summary = rows(
      "SELECT prefecture, dimension, dim_value, borrowers, line_count, credit_limit_minor, balance_minor, overdue_minor "
      "FROM report_summary_cells WHERE month = '2026-10-01' AND currency = 'CNY' AND dimension <> 7");
  EXPECT_EQ(summary, scanned);
  EXPECT_EQ(scanned.size(), 3u * (1 + 2 + 2 + 2 + 1));  // per prefecture: all, 2 products, 2 types, 2 buckets, 1 class
}

TEST_F(RegulatorTest, OnlyRegulatorsMayAskAndBadRequestsNameTheField) {
  for (const char* lender : {TestService::kBankA, TestService::kMicroB, TestService::kFinanceC}) {
    v1::GetAggregateReportRequest req;
    req.mutable_month()->set_year(2026);
    req.mutable_month()->set_month(10);
    std::vector<v1::GetAggregateReportResponse> out;
    EXPECT_EQ(svc.ClientFor(lender).GetAggregateReport(req, &out).error_code(), StatusCode::PERMISSION_DENIED);
    v1::GetMultiLendingReportRequest ml;
    *ml.mutable_from_month() = req.month();
    *ml.mutable_to_month() = req.month();
    std::vector<v1::GetMultiLendingReportResponse> ml_out;
    EXPECT_EQ(svc.ClientFor(lender).GetMultiLendingReport(ml, &ml_out).error_code(), StatusCode::PERMISSION_DENIED);
  }
  auto& regulator = svc.ClientFor(TestService::kRegulator);
  std::vector<v1::GetAggregateReportResponse> out;
  v1::GetAggregateReportRequest bad;
  EXPECT_EQ(regulator.GetAggregateReport(bad, &out).error_message().rfind("month: ", 0), 0u);
  bad.mutable_month()->set_year(2026);
  bad.mutable_month()->set_month(10);
  // Reports come from a fixed family of tables: a region level and one other dimension at most.
  for (const auto& dims : std::vector<std::vector<v1::ReportDimension>>{
           {v1::REPORT_DIMENSION_PROVINCE, v1::REPORT_DIMENSION_PROVINCE},
           {v1::REPORT_DIMENSION_PROVINCE, v1::REPORT_DIMENSION_PREFECTURE},
           {v1::REPORT_DIMENSION_PRODUCT_TYPE, v1::REPORT_DIMENSION_MEMBER_TYPE},
           {static_cast<v1::ReportDimension>(9)}}) {
    bad.clear_dimensions();
    for (auto d : dims) bad.add_dimensions(d);
    const auto st = regulator.GetAggregateReport(bad, &out);
    EXPECT_EQ(st.error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(st.error_message().rfind("dimensions: ", 0), 0u) << st.error_message();
  }
  bad.clear_dimensions();
  bad.set_region("1");
  EXPECT_EQ(regulator.GetAggregateReport(bad, &out).error_message().rfind("region: ", 0), 0u);
  bad.set_region("");
  bad.set_currency("yuan");
  EXPECT_EQ(regulator.GetAggregateReport(bad, &out).error_message().rfind("currency: ", 0), 0u);
}

TEST(RegulatorConsistencyTest, AReportTakenWhileLendersWriteStillAddsUp) {
  TestService svc(std::nullopt, false, /*report_min_borrowers=*/1);
  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  std::thread writer([&] {
    for (int n = 0; n < 400 && !stop; ++n) {
      const std::string region = n % 2 ? "120101" : "110105";
      auto req = LineRequest("w-" + std::to_string(n), "W-" + std::to_string(n), ResidentIdFor(region, 1985, n), 1000 + n, 500 + n);
      v1::ReportCreditLineResponse resp;
      if (svc.ClientFor(TestService::kBankA).ReportCreditLine(req, &resp).ok()) ++written;
    }
  });
  int reports = 0;
  while (written < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (; reports < 15; ++reports) {
    v1::GetAggregateReportRequest req;
    req.mutable_month()->set_year(2026);
    req.mutable_month()->set_month(10);
    req.add_dimensions(v1::REPORT_DIMENSION_PROVINCE);
    std::vector<v1::GetAggregateReportResponse> out;
    ASSERT_TRUE(svc.ClientFor(TestService::kRegulator).GetAggregateReport(req, &out).ok());
    const auto summary = out.back().summary();
    ASSERT_FALSE(summary.totals_withheld());
    long borrowers = 0, lines = 0, balance = 0, limit = 0;
    for (const auto& item : out)
      if (item.has_cell()) {
        borrowers += item.cell().measures().distinct_borrowers();  // one region per borrower: additive
        lines += item.cell().measures().lines();
        balance += item.cell().measures().outstanding_balance_minor();
        limit += item.cell().measures().credit_limit_minor();
      }
    EXPECT_EQ(borrowers, summary.totals().distinct_borrowers());
    EXPECT_EQ(lines, summary.totals().lines());
    EXPECT_EQ(balance, summary.totals().outstanding_balance_minor());
    EXPECT_EQ(limit, summary.totals().credit_limit_minor());
  }
  stop = true;
  writer.join();
  EXPECT_GT(written.load(), 20);
}

TEST(ReportConnectionsTest, AReportFindingEveryReportConnectionBusyIsToldSoAfterTheQueueTimeout) {
  TestService svc(std::nullopt, false, /*report_min_borrowers=*/1, [](ServerConfig& c) {
    c.report_connections = 1;
    c.report_queue_timeout = std::chrono::milliseconds(300);
  });
  v1::ReportCreditLineResponse line;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                  .ReportCreditLine(LineRequest("q-1", "Q-1", ResidentIdFor("120101", 1985, 1), 1000, 500), &line)
                  .ok());
  v1::GetAggregateReportRequest req;
  req.mutable_month()->set_year(2026);
  req.mutable_month()->set_month(10);
  req.add_dimensions(v1::REPORT_DIMENSION_PROVINCE);

  // Another session write-locks a table the report reads, so the first report holds the only
  // report connection until the lock goes.
  storage::ConnectionPool blocker_pool(svc.db().config());
  auto blocker = blocker_pool.Acquire();
  blocker->Execute("LOCK TABLES credit_line_months WRITE");
  grpc::Status first_status;
  std::vector<v1::GetAggregateReportResponse> first_out;
  std::thread first([&] { first_status = svc.ClientFor(TestService::kRegulator).GetAggregateReport(req, &first_out); });
  svc.db().WaitForATableLockWait();

  std::vector<v1::GetAggregateReportResponse> second_out;
  const auto second = svc.ClientFor(TestService::kRegulator).GetAggregateReport(req, &second_out);
  EXPECT_EQ(second.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(second.error_message().find("too many reports"), std::string::npos) << second.error_message();

  blocker->Execute("UNLOCK TABLES");
  first.join();
  EXPECT_TRUE(first_status.ok()) << first_status.error_message();
  ASSERT_FALSE(first_out.empty());
  EXPECT_EQ(first_out.back().summary().totals().lines(), 1);
}

TEST(MultiLendingTest, CountsBorrowersAtTwoThreeAndFiveLendersWithBalanceShares) {
  TestService svc(std::nullopt, false, /*report_min_borrowers=*/2);
  std::vector<std::string> lenders = {TestService::kBankA, TestService::kMicroB, TestService::kFinanceC, "bank-d", "bank-e"};
  svc.AddMember("bank-d", domain::MemberType::kBank);
  svc.AddMember("bank-e", domain::MemberType::kBank);
  // Tianjin: 3 borrowers at 1 lender, 2 at 2, 2 at 3, 2 at 5; Beijing: 1 borrower (suppressed).
  const std::vector<int> lender_counts = {1, 1, 1, 2, 2, 3, 3, 5, 5};
  long total_balance = 0, balance_2 = 0, balance_3 = 0, balance_5 = 0;
  int request = 0;
  for (size_t b = 0; b < lender_counts.size(); ++b) {
    const std::string id = ResidentIdFor("120101", 1985, static_cast<int>(b));
    for (int l = 0; l < lender_counts[b]; ++l) {
      const long balance = 10'000L * static_cast<long>(b + 1);
      auto req = LineRequest("ml-" + std::to_string(request++), "ML-" + std::to_string(b), id, 100'000, balance);
      v1::ReportCreditLineResponse resp;
      ASSERT_TRUE(svc.ClientFor(lenders[static_cast<size_t>(l)]).ReportCreditLine(req, &resp).ok());
      total_balance += balance;
      if (lender_counts[b] >= 2) balance_2 += balance;
      if (lender_counts[b] >= 3) balance_3 += balance;
      if (lender_counts[b] >= 5) balance_5 += balance;
    }
  }
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReportCreditLine(LineRequest("bj", "BJ", ResidentIdFor("110105", 1985, 99), 1, 1), &resp).ok());

  v1::GetMultiLendingReportRequest req;
  req.mutable_from_month()->set_year(2026);
  req.mutable_from_month()->set_month(9);
  req.mutable_to_month()->set_year(2026);
  req.mutable_to_month()->set_month(10);
  std::vector<v1::GetMultiLendingReportResponse> out;
  ASSERT_TRUE(svc.ClientFor(TestService::kRegulator).GetMultiLendingReport(req, &out).ok());
  ASSERT_EQ(out.size(), 3u);  // October only has records: Beijing and Tianjin; then the summary
  EXPECT_TRUE(out[2].has_summary());
  EXPECT_EQ(out[2].summary().scope(), "national");
  const auto& beijing = out[0].row();
  EXPECT_EQ(beijing.region(), "11");
  EXPECT_TRUE(beijing.suppressed());
  EXPECT_EQ(beijing.borrowers(), 0);
  const auto& tianjin = out[1].row();
  EXPECT_EQ(tianjin.region(), "12");
  EXPECT_EQ(tianjin.month().month(), 10);
  EXPECT_FALSE(tianjin.suppressed());
  EXPECT_EQ(tianjin.borrowers(), 9);
  EXPECT_EQ(tianjin.outstanding_balance_minor(), total_balance);
  ASSERT_EQ(tianjin.groups_size(), 3);
  EXPECT_EQ(tianjin.groups(0).borrowers(), 6);
  EXPECT_EQ(tianjin.groups(1).borrowers(), 4);
  EXPECT_EQ(tianjin.groups(2).borrowers(), 2);
  EXPECT_DOUBLE_EQ(tianjin.groups(0).balance_share(), static_cast<double>(balance_2) / total_balance);
  EXPECT_DOUBLE_EQ(tianjin.groups(1).balance_share(), static_cast<double>(balance_3) / total_balance);
  EXPECT_DOUBLE_EQ(tianjin.groups(2).balance_share(), static_cast<double>(balance_5) / total_balance);
}

}  // namespace
}  // namespace creditshare::testing
