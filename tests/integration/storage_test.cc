// The storage layer against the real database: pool limits and recovery, schema checks.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "storage/migrations.h"
#include "storage/sql_errors.h"
#include "storage/transaction.h"

namespace creditshare::testing {
namespace {

long ConnectionId(storage::Connection& conn) {
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT CONNECTION_ID()").executeQuery());
  rs->next();
  return static_cast<long>(rs->getInt64(1));
}

TEST(ConnectionPoolTest, AcquireWaitsAtMostTheTimeoutThenReportsUnavailable) {
  TestDatabase db;
  auto config = db.config();
  config.pool_size = 1;
  config.acquire_timeout = std::chrono::milliseconds(200);
  storage::ConnectionPool pool(config);
  auto held = pool.Acquire();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(pool.Acquire(), storage::UnavailableError);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(pool.stats().in_use, 1);
}

TEST(ConnectionPoolTest, ReleasedConnectionIsReusedAndWaitersAreWoken) {
  TestDatabase db;
  auto config = db.config();
  config.pool_size = 1;
  storage::ConnectionPool pool(config);
  long first_id = 0;
  {
    auto lease = pool.Acquire();
    first_id = ConnectionId(*lease);
  }
  auto held = std::make_unique<storage::ConnectionPool::Lease>(pool.Acquire());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    held.reset();
  });
  auto lease = pool.Acquire();  // waits for the release above
  releaser.join();
  EXPECT_EQ(ConnectionId(*lease), first_id);
  EXPECT_EQ(pool.stats().open, 1);
}

TEST(ConnectionPoolTest, BrokenConnectionIsReplaced) {
  TestDatabase db;
  auto config = db.config();
  config.pool_size = 1;
  storage::ConnectionPool pool(config);
  const long killed = storage::WithConnection(pool, [](storage::Connection& c) { return ConnectionId(c); });
  db.conn().Execute("KILL " + std::to_string(killed));

  // The call that finds the connection dead is told to retry; the pool then opens a new one.
  EXPECT_THROW(storage::WithConnection(pool, [](storage::Connection& c) { return ConnectionId(c); }),
               storage::UnavailableError);
  const long replacement = storage::WithConnection(pool, [](storage::Connection& c) { return ConnectionId(c); });
  EXPECT_NE(replacement, killed);
  EXPECT_EQ(pool.stats().open, 1);
}

TEST(ConnectionPoolTest, UnreachableDatabaseIsUnavailable) {
  storage::DbConfig config = FixtureDbConfig();
  config.port = 1;  // nothing listens there
  config.connect_timeout_seconds = 2;
  storage::ConnectionPool pool(config);
  EXPECT_THROW(pool.Acquire(), storage::UnavailableError);
  EXPECT_EQ(pool.stats().open, 0);
  EXPECT_EQ(pool.stats().in_use, 0);
}

TEST(TransactionTest, ErrorResultRollsBackEverything) {
  TestDatabase db;
  storage::ConnectionPool pool(db.config());
  db.conn().Execute("CREATE TABLE t (x INT PRIMARY KEY) ENGINE=InnoDB");
  auto result = storage::RunTransaction(pool, [](storage::Connection& c) -> domain::Result<int> {
    c.Execute("INSERT INTO t VALUES (1)");
    c.Execute("INSERT INTO t VALUES (2)");
    return domain::Error::InvalidArgument("x", "changed my mind");
  });
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(db.Count("t"), 0);
  auto ok = storage::RunTransaction(pool, [](storage::Connection& c) -> domain::Result<int> {
    c.Execute("INSERT INTO t VALUES (1)");
    c.Execute("INSERT INTO t VALUES (2)");
    return 2;
  });
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(db.Count("t"), 2);
}

TEST(MigrationTest, EmptyDatabaseIsBehindAndMigrateBringsItCurrentOnce) {
  TestDatabase db(/*migrate=*/false);
  auto behind = storage::CheckSchemaVersion(db.conn());
  ASSERT_TRUE(behind);
  EXPECT_NE(behind->message.find("run `creditshare-server migrate`"), std::string::npos);
  EXPECT_EQ(storage::ApplyMigrations(db.conn()).size(), storage::EmbeddedMigrations().size());
  EXPECT_TRUE(storage::ApplyMigrations(db.conn()).empty());
  EXPECT_FALSE(storage::CheckSchemaVersion(db.conn()));
}

