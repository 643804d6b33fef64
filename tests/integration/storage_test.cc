// The storage layer against the real database: pool limits and recovery, schema checks.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "storage/migrations.h"
#include "storage/report_repository.h"
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

TEST(ReportRepositoryTest, AReportRunsWithinTheCallersDeadlineAndStopsOnceItHasPassed) {
  TestDatabase db;
  storage::ConnectionPool pool(db.config());
  storage::ReportRepository reports(pool);
  const auto now = std::chrono::system_clock::now();
  const domain::Date october{2026, 10, 1};
  domain::AggregateMeasures totals;
  // The limit is prepared into the statement (SET STATEMENT ... FOR): it must parse and run.
  EXPECT_NO_THROW(reports.Aggregate(october, "CNY", {storage::ReportDimension::kProvince}, &totals,
                                    now + std::chrono::minutes(1)));
  EXPECT_NO_THROW(reports.MultiLending(october, october, 2, "CNY", now + std::chrono::minutes(1)));
  EXPECT_THROW(reports.Aggregate(october, "CNY", {}, &totals, now - std::chrono::seconds(1)),
               storage::DeadlineExceededError);
  EXPECT_THROW(reports.MultiLending(october, october, 2, "CNY", now - std::chrono::seconds(1)),
               storage::DeadlineExceededError);

  // What the repository maps to DeadlineExceededError is the error this database raises when
  // the limit interrupts a statement.
  auto conn = pool.Acquire();
  std::unique_ptr<sql::Statement> stmt(conn->raw().createStatement());
  try {
    std::unique_ptr<sql::ResultSet>(stmt->executeQuery("SET STATEMENT max_statement_time = 0.05 FOR SELECT SLEEP(2)"));
    ADD_FAILURE() << "the statement was not interrupted";
  } catch (const sql::SQLException& e) {
    EXPECT_EQ(e.getErrorCode(), storage::kErrStatementTimeout) << e.what();
  }
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
