// Bulk reporting through the creditshare CLI: a large file with bad records, and a server killed
// in the middle of a stream.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "api/call_guard.h"
#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

std::string IdFor(long n) {
  char body[32];
  // Tianjin prefectures, birth dates 1960-1999, sequence from n: distinct valid IDs.
  std::snprintf(body, sizeof body, "1201%02ld%04ld%02ld%02ld%03ld", 1 + n % 16, 1960 + (n / 7) % 40, 1 + n % 12,
                1 + n % 28, n / 11 % 1000);
  return std::string(body) + domain::ResidentId::CheckCharacter(body);
}

struct GeneratedFile {
  std::filesystem::path path;
  long good = 0;
  std::set<long> bad_lines;  // file line numbers (the header is line 1)
};

// `records` lines; every 100th is bad in one of three ways (two caught by the service, one by
// the file parser).
GeneratedFile Generate(const std::filesystem::path& dir, long records, const std::string& tag) {
  GeneratedFile f;
  f.path = dir / ("lines-" + tag + ".csv");
  std::ofstream out(f.path);
  out << "account_reference,resident_id,product_type,currency,credit_limit_minor,outstanding_balance_minor,"
         "opened_date,status,days_past_due,overdue_amount_minor,as_of_date,first_delinquency_date\n";
  for (long n = 0; n < records; ++n) {
    const long line = n + 2;
    std::string id = IdFor(n), product = n % 3 ? "online_micro_loan" : "credit_card", limit = std::to_string(100000 + n);
    if (n % 100 == 37) {
      f.bad_lines.insert(line);
      switch ((n / 100) % 3) {
        case 0: id[17] = id[17] == '0' ? '1' : '0'; break;  // wrong check character
        case 1: product = "payday_loan"; break;             // unknown product: the parser rejects it
        case 2: limit = "-5"; break;                        // negative limit
      }
    } else {
      ++f.good;
    }
    const bool late = n % 10 == 3;
    out << tag << "-" << n << "," << id << "," << product << ",CNY," << limit << "," << 50000 + n << ",2026-01-15,open,"
        << (late ? 12 : 0) << "," << (late ? 1000 : 0) << ",2026-10-31," << (late ? "2026-10-19" : "") << "\n";
  }
  return f;
}

class BulkTest : public ::testing::Test {
 protected:
  TestService svc;
  std::pair<std::string, std::string> creds = svc.IssueCredentialFiles(TestService::kBankA, "bulk-bank");

  ProcessResult Cli(const std::string& target, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CREDITSHARE_CLIENT_BINARY, "--target", target, "--ca", svc.pki().ca_file(),
                                     "--cert", creds.first, "--key", creds.second};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  std::set<long> RejectedLines(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // header
    std::set<long> out;
    while (std::getline(in, line)) {
      out.insert(std::stol(line.substr(0, line.find(','))));
      EXPECT_NE(line.find("INVALID_ARGUMENT"), std::string::npos) << line;
      EXPECT_TRUE(line.find("resident_id") != std::string::npos || line.find("product_type") != std::string::npos ||
                  line.find("credit_limit_minor") != std::string::npos)
          << "a reason names the field: " << line;
    }
    return out;
  }
};

