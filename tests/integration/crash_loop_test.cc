// kill -9 of the server process, of MariaDB, and of both, in a loop under unary and bulk load:
// every report a client saw acknowledged is in the database exactly once, and clients that resend
// what was not acknowledged (same request ids) never create a second copy.
//
// CREDITSHARE_CRASH_CYCLES sets the number of kills (default 3: one of each kind).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "creditshare/v1/reporting_service.grpc.pb.h"
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "audit/audit_chain.h"
#include "harness.h"
#include "storage/transaction.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using namespace std::chrono_literals;

int CrashCycles() {
  const char* v = std::getenv("CREDITSHARE_CRASH_CYCLES");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 3;
}

// What clients saw acknowledged: account -> outstanding balance.
struct Acknowledged {
  std::mutex mu;
  std::map<std::string, std::int64_t> lines;
  std::map<std::string, std::string> when;  // for a failure's message: when, after how many attempts
  std::vector<std::string> events;          // kills, with their times
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double Now() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  void Add(const std::string& account, std::int64_t balance, int attempts = 1) {
    std::lock_guard lock(mu);
    lines[account] = balance;
    when[account] = "acked at " + std::to_string(Now()) + " s after " + std::to_string(attempts) + " attempt(s)";
  }
  void Event(const std::string& what) {
    std::lock_guard lock(mu);
    events.push_back(what + " at " + std::to_string(Now()) + " s");
  }
  size_t size() {
    std::lock_guard lock(mu);
    return lines.size();
  }
};

