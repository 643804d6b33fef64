#pragma once

#include <cppconn/connection.h>

#include <chrono>
#include <random>
#include <thread>
#include <type_traits>
#include <utility>

#include "domain/error.h"
#include "storage/connection_pool.h"
#include "storage/sql_errors.h"

namespace creditshare::storage {

// Runs `fn(Connection&)` -> domain::Result<T> in one transaction: commits when it returns a
// value, rolls back when it returns an error or throws. Deadlocks and lock-wait timeouts are
// retried a few times from the start; a lost connection is dropped from the pool and reported
// as UnavailableError (requests carry idempotency keys, so the caller may retry safely).
template <typename Fn>
auto RunTransaction(ConnectionPool& pool, Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  constexpr int kMaxAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.Acquire();
    try {
      // START TRANSACTION / COMMIT leave the session in autocommit: two round trips per
      // transaction instead of three with autocommit toggled off and on again. A session opened
      // with autocommit off is already in a transaction that its first statement begins.
      if (lease->autocommit()) lease->Execute("START TRANSACTION");
      struct InTransaction {
        Connection& conn;
        explicit InTransaction(Connection& c) : conn(c) { conn.set_in_transaction(true); }
        ~InTransaction() { conn.set_in_transaction(false); }
      } in_transaction{*lease};
      auto result = fn(*lease);
      if (result.ok()) {
        // A COMMIT statement, not Connector/C++'s commit(): under kill -9 of MariaDB the crash
        // test saw calls acknowledged whose transaction the database never had, so the outcome
        // of the commit is taken from the statement's own answer.
        lease->Execute("COMMIT");
      } else {
        lease->raw().rollback();
      }
      return result;
    } catch (const sql::SQLException& e) {
      try {
        lease->raw().rollback();
      } catch (const sql::SQLException&) {
        lease.MarkBroken();
      }
      if (IsConnectionError(e)) {
        lease.MarkBroken();
        throw UnavailableError(std::string("database connection lost: ") + e.what());
      }
      if (IsRetryableConflict(e)) {
        if (attempt == kMaxAttempts) throw UnavailableError(std::string("lock conflicts persisted: ") + e.what());
        // Back off a little, with jitter, so the transactions that collided do not collide again.
        thread_local std::minstd_rand jitter{std::random_device{}()};
        std::this_thread::sleep_for(std::chrono::milliseconds(2 * attempt + jitter() % (5 * attempt)));
        continue;
      }
      throw;
    } catch (...) {
      try {
        lease->raw().rollback();
      } catch (const sql::SQLException&) {
        lease.MarkBroken();
      }
      throw;
    }
  }
}

}  // namespace creditshare::storage

namespace creditshare::storage {

// Runs `fn(Connection&)` on a pooled connection in autocommit mode (single reads and writes).
// A lost connection is dropped from the pool and reported as UnavailableError.
template <typename Fn>
auto WithConnection(ConnectionPool& pool, Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  auto lease = pool.Acquire();
  try {
    return fn(*lease);
  } catch (const sql::SQLException& e) {
    if (IsConnectionError(e)) {
      lease.MarkBroken();
      throw UnavailableError(std::string("database connection lost: ") + e.what());
    }
    throw;
  }
}

}  // namespace creditshare::storage