// Migration 9 computes every stored line's episodes from its monthly records (which kept no
// status before it), on a database populated at version 8.
TEST(MigrationTest, StoredLinesGetTheirEpisodesFromTheirMonthlyRecords) {
  TestDatabase db(/*migrate=*/false);
  storage::ApplyMigrations(db.conn(), 8);
  auto& c = db.conn();
  c.Execute("INSERT INTO members (id, code, name, member_type, region_code) VALUES (1, 'bank', 'Bank', 1, '120000')");
  c.Execute("INSERT INTO borrowers (id, borrower_key, region_code, birth_year) VALUES (1, REPEAT('k', 32), '120101', 1990)");
  // Line 1: 40 days past due in May 2019, cured in June. Line 2: charged off and still so.
  c.Execute(
      "INSERT INTO credit_lines (id, public_id, member_id, account_reference, borrower_id, product_type, currency, "
      "credit_limit_minor, outstanding_balance_minor, opened_date, status, days_past_due, overdue_amount_minor, "
      "as_of_date, version, ever_negative, negative_ended_date, charged_off_amount_minor, charged_off_date, "
      "month_statuses) VALUES "
      "(1, 'l1', 1, 'A-1', 1, 3, 'CNY', 1000, 500, '2018-01-01', 1, 0, 0, '2019-06-30', 2, 1, '2019-06-30', 0, NULL, "
      "'2019052201906N'), "
      "(2, 'l2', 1, 'A-2', 1, 3, 'CNY', 1000, 900, '2018-01-01', 3, 0, 0, '2026-01-31', 1, 1, NULL, 900, "
      "'2026-01-31', '202601G')");
  c.Execute(
      "INSERT INTO credit_line_months (line_id, month, status_code, outstanding_balance_minor, days_past_due, "
      "overdue_amount_minor, scheduled_payment_minor, actual_payment_minor, as_of_date) VALUES "
      "(1, '2019-05-01', '2', 500, 40, 100, 100, 0, '2019-05-31'), "
      "(1, '2019-06-01', 'N', 500, 0, 0, 100, 200, '2019-06-30'), "
      "(2, '2026-01-01', 'G', 900, 0, 0, 0, 0, '2026-01-31')");

  EXPECT_EQ(storage::ApplyMigrations(db.conn()).size(), storage::EmbeddedMigrations().size() - 8);
  std::unique_ptr<sql::ResultSet> lines(
      c.Prepare("SELECT id, ledger_months, retention_review_on FROM credit_lines ORDER BY id").executeQuery());
  ASSERT_TRUE(lines->next());
  EXPECT_EQ(lines->getString(2), "201905312d20190630N-");
  EXPECT_EQ(lines->getString(3), "2024-06-30");  // five years after the episode ended
  ASSERT_TRUE(lines->next());
  EXPECT_EQ(lines->getString(2), "20260131Gd");  // charged off: goes on
  EXPECT_TRUE(lines->isNull(3));
  std::unique_ptr<sql::ResultSet> months(
      c.Prepare("SELECT line_id, month, line_status, charged_off_amount_minor FROM credit_line_months "
                "ORDER BY line_id, month").executeQuery());
  std::vector<std::string> got;
  while (months->next())
    got.push_back(std::to_string(months->getUInt64(1)) + " " + std::string(months->getString(2)) + " " +
                  std::to_string(months->getInt(3)) + " " + std::to_string(months->getInt64(4)));
  EXPECT_EQ(got, (std::vector<std::string>{"1 2019-05-01 1 0", "1 2019-06-01 1 0", "2 2026-01-01 3 900"}));
  EXPECT_EQ(db.StalePackedHistories(), std::vector<std::string>{});
  EXPECT_EQ(db.Count("information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'credit_lines' "
                     "AND column_name IN ('month_statuses', 'ever_negative', 'negative_ended_date')"),
            0);
}

TEST(MigrationTest, TablesUseInnoDb) {
  TestDatabase db;
  std::unique_ptr<sql::ResultSet> rs(
      db.conn()
          .Prepare("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND engine <> 'InnoDB'")
          .executeQuery());
  rs->next();
  EXPECT_EQ(rs->getInt(1), 0);
}

TEST(MigrationTest, ServerRefusesToStartOnAnOutdatedSchema) {
  TestDatabase db(/*migrate=*/false);
  TestPki pki;
  ServerConfig config;
  config.db = db.config();
  config.hmac_key_file = pki.hmac_key_file();
  try {
    Server server(config, std::make_shared<FixedClock>(TestNow()));
    FAIL() << "the server started on an empty database";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "database schema is at version 0 but this server needs version " +
                  std::to_string(storage::RequiredSchemaVersion()) + "; run `creditshare-server migrate` first");
  }
}

}  // namespace
}  // namespace creditshare::testing
