#include "storage/connection_pool.h"

#include <cppconn/driver.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include "storage/sql_errors.h"

namespace creditshare::storage {

namespace {
constexpr auto kValidateAfterIdle = std::chrono::seconds(30);

sql::mysql::MySQL_Driver* Driver() {
  static sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}
}  // namespace

Connection::Connection(std::unique_ptr<sql::Connection> conn, bool cache_multi_row_statements, bool autocommit)
    : last_used(std::chrono::steady_clock::now()),
      conn_(std::move(conn)),
      cache_multi_row_statements_(cache_multi_row_statements),
      autocommit_(autocommit) {}

Connection::~Connection() {
  statements_.clear();
  try {
    if (conn_ && !conn_->isClosed()) conn_->close();
  } catch (const sql::SQLException&) {
    // Closing a broken connection may fail; there is nothing left to release.
  }
}

sql::PreparedStatement& Connection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::unique_ptr<sql::PreparedStatement>(conn_->prepareStatement(sql))).first;
  } else {
    it->second->clearParameters();
  }
  return *it->second;
}

Connection::RowsStatement Connection::PrepareRows(const std::string& sql, std::size_t rows) {
  RowsStatement out;
  if (rows == 1 || (cache_multi_row_statements_ && rows <= kMaxCachedRows)) {
    out.stmt_ = &Prepare(sql);
  } else {
    out.owned_.reset(conn_->prepareStatement(sql));
    out.stmt_ = out.owned_.get();
  }
  return out;
}

void Connection::Execute(const std::string& sql) {
  std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
  stmt->execute(sql);
}

ConnectionPool::ConnectionPool(DbConfig config) : config_(std::move(config)) {
  if (config_.pool_size < 1) throw std::invalid_argument("database pool size must be at least 1");
  Driver();
}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<Connection> ConnectionPool::Open(bool with_database) {
  sql::ConnectOptionsMap opts;
  opts["hostName"] = sql::SQLString(config_.host);
  opts["port"] = config_.port;
  opts["userName"] = sql::SQLString(config_.user);
  opts["password"] = sql::SQLString(config_.password);
  if (with_database) opts["schema"] = sql::SQLString(config_.database);
  opts["OPT_CONNECT_TIMEOUT"] = config_.connect_timeout_seconds;
  opts["OPT_READ_TIMEOUT"] = config_.read_timeout_seconds;
  opts["OPT_WRITE_TIMEOUT"] = config_.read_timeout_seconds;
  opts["OPT_RECONNECT"] = false;  // a silent reconnect would drop session state mid-transaction
  opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> raw(Driver()->connect(opts));
    if (!config_.autocommit) raw->setAutoCommit(false);
    auto conn = std::make_unique<Connection>(std::move(raw), config_.cache_multi_row_statements, config_.autocommit);
    conn->Execute("SET SESSION time_zone = '+00:00'");
    // Correctness rests on explicit row locks (the borrower row, FOR UPDATE / shared reads), not on
    // gap locks; READ COMMITTED avoids the gap-lock deadlocks that parallel inserts into unique
    // indexes (idempotency keys, borrowers) otherwise cause under REPEATABLE READ.
    conn->Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    conn->Execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'");
    // Each line's packed monthly history is built with GROUP_CONCAT (7 bytes a month); a server
    // configured with a small limit would cut the newest months off silently.
    conn->Execute("SET SESSION group_concat_max_len = 1048576");
    return conn;
  } catch (const sql::SQLException& e) {
    throw UnavailableError("cannot connect to the database at " + config_.host + ":" + std::to_string(config_.port) +
                           ": " + e.what());
  }
}

std::unique_ptr<Connection> ConnectionPool::OpenUnpooled(bool with_database) { return Open(with_database); }

void ConnectionPool::Notify(std::chrono::steady_clock::time_point wait_started, bool acquired) {
  if (observer_ == nullptr) return;
  if (acquired) observer_->OnAcquired(std::chrono::steady_clock::now() - wait_started);
  const auto s = stats();
  observer_->OnState(s.open, s.in_use);
}

ConnectionPool::Lease ConnectionPool::Acquire() {
  const auto started = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  const auto deadline = started + config_.acquire_timeout;
  while (idle_.empty() && open_ >= config_.pool_size) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= config_.pool_size)
      throw PoolExhaustedError("no database connection free within the pool's acquire timeout");
  }
  ++in_use_;
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    lock.unlock();
    bool valid = std::chrono::steady_clock::now() - conn->last_used < kValidateAfterIdle;
    if (!valid) {
      try {
        valid = conn->raw().isValid();
      } catch (const sql::SQLException&) {
      }
    }
    if (valid) {
      Notify(started, true);
      return Lease(this, std::move(conn));
    }
    conn.reset();
    lock.lock();
    --open_;  // replaced below under the same slot
  }
  ++open_;
  lock.unlock();
  try {
    Lease lease(this, Open(true));
    Notify(started, true);
    return lease;
  } catch (...) {
    lock.lock();
    --open_;
    --in_use_;
    lock.unlock();
    available_.notify_one();
    Notify(started, false);
    throw;
  }
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn, bool broken) {
  if (!broken) conn->last_used = std::chrono::steady_clock::now();
  std::unique_ptr<Connection> doomed;
  {
    std::lock_guard lock(mu_);
    --in_use_;
    if (broken) {
      --open_;
      doomed = std::move(conn);
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  available_.notify_one();
  if (observer_ != nullptr) {
    const auto s = stats();
    observer_->OnState(s.open, s.in_use);
  }
}

ConnectionPool::Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_), broken_);
}

ConnectionPool::Stats ConnectionPool::stats() const {
  std::lock_guard lock(mu_);
  return {config_.pool_size, open_, in_use_};
}

}  // namespace creditshare::storage
