#include "storage/idempotency.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "storage/sql_errors.h"

namespace creditshare::storage {

bool ClaimIdempotencyKey(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key, std::string_view method) {
  auto& stmt = conn.Prepare(
      "INSERT INTO idempotency_keys (member_id, request_id, method, request_fingerprint, key_version, response) "
      "VALUES (?, ?, ?, ?, ?, '')");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, key.request_id);
  stmt.setString(3, std::string(method));
  stmt.setString(4, key.fingerprint.current);
  stmt.setInt(5, key.fingerprint.version);
  return InsertUnlessDuplicate(stmt);
}

void StoreIdempotentResponse(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key,
                             const std::string& response) {
  auto& stmt = conn.Prepare("UPDATE idempotency_keys SET response = ? WHERE member_id = ? AND request_id = ?");
  stmt.setString(1, response);
  stmt.setUInt64(2, member_id);
  stmt.setString(3, key.request_id);
  stmt.executeUpdate();
}

domain::Result<std::string> StoredResponse(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key,
                                           std::string_view method) {
  auto& stmt = conn.Prepare(
      "SELECT method, request_fingerprint, response, key_version FROM idempotency_keys WHERE member_id = ? AND "
      "request_id = ?");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, key.request_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next())
    return domain::Error{domain::ErrorCode::kUnavailable, "", "a concurrent request with this request_id failed; retry"};
  if (rs->getString(1) != std::string(method) || !Matches(key.fingerprint, rs->getString(2), rs->getInt(4)))
    return domain::Error::InvalidArgument("request_id", "was already used for a different request");
  return std::string(rs->getString(3));
}

}  // namespace creditshare::storage
