#include "storage/borrower_keys.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <set>

#include "storage/sql_text.h"

namespace creditshare::storage {

void BindKeyPair(sql::PreparedStatement& stmt, int& p, const domain::KeyedDigest& d) {
  stmt.setString(p++, d.current);
  stmt.setString(p++, d.other);
}

bool LockBorrowerClaims(Connection& conn, const std::vector<const domain::KeyedDigest*>& keys) {
  std::set<std::string> claims;
  for (const auto* k : keys)
    if (k->rotating()) claims.insert(k->version > k->other_version ? k->current : k->other);
  if (claims.empty()) return false;
  auto stmt = conn.PrepareRows("INSERT INTO borrower_claims (claim_key) VALUES " + RowsOf("(?)", claims.size()) +
                                   " ON DUPLICATE KEY UPDATE claim_key = claim_key",
                               claims.size());
  int p = 1;
  for (const auto& c : claims) stmt->setString(p++, c);
  stmt->executeUpdate();
  return true;
}

void LockBorrower(Connection& conn, std::uint64_t borrower_id) {
  auto& lock = conn.Prepare("SELECT id FROM borrowers WHERE id = ? FOR UPDATE");
  lock.setUInt64(1, borrower_id);
  std::unique_ptr<sql::ResultSet>(lock.executeQuery());
}

}  // namespace creditshare::storage
