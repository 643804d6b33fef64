// Audit lanes against the real database: records hashed by the transaction that writes them, each
// connection continuing a lane of its own, with verify still naming an edit, a deletion or a cut.
#include <gtest/gtest.h>

#include <cppconn/resultset.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "audit/audit_chain.h"
#include "harness.h"
#include "storage/audit_repository.h"
#include "storage/transaction.h"

namespace creditshare::testing {
namespace {

domain::AuditEvent Event(const std::string& request_id) {
  domain::AuditEvent e;
  e.at_us = 1'700'000'000'000'000;
  e.principal = "bank-lanes";
  e.method = "GetBorrowerExposure";
  e.request_id = request_id;
  e.borrower_key = std::string(32, 'k');
  e.key_version = 1;
  return e;
}

// Appends `n` records in one transaction; returns the lane they went to.
std::uint32_t Append(storage::ConnectionPool& pool, const std::string& prefix, int n) {
  return storage::RunTransaction(pool, [&](storage::Connection& conn) -> domain::Result<std::uint32_t> {
    std::vector<domain::AuditEvent> events;
    for (int i = 0; i < n; ++i) events.push_back(Event(prefix + "-" + std::to_string(i)));
    std::vector<const domain::AuditEvent*> ptrs;
    for (const auto& e : events) ptrs.push_back(&e);
    storage::AuditRepository::InsertMany(conn, ptrs);
    return conn.audit_lane.lane;
  }).value();
}

storage::DbConfig Sized(const storage::DbConfig& config, int pool_size) {
  auto c = config;
  c.pool_size = pool_size;
  return c;
}

TEST(AuditLanesTest, TwoReplicasAppendConcurrentlyAndEveryLaneVerifies) {
  TestDatabase db;
  storage::ConnectionPool replica_a(Sized(db.config(), 3)), replica_b(Sized(db.config(), 3));
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      auto& pool = t % 2 == 0 ? replica_a : replica_b;
      for (int i = 0; i < 60; ++i) Append(pool, "t" + std::to_string(t) + "-" + std::to_string(i), 1 + i % 3);
    });
  for (auto& t : threads) t.join();
  const long total = db.Count("audit_log");
  EXPECT_EQ(total, 6 * 60 * 2);  // 1, 2, 3 records per transaction, 20 times each
  EXPECT_EQ(db.Count("audit_log WHERE hash IS NULL"), 0);
  const auto report = audit::VerifyChain(replica_a);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, total);
  EXPECT_GE(report.lanes, 3);  // lane 0, and at least one per replica
  // No lane was written by both replicas at once: each lane's sequence is gapless (checked by
  // verify) and its records are unique per place.
  EXPECT_EQ(db.Count("(SELECT lane, chain_seq FROM audit_log GROUP BY lane, chain_seq HAVING COUNT(*) > 1) d"), 0);
}

TEST(AuditLanesTest, ARolledBackAppendLeavesTheLaneWhereItWas) {
  TestDatabase db;
  storage::ConnectionPool pool(Sized(db.config(), 1));
  const auto lane = Append(pool, "first", 2);
  auto abandoned = storage::RunTransaction(pool, [](storage::Connection& conn) -> domain::Result<int> {
    storage::AuditRepository::Insert(conn, Event("rolled-back"));
    return domain::Error::InvalidArgument("x", "abandoned");
  });
  EXPECT_FALSE(abandoned.ok());
  // The connection's cached head is now ahead of the stored one; the next append finds that out.
  EXPECT_EQ(Append(pool, "after", 1), lane);
  EXPECT_EQ(db.Count("audit_log WHERE lane = " + std::to_string(lane)), 3);
  EXPECT_EQ(db.Count("audit_log WHERE request_id = 'rolled-back'"), 0);
  EXPECT_EQ(db.Count("audit_lanes WHERE lane = " + std::to_string(lane) + " AND seq = 3"), 1);
  const auto report = audit::VerifyChain(pool);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, 3);
}

TEST(AuditLanesTest, AnExpiredLaneIsContinuedByAnotherConnectionAndItsFormerHolderMovesOn) {
  TestDatabase db;
  storage::ConnectionPool first(Sized(db.config(), 1)), second(Sized(db.config(), 1));
  const auto lane = Append(first, "a", 3);
  // The first connection goes quiet past its lease.
  db.conn().Execute("UPDATE audit_lanes SET leased_until_us = 0 WHERE lane = " + std::to_string(lane));
  EXPECT_EQ(Append(second, "b", 1), lane);  // continues the lane: its record is number 4
  EXPECT_EQ(db.Count("audit_log WHERE lane = " + std::to_string(lane) + " AND chain_seq = 4 AND request_id = 'b-0'"),
            1);
  // The first connection's cache is stale and the lane is leased to the second: it takes another.
  const auto moved = Append(first, "c", 1);
  EXPECT_NE(moved, lane);
  EXPECT_NE(moved, storage::kSealerLane);
  const auto report = audit::VerifyChain(first);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, 5);
}

TEST(AuditLanesTest, RecordsWrittenUnsealedAreSealedIntoLaneZero) {
  TestDatabase db;
  // As a server before schema 0018 wrote them, more than one sealing statement's worth.
  std::string rows;
  for (int i = 0; i < 450; ++i)
    rows += std::string(i ? "," : "") + "(" + std::to_string(1'700'000'000'000'000 + i) +
            ", 'old-server', 'GetBorrowerExposure', 0, 'old-" + std::to_string(i) + "', 10)";
  db.conn().Execute("INSERT INTO audit_log (at_us, principal, method, result_code, request_id, latency_us) VALUES " +
                    rows);
  storage::ConnectionPool pool(Sized(db.config(), 2));
  Append(pool, "new", 2);
  EXPECT_EQ(audit::VerifyChain(pool).unsealed, 450);
  EXPECT_EQ(audit::Sealer(pool).SealBatch(450), 450);
  const auto report = audit::VerifyChain(pool);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, 452);
  EXPECT_EQ(report.unsealed, 0);
  EXPECT_EQ(db.Count("audit_lanes WHERE lane = 0 AND seq = 450"), 1);
}

