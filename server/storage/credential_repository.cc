#include "storage/credential_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "storage/audit_repository.h"
#include "storage/sql_time.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr const char* kRecordColumns =
    "SELECT c.id, c.member_id, m.code, c.serial_hex, c.fingerprint_sha256, c.not_after, c.issued_at, c.issued_by, "
    "c.revoked_at, COALESCE(c.revoked_by, ''), COALESCE(c.revoke_reason, '') "
    "FROM credentials c JOIN members m ON m.id = c.member_id ";

CredentialRecord ReadRecord(sql::ResultSet& rs) {
  CredentialRecord r;
  r.id = rs.getUInt64(1);
  r.member_id = rs.getUInt64(2);
  r.member_code = rs.getString(3);
  r.serial_hex = rs.getString(4);
  r.fingerprint_sha256 = rs.getString(5);
  r.not_after = ParseDateTime(rs.getString(6));
  r.issued_at = ParseDateTime(rs.getString(7));
  r.issued_by = rs.getString(8);
  if (!rs.isNull(9)) r.revoked_at = ParseDateTime(rs.getString(9));
  r.revoked_by = rs.getString(10);
  r.revoke_reason = rs.getString(11);
  return r;
}
}  // namespace

std::optional<PeerCredential> CredentialRepository::FindPeer(const std::string& fingerprint) {
  return WithConnection(pool_, [&](Connection& conn) -> std::optional<PeerCredential> {
    auto& stmt = conn.Prepare(
        "SELECT m.id, m.code, m.name, m.member_type, m.region_code, m.status, c.revoked_at IS NOT NULL, c.not_after "
        "FROM credentials c JOIN members m ON m.id = c.member_id WHERE c.fingerprint_sha256 = ?");
    stmt.setString(1, fingerprint);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (!rs->next()) return std::nullopt;
    PeerCredential p;
    p.member.id = rs->getUInt64(1);
    p.member.code = rs->getString(2);
    p.member.name = rs->getString(3);
    p.member.type = static_cast<domain::MemberType>(rs->getInt(4));
    p.member.region_code = rs->getString(5);
    p.member.status = static_cast<domain::MemberStatus>(rs->getInt(6));
    p.revoked = rs->getBoolean(7);
    p.not_after = ParseDateTime(rs->getString(8));
    return p;
  });
}

void CredentialRepository::Insert(Connection& conn, const CredentialRecord& r) {
  auto& stmt = conn.Prepare(
      "INSERT INTO credentials (member_id, serial_hex, fingerprint_sha256, not_after, issued_by) VALUES (?, ?, ?, ?, ?)");
  stmt.setUInt64(1, r.member_id);
  stmt.setString(2, r.serial_hex);
  stmt.setString(3, r.fingerprint_sha256);
  stmt.setDateTime(4, FormatDateTime(r.not_after));
  stmt.setString(5, r.issued_by);
  stmt.executeUpdate();
}

std::optional<CredentialRecord> CredentialRepository::FindForUpdate(Connection& conn, const std::string& key) {
  std::string lower = key, upper = key;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  auto& stmt = conn.Prepare(std::string(kRecordColumns) +
                            "WHERE c.fingerprint_sha256 = ? OR c.serial_hex = ? FOR UPDATE");
  stmt.setString(1, lower);
  stmt.setString(2, upper);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadRecord(*rs);
}

void CredentialRepository::MarkRevoked(Connection& conn, std::uint64_t id, const std::string& actor,
                                       const std::string& reason) {
  auto& stmt = conn.Prepare(
      "UPDATE credentials SET revoked_at = CURRENT_TIMESTAMP(6), revoked_by = ?, revoke_reason = ? WHERE id = ?");
  stmt.setString(1, actor);
  stmt.setString(2, reason);
  stmt.setUInt64(3, id);
  stmt.executeUpdate();
}

std::vector<CredentialRecord> CredentialRepository::ListForMember(Connection& conn, std::uint64_t member_id) {
  auto& stmt = conn.Prepare(std::string(kRecordColumns) + "WHERE c.member_id = ? ORDER BY c.issued_at, c.id");
  stmt.setUInt64(1, member_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<CredentialRecord> out;
  while (rs->next()) out.push_back(ReadRecord(*rs));
  return out;
}

void AdminActionRepository::Record(Connection& conn, const std::string& actor, const std::string& action,
                                   const std::string& target, const std::string& detail) {
  // The action also enters the tamper-evident audit log, in the same transaction.
  domain::AuditEvent event;
  event.at_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  event.principal = actor;
  event.method = "admin." + action;
  event.request_id = "admin:" + target;
  AuditRepository::Insert(conn, event);

  auto& stmt = conn.Prepare("INSERT INTO admin_actions (actor, action, target, detail) VALUES (?, ?, ?, ?)");
  stmt.setString(1, actor);
  stmt.setString(2, action);
  stmt.setString(3, target);
  stmt.setString(4, detail);
  stmt.executeUpdate();
}

}  // namespace creditshare::storage
