#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

namespace creditshare::storage {

struct DbConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user = "creditshare";
  std::string password;
  std::string database = "creditshare";
  int pool_size = 8;
  std::chrono::milliseconds acquire_timeout{2000};
  // A database that hangs (stopped, not gone) costs a call at most these: a connection that
  // gets no handshake, or no answer to a statement, fails as UnavailableError.
  int connect_timeout_seconds = 3;
  int read_timeout_seconds = 10;
  // Work that scans or rewrites many rows in one statement (migrations, regulator reports,
  // operator batch commands) gets this instead: its statements may rightly take minutes.
  static constexpr int kBatchReadTimeoutSeconds = 3600;
  // Keep multi-row statements of up to Connection::kMaxCachedRows rows prepared (see PrepareRows).
  // Only for connections that run few statement shapes many times (the group-commit writers).
  bool cache_multi_row_statements = false;
  // Off: sessions are always inside a transaction that the next statement opens, so RunTransaction
  // needs no START TRANSACTION round trip. Only for connections that run nothing but transactions.
  bool autocommit = true;
};

// The database cannot serve the request now (unreachable, pool exhausted past its timeout);
// callers see UNAVAILABLE and may retry.
class UnavailableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every connection of the pool stayed in use for the whole acquire timeout: the pool's callers
// are too many at once, the database itself may be fine.
class PoolExhaustedError : public UnavailableError {
 public:
  using UnavailableError::UnavailableError;
};

// A statement stopped because the call it served ran out of time (see PrepareWithin).
class DeadlineExceededError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The audit lane a connection appends its records to (AuditRepository::InsertMany): a cache of the
// lane's head row, which the append checks and moves in the same transaction, so a stale cache
// (a rolled-back transaction, another writer) is found and refreshed, never trusted.
struct AuditLaneCache {
  std::uint32_t lane = 0;  // 0: none claimed yet
  std::uint64_t seq = 0;
  std::string hash;
  std::uint64_t holder = 0;  // this connection's token in the lane row
};

// One open database session with the prepared statements it has cached. Statements are
// prepared once per connection and reused: a prepare is a server round trip.
class Connection {
 public:
  explicit Connection(std::unique_ptr<sql::Connection> conn, bool cache_multi_row_statements = false,
                      bool autocommit = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns the cached prepared statement for `sql` with its parameters cleared.
  sql::PreparedStatement& Prepare(const std::string& sql);

  // A multi-row statement whose text depends on its row count. One-row statements are cached
  // like any other; others are prepared for this use only, unless the connection caches
  // multi-row statements (then up to kMaxCachedRows rows). Either way the number of statements
  // each connection keeps prepared, and so the server-wide max_prepared_stmt_count, stays bounded
  // whatever the batch sizes.
  class RowsStatement {
   public:
    sql::PreparedStatement* operator->() { return stmt_; }
    sql::PreparedStatement& operator*() { return *stmt_; }

   private:
    friend class Connection;
    sql::PreparedStatement* stmt_ = nullptr;
    std::unique_ptr<sql::PreparedStatement> owned_;
  };
  static constexpr std::size_t kMaxCachedRows = 64;
  RowsStatement PrepareRows(const std::string& sql, std::size_t rows);
  // Runs a statement with no parameters and no result (DDL, session settings).
  void Execute(const std::string& sql);
  sql::Connection& raw() { return *conn_; }
  // False when the session was opened with autocommit off (DbConfig::autocommit).
  bool autocommit() const { return autocommit_; }
  // Inside a transaction that RunTransaction opened (always, for a connection without autocommit).
  bool in_transaction() const { return !autocommit_ || in_transaction_; }
  void set_in_transaction(bool v) { in_transaction_ = v; }

  std::chrono::steady_clock::time_point last_used;
  AuditLaneCache audit_lane;

 private:
  std::unique_ptr<sql::Connection> conn_;
  const bool cache_multi_row_statements_;
  const bool autocommit_;
  bool in_transaction_ = false;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
};

// Receives pool events (for metrics). Called outside the pool's lock; must be thread-safe.
class PoolObserver {
 public:
  virtual ~PoolObserver() = default;
  virtual void OnAcquired(std::chrono::steady_clock::duration waited) = 0;
  virtual void OnState(int open, int in_use) = 0;
};

// A fixed-size pool. Connections are opened lazily, validated after idling, and replaced when
// a statement finds them broken; Acquire waits at most acquire_timeout for a free one.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() { return conn_.get(); }
    Connection& operator*() { return *conn_; }
    // The connection is unusable (lost, or left mid-transaction): close it instead of reusing.
    void MarkBroken() { broken_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
    bool broken_ = false;
  };

  struct Stats {
    int size = 0;    // configured maximum
    int open = 0;    // connections currently open
    int in_use = 0;  // leased out
  };

  // Loads the driver; call before starting threads (the driver's factory is not thread-safe).
  explicit ConnectionPool(DbConfig config);
  ~ConnectionPool();

  Lease Acquire();
  // A connection outside the pool, for one-off work such as migrations.
  std::unique_ptr<Connection> OpenUnpooled(bool with_database = true);
  Stats stats() const;
  const DbConfig& config() const { return config_; }
  // Set before the pool is shared between threads.
  void set_observer(PoolObserver* observer) { observer_ = observer; }

 private:
  void Release(std::unique_ptr<Connection> conn, bool broken);
  void Notify(std::chrono::steady_clock::time_point wait_started, bool acquired);
  std::unique_ptr<Connection> Open(bool with_database);

  const DbConfig config_;
  mutable std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
  int in_use_ = 0;
  PoolObserver* observer_ = nullptr;
};

}  // namespace creditshare::storage