TEST(AuditLanesTest, VerifyNamesAnEditedRecordAnEditedHeadAndADeletedLane) {
  TestDatabase db;
  storage::ConnectionPool pool(Sized(db.config(), 1));
  const auto lane = Append(pool, "x", 4);
  const std::string where = "lane = " + std::to_string(lane);
  std::unique_ptr<sql::ResultSet> rs(
      db.conn().Prepare("SELECT id FROM audit_log WHERE " + where + " AND chain_seq = 2").executeQuery());
  ASSERT_TRUE(rs->next());
  const auto second_id = rs->getUInt64(1);

  db.conn().Execute("UPDATE audit_log SET latency_us = latency_us + 1 WHERE id = " + std::to_string(second_id));
  auto report = audit::VerifyChain(pool);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_EQ(*report.broken_record_id, second_id);
  EXPECT_NE(report.problem.find("altered"), std::string::npos) << report.problem;
  db.conn().Execute("UPDATE audit_log SET latency_us = latency_us - 1 WHERE id = " + std::to_string(second_id));
  EXPECT_FALSE(audit::VerifyChain(pool).broken_record_id);

  // A head edited to hide the lane's last record no longer matches it...
  db.conn().Execute("UPDATE audit_lanes SET hash = UNHEX(REPEAT('00', 32)) WHERE " + where);
  report = audit::VerifyChain(pool);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_NE(report.problem.find("head"), std::string::npos) << report.problem;

  // ... and records whose lane's head row is gone are named too.
  db.conn().Execute("DELETE FROM audit_lanes WHERE " + where);
  report = audit::VerifyChain(pool);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_NE(report.problem.find("has no head row"), std::string::npos) << report.problem;
}

TEST(AuditLanesTest, ACheckpointFindsALaneCutBackBehindIt) {
  TestDatabase db;
  storage::ConnectionPool first(Sized(db.config(), 1)), second(Sized(db.config(), 1));
  const auto cut = Append(first, "cut", 3);
  ASSERT_NE(Append(second, "other", 2), cut);
  audit::Sealer sealer(first);
  EXPECT_EQ(sealer.Checkpoint(), 2);  // both lanes moved
  EXPECT_EQ(sealer.Checkpoint(), 0);  // nothing since: no record written
  EXPECT_EQ(db.Count("audit_log WHERE method = 'audit.checkpoint'"), 1);
  auto report = audit::VerifyChain(first);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.checkpoints, 1);
  std::unique_ptr<sql::ResultSet> rs(db.conn().Prepare(
      "SELECT id FROM audit_log WHERE method = 'audit.checkpoint'").executeQuery());
  ASSERT_TRUE(rs->next());
  const auto checkpoint_id = rs->getUInt64(1);

  // The lane's last record removed and its head moved back to the record before: the lane's own
  // chain is consistent again, the checkpoint is not.
  const std::string lane = std::to_string(cut);
  db.conn().Execute("DELETE FROM audit_log WHERE lane = " + lane + " AND chain_seq = 3");
  db.conn().Execute("UPDATE audit_lanes l JOIN audit_log a ON a.lane = l.lane AND a.chain_seq = 2 "
                    "SET l.seq = 2, l.hash = a.hash WHERE l.lane = " + lane);
  report = audit::VerifyChain(first);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_EQ(*report.broken_record_id, checkpoint_id);
  EXPECT_NE(report.problem.find("lane " + lane + " ends at seq 2, before the seq 3"), std::string::npos)
      << report.problem;

  // Hiding that by editing the checkpoint's list breaks the checkpoint's own hash.
  db.conn().Execute("UPDATE audit_checkpoints SET seq = 2 WHERE lane = " + lane);
  report = audit::VerifyChain(first);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_NE(report.problem.find("were altered"), std::string::npos) << report.problem;
  db.conn().Execute("UPDATE audit_checkpoints SET seq = 3 WHERE lane = " + lane);

}

TEST(AuditLanesTest, ACheckpointFindsALaneDeletedWithItsHead) {
  TestDatabase db;
  storage::ConnectionPool first(Sized(db.config(), 1)), second(Sized(db.config(), 1));
  Append(first, "kept", 3);
  const auto gone = Append(second, "gone", 2);
  EXPECT_EQ(audit::Sealer(first).Checkpoint(), 2);
  db.conn().Execute("DELETE FROM audit_log WHERE lane = " + std::to_string(gone));
  db.conn().Execute("DELETE FROM audit_lanes WHERE lane = " + std::to_string(gone));
  const auto report = audit::VerifyChain(first);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_NE(report.problem.find("lane " + std::to_string(gone) + ", which this checkpoint saw at seq 2, has no head row"),
            std::string::npos)
      << report.problem;
}

TEST(AuditLanesTest, AnAppendOutsideATransactionIsRefusedAndWritesNothing) {
  TestDatabase db;
  storage::ConnectionPool pool(Sized(db.config(), 1));
  auto lease = pool.Acquire();
  EXPECT_THROW(storage::AuditRepository::Insert(*lease, Event("loose")), std::logic_error);
  EXPECT_EQ(db.Count("audit_log"), 0);
}

}  // namespace
}  // namespace creditshare::testing
