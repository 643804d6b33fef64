// Group commit of audit and inquiry records, and sealing of many records, against the real database.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "audit/audit_chain.h"
#include "harness.h"
#include "storage/group_commit.h"

namespace creditshare::testing {
namespace {

std::uint64_t AddMember(TestDatabase& db) {
  db.conn().Execute(
      "INSERT INTO members (code, name, member_type, region_code) VALUES ('bank-gc', 'Bank GC', 1, '120000')");
  return static_cast<std::uint64_t>(db.Count("members"));
}

domain::AuditEvent Event(int n) {
  domain::AuditEvent e;
  e.at_us = 1'700'000'000'000'000 + n;
  e.principal = "bank-gc";
  e.method = "GetBorrowerExposure";
  e.request_id = "gc-" + std::to_string(n);
  e.borrower_key = std::string(32, static_cast<char>(n % 251));
  return e;
}

storage::InquiryRecord Inquiry(std::uint64_t member_id, int n) {
  const std::string key(32, static_cast<char>(n % 251));
  return {{key, 0, key, 0}, member_id, domain::Purpose::kLoanApproval,
          "C-" + std::to_string(n), "GetBorrowerExposure", 1'700'000'000'000'000 + n, {}, {}};
}

TEST(GroupCommitTest, ConcurrentCallsShareCommitsAndEveryRecordIsDurable) {
  TestDatabase db;
  const auto member = AddMember(db);
  std::mutex mu;
  std::vector<int> batches;
  {
    storage::GroupCommitWriter writer(db.config(), {1, 64}, [&](int n) {
      std::lock_guard lock(mu);
      batches.push_back(n);
    });
    std::vector<std::thread> threads;
    std::atomic<int> failures = 0;
    for (int t = 0; t < 24; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          const int n = t * 100 + i;
          const auto inquiry = Inquiry(member, n);
          try {
            writer.Write(Event(n), &inquiry);
          } catch (const std::exception&) {
            ++failures;
          }
        }
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures, 0);
  }
  EXPECT_EQ(db.Count("audit_log"), 480);
  EXPECT_EQ(db.Count("inquiries"), 480);
  EXPECT_EQ(std::accumulate(batches.begin(), batches.end(), 0), 480);
  // 24 callers and one writer: calls arriving during a commit ride on the next one.
  EXPECT_GT(*std::max_element(batches.begin(), batches.end()), 1);
  EXPECT_LT(batches.size(), 480u);
}

// A borrower query's worker hands its inquiry over and is answered from the writer: the callback
// must see both records committed (read here from another connection), and a refused inquiry
// must leave neither.
TEST(GroupCommitTest, AnAsyncInquiryIsCommittedWithItsAuditRecordBeforeItsCallbackRuns) {
  TestDatabase db;
  const auto member = AddMember(db);
  std::mutex mu;
  std::map<int, std::pair<std::string, std::int64_t>> seen;  // call -> (error, its inquiry rows seen)
  storage::ConnectionPool reader_pool(db.config());  // outlives the writer, whose callbacks use it
  {
    storage::GroupCommitWriter writer(db.config(), {2, 64});
    for (int n = 1; n <= 40; ++n) {
      // Member 999999 does not exist: call 13's inquiry breaks a foreign key.
      auto inquiry = std::make_unique<storage::InquiryRecord>(Inquiry(n == 13 ? 999999 : member, n));
      writer.WriteAsync(
          Event(n),
          [&, n](const std::string& error) {
            std::int64_t rows = -1;
            try {  // the writer swallows what a callback throws: keep it for the assertions
              auto lease = reader_pool.Acquire();
              auto& stmt = lease->Prepare(
                  "SELECT (SELECT COUNT(*) FROM inquiries WHERE consent_reference = ?) + "
                  "(SELECT COUNT(*) FROM audit_log WHERE request_id = ?)");
              stmt.setString(1, "C-" + std::to_string(n));
              stmt.setString(2, "gc-" + std::to_string(n));
              std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
              rs->next();
              rows = rs->getInt64(1);
            } catch (const std::exception& e) {
              ADD_FAILURE() << "call " << n << ": " << e.what();
            }
            std::lock_guard lock(mu);
            seen[n] = {error, rows};
          },
          std::move(inquiry));
    }
  }  // the writer's destructor writes everything queued
  ASSERT_EQ(seen.size(), 40u);
  for (const auto& [n, result] : seen) {
    if (n == 13) {
      EXPECT_FALSE(result.first.empty());
      EXPECT_EQ(result.second, 0) << "a refused call left a record";
    } else {
      EXPECT_EQ(result.first, "") << n;
      EXPECT_EQ(result.second, 2) << "call " << n << " was answered before its records were durable";
    }
  }
  EXPECT_EQ(db.Count("inquiries"), 39);
  EXPECT_EQ(db.Count("audit_log"), 39);
}

TEST(GroupCommitTest, ARefusedRecordFailsOnlyItsOwnCall) {
  TestDatabase db;
  const auto member = AddMember(db);
  storage::GroupCommitWriter writer(db.config(), {1, 64});
  // Hold the writer inside its first commit so the next records queue up as one batch.
  auto blocker_pool = std::make_unique<storage::ConnectionPool>(db.config());
  auto lease = blocker_pool->Acquire();
  lease->Execute("LOCK TABLES audit_log WRITE");
  std::thread first([&] { writer.Write(Event(0)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::atomic<int> committed = 0, refused = 0, unavailable = 0;
  std::vector<std::thread> callers;
  for (int i = 1; i <= 6; ++i)
    callers.emplace_back([&, i] {
      // Member 999999 does not exist: the inquiry breaks a foreign key.
      const auto inquiry = Inquiry(i == 4 ? 999999 : member, i);
      try {
        writer.Write(Event(i), &inquiry);
        ++committed;
      } catch (const storage::UnavailableError&) {
        ++unavailable;
      } catch (const std::exception&) {
        ++refused;
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  lease->Execute("UNLOCK TABLES");
  first.join();
  for (auto& t : callers) t.join();
  EXPECT_EQ(committed, 5);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(unavailable, 0);
  EXPECT_EQ(db.Count("audit_log"), 6);
  EXPECT_EQ(db.Count("inquiries"), 5);
}

TEST(GroupCommitTest, RecordsAreHashedAsTheyAreWrittenAcrossStatementChunks) {
  TestDatabase db;
  {
    storage::GroupCommitWriter writer(db.config(), {2, 64});
    std::vector<std::thread> threads;
    for (int t = 0; t < 9; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) writer.Write(Event(t * 50 + i));
      });
    for (auto& t : threads) t.join();
  }
  storage::ConnectionPool pool(db.config());
  // Nothing is left for the sealer: every record was chained by the transaction that wrote it.
  EXPECT_EQ(audit::Sealer(pool).SealBatch(450), 0);
  EXPECT_EQ(db.Count("audit_log WHERE hash IS NULL OR chain_seq IS NULL"), 0);
  const auto report = audit::VerifyChain(pool);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, 450);
  EXPECT_EQ(report.unsealed, 0);
  EXPECT_GE(report.lanes, 2);  // lane 0 and the writers' own
}

}  // namespace
}  // namespace creditshare::testing
