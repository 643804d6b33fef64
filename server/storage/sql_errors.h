#pragma once

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

namespace creditshare::storage {

// MariaDB / MySQL error numbers the storage layer reacts to.
inline constexpr int kErrDuplicateKey = 1062;
inline constexpr int kErrLockWaitTimeout = 1205;
inline constexpr int kErrDeadlock = 1213;
inline constexpr int kErrStatementTimeout = 1969;  // max_statement_time exceeded

// Client-side errors (2000-2999: server gone, lost connection, cannot connect) mean the
// connection must not be reused.
inline bool IsConnectionError(const sql::SQLException& e) {
  return e.getErrorCode() >= 2000 && e.getErrorCode() < 3000;
}
inline bool IsRetryableConflict(const sql::SQLException& e) {
  return e.getErrorCode() == kErrDeadlock || e.getErrorCode() == kErrLockWaitTimeout;
}

// Runs a bound INSERT; false when it hit a unique key (the row exists), other errors throw.
inline bool InsertUnlessDuplicate(sql::PreparedStatement& insert) {
  try {
    insert.executeUpdate();
    return true;
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kErrDuplicateKey) return false;
    throw;
  }
}

}  // namespace creditshare::storage
