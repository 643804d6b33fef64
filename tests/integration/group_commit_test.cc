// Group commit of audit and inquiry records, and sealing of many records, against the real database.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
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
