#include "storage/member_repository.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "domain/clock.h"
#include "storage/line_rows.h"
#include "storage/sql_errors.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr const char* kColumns = "SELECT id, code, name, member_type, region_code, status, report_scope, privacy_budget_milli FROM members ";

domain::Member ReadMember(sql::ResultSet& rs) {
  domain::Member m;
  m.id = rs.getUInt64(1);
  m.code = rs.getString(2);
  m.name = rs.getString(3);
  m.type = static_cast<domain::MemberType>(rs.getInt(4));
  m.region_code = rs.getString(5);
  m.status = static_cast<domain::MemberStatus>(rs.getInt(6));
  if (!rs.isNull(7)) m.report_scope = rs.getString(7);
  if (!rs.isNull(8)) m.privacy_budget_milli = static_cast<std::int64_t>(rs.getUInt64(8));
  return m;
}
}  // namespace

std::optional<domain::Member> MemberRepository::FindByCode(const std::string& code) {
  return WithConnection(pool_, [&](Connection& conn) { return Lookup(conn, code, RowLock::kNone); });
}

std::vector<domain::Member> MemberRepository::List() {
  return WithConnection(pool_, [&](Connection& conn) {
    std::unique_ptr<sql::ResultSet> rs(conn.Prepare(std::string(kColumns) + "ORDER BY code").executeQuery());
    std::vector<domain::Member> out;
    while (rs->next()) out.push_back(ReadMember(*rs));
    return out;
  });
}

std::optional<domain::Member> MemberRepository::Lookup(Connection& conn, const std::string& code, RowLock lock) {
  auto& stmt = conn.Prepare(std::string(kColumns) + (lock == RowLock::kForUpdate ? "WHERE code = ? FOR UPDATE" : "WHERE code = ?"));
  stmt.setString(1, code);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadMember(*rs);
}

bool MemberRepository::Insert(Connection& conn, const domain::Member& member) {
  auto& stmt = conn.Prepare(
      "INSERT INTO members (code, name, member_type, region_code, status, report_scope) VALUES (?, ?, ?, ?, ?, ?)");
  stmt.setString(1, member.code);
  stmt.setString(2, member.name);
  stmt.setInt(3, static_cast<int>(member.type));
  stmt.setString(4, member.region_code);
  stmt.setInt(5, static_cast<int>(member.status));
  if (member.report_scope.empty()) {
    stmt.setNull(6, sql::DataType::VARCHAR);
  } else {
    stmt.setString(6, member.report_scope);
  }
  return InsertUnlessDuplicate(stmt);
}

void MemberRepository::SetReportScope(Connection& conn, std::uint64_t id, const std::string& scope) {
  auto& stmt = conn.Prepare("UPDATE members SET report_scope = ? WHERE id = ?");
  stmt.setString(1, scope);
  stmt.setUInt64(2, id);
  stmt.executeUpdate();
}

void MemberRepository::SetPrivacyBudget(Connection& conn, std::uint64_t id, std::optional<std::int64_t> milli) {
  auto& stmt = conn.Prepare("UPDATE members SET privacy_budget_milli = ? WHERE id = ?");
  if (milli) {
    stmt.setUInt64(1, static_cast<std::uint64_t>(*milli));
  } else {
    stmt.setNull(1, sql::DataType::INTEGER);
  }
  stmt.setUInt64(2, id);
  stmt.executeUpdate();
}

void MemberRepository::SetStatus(Connection& conn, std::uint64_t id, domain::MemberStatus status) {
  auto& stmt = conn.Prepare("UPDATE members SET status = ? WHERE id = ?");
  stmt.setInt(1, static_cast<int>(status));
  stmt.setUInt64(2, id);
  stmt.executeUpdate();
}

domain::ReciprocityStanding MemberRepository::Standing(std::uint64_t member_id) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "SELECT CAST(UNIX_TIMESTAMP(m.created_at) * 1000000 AS SIGNED), m.reciprocity_exempt, "
        "(SELECT MAX(d.day) FROM member_report_days d WHERE d.member_id = m.id) FROM members m WHERE m.id = ?");
    stmt.setUInt64(1, member_id);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    domain::ReciprocityStanding s;
    if (!rs->next()) return s;
    s.onboarded = domain::BusinessDate(rs->getInt64(1));
    s.exempt = rs->getBoolean(2);
    s.last_report = line_rows::ReadOptionalDate(*rs, 3);
    return s;
  });
}

void MemberRepository::SetReciprocityExempt(Connection& conn, std::uint64_t id, bool exempt) {
  auto& stmt = conn.Prepare("UPDATE members SET reciprocity_exempt = ? WHERE id = ?");
  stmt.setBoolean(1, exempt);
  stmt.setUInt64(2, id);
  stmt.executeUpdate();
}

void MemberRepository::RecordReportDay(Connection& conn, std::uint64_t member_id, const domain::Date& day) {
  // A key that exists is only read (a shared lock, which other reports of the day share).
  auto& stmt = conn.Prepare("INSERT IGNORE INTO member_report_days (member_id, day) VALUES (?, ?)");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, day.ToString());
  stmt.executeUpdate();
}

}  // namespace creditshare::storage
