#pragma once

#include <cppconn/exception.h>

namespace creditshare::storage {

// MariaDB / MySQL error numbers the storage layer reacts to.
inline constexpr int kErrDuplicateKey = 1062;
inline constexpr int kErrLockWaitTimeout = 1205;
inline constexpr int kErrDeadlock = 1213;

// Client-side errors (2000-2999: server gone, lost connection, cannot connect) mean the
// connection must not be reused.
inline bool IsConnectionError(const sql::SQLException& e) {
  return e.getErrorCode() >= 2000 && e.getErrorCode() < 3000;
}
inline bool IsRetryableConflict(const sql::SQLException& e) {
  return e.getErrorCode() == kErrDeadlock || e.getErrorCode() == kErrLockWaitTimeout;
}

}  // namespace creditshare::storage