TEST(CrashLoopTest, KillNineOfServerAndDatabaseUnderLoadLosesAndDuplicatesNoAcknowledgedReport) {
  PrivateMariaDb mariadb;
  TestService svc(mariadb.config());
  auto config = svc.server_config();
  config.listen_address = "127.0.0.1:" + std::to_string(FreePort());  // clients come back to the same address
  int generation = 0;
  std::unique_ptr<ServerProcess> server;
  auto start_server = [&] {
    server = std::make_unique<ServerProcess>(config, svc.pki().dir() / ("crash-" + std::to_string(generation++) + ".log"));
    ASSERT_GT(server->WaitForPort(30s), 0) << server->Log();
  };
  start_server();

  auto [cert, key] = svc.IssueCredentialFiles(TestService::kBankA, "crash-loop");
  client::ClientOptions options;
  options.target = config.listen_address;
  options.ca_file = svc.pki().ca_file();
  options.cert_file = cert;
  options.key_file = key;
  client::Client client(options);

  Acknowledged acked;
  std::atomic<bool> stop{false};
  std::atomic<int> unary_failures{0}, bulk_failures{0};

  // Unary: one report after another; each resent under its request id until acknowledged.
  std::thread unary([&] {
    for (int i = 0; !stop; ++i) {
      const std::string account = "U-" + std::to_string(i);
      const auto request = LineRequest("u-" + std::to_string(i), account, kBorrower, 100'000, 1000 + i);
      int attempts = 1;
      for (;; ++attempts) {
        v1::ReportCreditLineResponse response;
        if (client.ReportCreditLine(request, &response).ok()) break;
        ++unary_failures;
        std::this_thread::sleep_for(100ms);
      }
      acked.Add(account, 1000 + i, attempts);
    }
  });
  // Bulk: chunks of 20 on a stream, stop and wait; a chunk without an answer is resent, on a new
  // stream when the old one broke.
  std::thread bulk([&] {
    auto stub = v1::ReportingService::NewStub(client.channel());
    for (int chunk = 0; !stop; ++chunk) {
      v1::BulkReportCreditLinesRequest request;
      for (int r = 0; r < 20; ++r) {
        const int n = chunk * 20 + r;
        const auto line = LineRequest("b-" + std::to_string(n), "B-" + std::to_string(n), kBorrower, 100'000, 500 + n);
        auto* record = request.add_records();
        record->set_sequence(n);
        record->set_request_id(line.request_id());
        *record->mutable_line() = line.line();
      }
      for (;;) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 15s);
        auto stream = stub->BulkReportCreditLines(&context);
        v1::BulkReportCreditLinesResponse response;
        bool answered = stream->Write(request) && stream->Read(&response) && response.results_size() == 20;
        if (answered)
          for (const auto& result : response.results())
            answered = answered && (result.status() == v1::BULK_RECORD_STATUS_ACCEPTED ||
                                    result.status() == v1::BULK_RECORD_STATUS_REPLAYED);
        stream->WritesDone();
        while (stream->Read(&response)) {
        }
        const auto finished = stream->Finish();
        if (answered) {
          int replayed = 0;
          for (const auto& result : response.results()) replayed += result.status() == v1::BULK_RECORD_STATUS_REPLAYED;
          if (replayed > 0) std::cerr << "chunk " << chunk << ": " << replayed << " replayed\n";
          break;
        }
        ++bulk_failures;
        std::cerr << "chunk " << chunk << " not answered: " << finished.error_message() << "\n";
        std::this_thread::sleep_for(100ms);
      }
      for (int r = 0; r < 20; ++r) acked.Add("B-" + std::to_string(chunk * 20 + r), 500 + chunk * 20 + r);
    }
  });

  const int cycles = CrashCycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const size_t before = acked.size();
    for (int t = 0; t < 100 && acked.size() < before + 40; ++t) std::this_thread::sleep_for(50ms);
    ASSERT_GE(acked.size(), before + 40) << "no progress before kill " << cycle;
    const int kind = cycle % 3;  // 0: the server, 1: the database, 2: both at once
    acked.Event("kill " + std::string(kind == 0 ? "server" : kind == 1 ? "database" : "both"));
    if (kind != 1) server.reset();  // SIGKILL
    if (kind != 0) mariadb.Crash();
    if (kind != 0) mariadb.Resume();
    if (kind != 1) start_server();
    acked.Event("restarted");
  }
  const size_t before = acked.size();
  for (int t = 0; t < 200 && acked.size() < before + 40; ++t) std::this_thread::sleep_for(50ms);
  stop = true;
  unary.join();
  bulk.join();
  EXPECT_GT(unary_failures + bulk_failures, 0) << "the kills were never noticed: the test tests nothing";

  // Every acknowledged report is there, once, with what was acknowledged; nothing else is.
  storage::ConnectionPool pool(svc.db().config());  // fresh connections: the old ones died with the database
  std::map<std::string, std::int64_t> stored;
  storage::WithConnection(pool, [&](storage::Connection& conn) {
    std::unique_ptr<sql::ResultSet> rs(
        conn.Prepare("SELECT account_reference, outstanding_balance_minor FROM credit_lines").executeQuery());
    while (rs->next()) stored[rs->getString(1)] = rs->getInt64(2);
    return 0;
  });
  EXPECT_EQ(stored.size(), acked.lines.size());
  size_t missing = 0, different = 0;
  for (const auto& [account, balance] : acked.lines) {
    const auto it = stored.find(account);
    if (it == stored.end()) {
      if (missing < 3) {
        // What the database holds of it: its idempotency key and its audit record.
        const std::string id = (account[0] == 'U' ? "u-" : "b-") + account.substr(2);
        long keys = 0, audits = 0;
        storage::WithConnection(pool, [&](storage::Connection& conn) {
          auto& k = conn.Prepare("SELECT COUNT(*) FROM idempotency_keys WHERE request_id = ?");
          k.setString(1, id);
          std::unique_ptr<sql::ResultSet> a(k.executeQuery());
          a->next();
          keys = a->getInt64(1);
          auto& q = conn.Prepare("SELECT COUNT(*) FROM audit_log WHERE request_id = ? AND result_code = 0");
          q.setString(1, id);
          std::unique_ptr<sql::ResultSet> b(q.executeQuery());
          b->next();
          audits = b->getInt64(1);
          return 0;
        });
        std::string events;
        for (const auto& e : acked.events) events += e + "; ";
        ADD_FAILURE() << "acknowledged but not stored: " << account << " (idempotency keys " << keys
                      << ", audit records " << audits << "), " << acked.when[account] << "; " << events;
      }
      ++missing;
    } else if (it->second != balance) {
      ++different;
    }
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(different, 0u);
  // Every audit lane still verifies: a lane's head and its records commit together, whatever was
  // killed mid-transaction.
  const auto chain = audit::VerifyChain(pool);
  EXPECT_FALSE(chain.broken_record_id) << chain.problem;
  EXPECT_GT(chain.sealed, 0);
  std::cerr << "crash loop: " << cycles << " kills, " << acked.lines.size() << " acknowledged reports, "
            << unary_failures << " unary and " << bulk_failures << " bulk attempts failed and were resent\n";
}

}  // namespace
}  // namespace creditshare::testing