TEST_F(BulkTest, AHundredThousandLinesWithOnePercentBadLeaveExactlyTheGoodOnes) {
  const auto file = Generate(svc.pki().dir(), 100'000, "big");
  const auto rejects = (svc.pki().dir() / "big.rejects.csv").string();
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = Cli(svc.target(), {"report", "--file", file.path.string(), "--rejects", rejects});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << "100000 records in " << secs << " s (" << 100000 / secs << " records/s)\n";
  EXPECT_EQ(r.exit_code, 4) << r.err;  // some records were rejected
  EXPECT_NE(r.out.find(std::to_string(file.good) + " accepted, 0 already applied, 1000 rejected"), std::string::npos)
      << r.out;
  EXPECT_EQ(svc.db().Count("credit_lines"), file.good);
  EXPECT_EQ(svc.db().Count("credit_line_months"), file.good);
  EXPECT_EQ(RejectedLines(rejects), file.bad_lines);

  // Re-running the same file changes nothing and says so.
  const auto again = Cli(svc.target(), {"report", "--file", file.path.string(), "--rejects", rejects});
  EXPECT_NE(again.out.find("0 accepted, " + std::to_string(file.good) + " already applied, 1000 rejected"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(svc.db().Count("credit_lines"), file.good);
}

TEST_F(BulkTest, KilledServerMidStreamThenRerunLeavesEveryRecordExactlyOnce) {
  const auto file = Generate(svc.pki().dir(), 20'000, "kill");
  auto config = svc.server_config();
  auto server = std::make_unique<ServerProcess>(config, svc.pki().dir() / "kill-server-1.log");
  const int port = server->WaitForPort(std::chrono::seconds(20));
  ASSERT_GT(port, 0) << server->Log();
  const std::string target = "127.0.0.1:" + std::to_string(port);

  // Kill the server once a few thousand records are committed.
  std::thread killer([&] {
    for (int i = 0; i < 600 && svc.db().Count("credit_lines") < 3000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    kill(server->pid(), SIGKILL);
  });
  const auto first = Cli(target, {"report", "--file", file.path.string()});
  killer.join();
  EXPECT_EQ(first.exit_code, 3) << first.out << first.err;  // the stream broke
  const long committed = svc.db().Count("credit_lines");
  EXPECT_GT(committed, 0);
  EXPECT_LT(committed, file.good);
  server->WaitExit(std::chrono::seconds(5));

  ServerProcess restarted(config, svc.pki().dir() / "kill-server-2.log");
  const int port2 = restarted.WaitForPort(std::chrono::seconds(20));
  ASSERT_GT(port2, 0) << restarted.Log();
  const auto second = Cli("127.0.0.1:" + std::to_string(port2), {"report", "--file", file.path.string()});
  EXPECT_EQ(second.exit_code, 4) << second.err << restarted.Log().substr(0, 3000);
  EXPECT_EQ(svc.db().Count("credit_lines"), file.good);
  EXPECT_EQ(svc.db().Count("credit_line_months"), file.good);
  EXPECT_EQ(svc.db().Count("idempotency_keys"), file.good);
  EXPECT_EQ(svc.db().StalePackedHistories(), std::vector<std::string>{});
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
  // Every record acknowledged by the first run was there for the second to replay.
  EXPECT_NE(second.out.find(std::to_string(file.good - committed) + " accepted, " + std::to_string(committed) +
                            " already applied"),
            std::string::npos)
      << second.out;
}

TEST_F(BulkTest, TheLibraryExampleRunsAgainstTheServer) {
  const auto r = RunProcess({CREDITSHARE_EXAMPLE_BINARY, svc.target(), svc.pki().ca_file(), creds.first, creds.second,
                             "120101199003071235"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("signals:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace creditshare::testing

namespace creditshare::testing {
namespace {

// One report of the scenario below: which account, and how it differs from the first report.
struct Step {
  std::string request_id, account, borrower;
  long limit = 100000, balance = 5000;
  v1::Date as_of = MakeDate(2026, 9, 30);
  std::string currency = "CNY";
  int days_past_due = 0;
};

std::string Outcome(const std::string& status, int outcome, const std::string& code) {
  return status + "/" + std::to_string(outcome) + "/" + code;
}

// Bulk chunks are applied with multi-row statements; the same reports sent one by one must give
// the same outcome for every record and leave the same lines and monthly records.
TEST_F(BulkTest, ChunksGiveTheSameOutcomesAndStateAsOneByOneReports) {
  const std::vector<std::vector<Step>> rounds = {
      {{"r1", "a1", kBorrower}, {"r2", "a2", kBorrower}, {"r3", "a3", kOtherBorrower}},
      {{"r4", "a1", kBorrower, 200000, 7000, MakeDate(2026, 10, 31)},             // newer: replaces
       {"r5", "a2", kBorrower, 100000, 9000, MakeDate(2026, 8, 31)},              // older: history only
       {"r6", "a3", kOtherBorrower, 100000, 5000, MakeDate(2026, 10, 31), "USD"},  // currency change: refused
       {"r7", "a4", kOtherBorrower, -5}},                                         // negative limit: refused
      {{"r4", "a1", kBorrower, 200000, 7000, MakeDate(2026, 10, 31)},              // replay
       {"r8", "a2", kBorrower, 100000, 6000, MakeDate(2026, 9, 30)},               // same as-of: correction
       {"r9", "a5", kBorrower}},                                                   // new
      // One account twice in one chunk.
      {{"r10", "a6", kOtherBorrower}, {"r11", "a6", kOtherBorrower, 300000, 1, MakeDate(2026, 10, 31)}},
      // Negative episodes: one in current reports, one revealed by a late report.
      {{"r12", "a7", kBorrower, 100000, 5000, MakeDate(2026, 7, 31), "CNY", 35},
       {"r13", "a8", kOtherBorrower, 100000, 5000, MakeDate(2026, 8, 31)}},
      {{"r14", "a7", kBorrower, 100000, 5000, MakeDate(2026, 8, 31)},  // cured: the episode ends
       {"r15", "a8", kOtherBorrower, 100000, 5000, MakeDate(2026, 10, 31)}},
      {{"r16", "a8", kOtherBorrower, 100000, 5000, MakeDate(2026, 9, 30), "CNY", 12}},  // late, past due
  };
  auto line = [](const Step& s, const std::string& prefix) {
    auto r = LineRequest(prefix + s.request_id, prefix + s.account, s.borrower, s.limit, s.balance, s.as_of);
    r.mutable_line()->set_currency(s.currency);
    if (s.days_past_due > 0) {
      r.mutable_line()->set_days_past_due(s.days_past_due);
      r.mutable_line()->set_overdue_amount_minor(1000);
      *r.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 6, 20);
    }
    return r;
  };

  std::vector<std::string> one_by_one, bulk;
  auto& unary = svc.ClientFor(TestService::kBankA);
  for (const auto& round : rounds)
    for (const auto& step : round) {
      v1::ReportCreditLineResponse resp;
      const auto st = unary.ReportCreditLine(line(step, "U-"), &resp);
      one_by_one.push_back(st.ok() ? Outcome("ok", resp.outcome(), "")
                                   : Outcome("rejected", 0, std::string(api::CodeName(st.error_code()))));
    }
  auto& chunked = svc.ClientFor(TestService::kFinanceC);
  for (const auto& round : rounds) {
    std::size_t next = 0;
    std::map<std::int64_t, std::string> results;
    const auto st = chunked.BulkReportCreditLines(
        [&](v1::BulkLineRecord* out) {
          if (next >= round.size()) return false;
          const auto r = line(round[next], "B-");
          out->set_sequence(static_cast<std::int64_t>(next++));
          out->set_request_id(r.request_id());
          *out->mutable_line() = r.line();
          return true;
        },
        static_cast<int>(round.size()),  // the round is one chunk
        [&](const v1::BulkRecordResult& r) {
          results[r.sequence()] = r.status() == v1::BULK_RECORD_STATUS_REJECTED
                                      ? Outcome("rejected", 0, r.code())
                                      : Outcome("ok", r.outcome(), "");
        });
    ASSERT_TRUE(st.ok()) << st.error_message();
    for (const auto& [seq, outcome] : results) bulk.push_back(outcome);
  }
  EXPECT_EQ(bulk, one_by_one);

  auto state = [&](const std::string& member, const std::string& prefix) {
    std::unique_ptr<sql::ResultSet> rs(
        svc.db()
            .conn()
            .Prepare("SELECT SUBSTRING(l.account_reference, 3), l.borrower_id, l.currency, l.credit_limit_minor, "
                     "l.outstanding_balance_minor, l.as_of_date, l.version, mo.month, mo.status_code, "
                     "mo.outstanding_balance_minor, mo.as_of_date, mo.corrected, l.ledger_months, l.retention_review_on, "
                     "mo.line_status, l.first_delinquency_date FROM credit_lines l "
                     "JOIN members m ON m.id = l.member_id LEFT JOIN credit_line_months mo ON mo.line_id = l.id "
                     "WHERE m.code = '" + member + "' AND l.account_reference LIKE '" + prefix + "%' "
                     "ORDER BY 1, mo.month")
            .executeQuery());
    std::vector<std::string> rows;
    while (rs->next()) {
      std::string row;
      for (int c = 1; c <= 16; ++c) row += (rs->isNull(c) ? std::string("NULL") : std::string(rs->getString(c))) + "|";
      rows.push_back(row);
    }
    return rows;
  };
  const auto expected = state(TestService::kBankA, "U-");
  EXPECT_EQ(expected.size(), 13u);  // months: a1 Sep+Oct, a2 Aug+Sep, a3 Sep, a5 Sep, a6 Sep+Oct, a7 Jul+Aug,
                                    // a8 Aug+Sep+Oct
  // Both episodes are on record with the dates they ended (a7: 2026-08-31, a8: 2026-10-31).
  EXPECT_EQ(svc.db().Count("credit_lines WHERE retention_review_on IN ('2031-08-31', '2031-10-31')"), 4);
  EXPECT_EQ(state(TestService::kFinanceC, "B-"), expected);
  EXPECT_EQ(svc.db().StalePackedHistories(), std::vector<std::string>{});
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
}

TEST_F(BulkTest, AChunkEndsTheReservationsMadeForItsNewAccountsAndNoOthers) {
  auto reserve = [&](const std::string& member, const std::string& request_id, const std::string& account) {
    auto req = ReserveRequest(request_id, kBorrower, 1'000);
    req.set_account_reference(account);
    v1::ReserveCreditResponse reserved;
    ASSERT_TRUE(svc.ClientFor(member).ReserveCredit(req, &reserved).ok());
  };
  reserve(TestService::kFinanceC, "rv-1", "R-1");  // ends: its account is reported
  reserve(TestService::kFinanceC, "rv-2", "R-2");  // stays: another account
  reserve(TestService::kBankA, "rv-3", "R-1");     // stays: the same account name at another member

  const std::vector<v1::ReportCreditLineRequest> records = {
      LineRequest("b-1", "R-1", kBorrower, 100000, 0), LineRequest("b-2", "X-1", kOtherBorrower, 100000, 0)};
  std::size_t next = 0;
  int accepted = 0;
  const auto st = svc.ClientFor(TestService::kFinanceC)
                      .BulkReportCreditLines(
                          [&](v1::BulkLineRecord* out) {
                            if (next >= records.size()) return false;
                            out->set_sequence(static_cast<std::int64_t>(next));
                            out->set_request_id(records[next].request_id());
                            *out->mutable_line() = records[next++].line();
                            return true;
                          },
                          static_cast<int>(records.size()),  // one chunk: the multi-row path
                          [&](const v1::BulkRecordResult& r) { accepted += r.status() == v1::BULK_RECORD_STATUS_ACCEPTED; });
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(accepted, 2);

  std::unique_ptr<sql::ResultSet> rs(svc.db()
                                         .conn()
                                         .Prepare("SELECT m.code, r.account_reference, r.status, r.ended_at_us IS NOT NULL "
                                                  "FROM reservations r JOIN members m ON m.id = r.member_id ORDER BY 1, 2")
                                         .executeQuery());
  std::vector<std::string> rows;
  while (rs->next())
    rows.push_back(std::string(rs->getString(1)) + " " + std::string(rs->getString(2)) + " " +
                   std::to_string(rs->getInt(3)) + " " + std::to_string(rs->getInt(4)));
  EXPECT_EQ(rows, (std::vector<std::string>{std::string(TestService::kBankA) + " R-1 1 0",
                                            std::string(TestService::kFinanceC) + " R-1 2 1",
                                            std::string(TestService::kFinanceC) + " R-2 1 0"}));
}

}  // namespace
}  // namespace creditshare::testing
