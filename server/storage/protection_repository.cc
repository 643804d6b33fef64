#include "storage/protection_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>

#include "storage/borrower_keys.h"
#include "storage/line_rows.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr const char* kColumns =
    "SELECT p.borrower_id, p.statement, p.fraud_alert, p.fraud_alert_until, p.frozen, p.notices, p.notice_reference "
    "FROM borrower_protections p ";

domain::Protections ReadRow(sql::ResultSet& rs) {
  domain::Protections p;
  p.borrower_id = rs.getUInt64(1);
  p.statement = rs.getString(2);
  p.fraud_alert = static_cast<domain::FraudAlertKind>(rs.getInt(3));
  p.fraud_alert_until = line_rows::ReadDate(rs, 4);
  p.frozen = rs.getBoolean(5);
  p.notices = rs.getBoolean(6);
  p.notice_reference = rs.getString(7);
  return p;
}
}  // namespace

domain::Protections ProtectionRepository::Read(const domain::KeyedDigest& borrower_key) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(std::string(kColumns) + "JOIN borrowers b ON b.id = p.borrower_id WHERE b.borrower_key IN " +
                              kKeyPair);
    int p = 1;
    BindKeyPair(stmt, p, borrower_key);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    return rs->next() ? ReadRow(*rs) : domain::Protections{};
  });
}

domain::Protections ProtectionRepository::ForBorrower(Connection& conn, std::uint64_t borrower_id) {
  auto& stmt = conn.Prepare(std::string(kColumns) + "WHERE p.borrower_id = ?");
  stmt.setUInt64(1, borrower_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() ? ReadRow(*rs) : domain::Protections{};
}

domain::Protections ProtectionRepository::Update(
    const BorrowerIdentity& borrower, std::int64_t now_us, const std::function<void(domain::Protections&)>& change,
    const std::function<void(Connection&, const domain::Protections&)>& record) {
  return RunTransaction(pool_, [&](Connection& conn) -> domain::Result<domain::Protections> {
    const std::uint64_t borrower_id = CreditLineRepository::UpsertBorrower(conn, borrower);
    domain::Protections p;
    {
      auto& stmt = conn.Prepare(std::string(kColumns) + "WHERE p.borrower_id = ? FOR UPDATE");
      stmt.setUInt64(1, borrower_id);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      if (rs->next()) p = ReadRow(*rs);
    }
    p.borrower_id = borrower_id;
    change(p);
    auto& upsert = conn.Prepare(
        "INSERT INTO borrower_protections (borrower_id, statement, fraud_alert, fraud_alert_until, frozen, notices, "
        "notice_reference, updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
        "statement = VALUES(statement), fraud_alert = VALUES(fraud_alert), fraud_alert_until = VALUES(fraud_alert_until), "
        "frozen = VALUES(frozen), notices = VALUES(notices), notice_reference = VALUES(notice_reference), "
        "updated_at_us = VALUES(updated_at_us)");
    upsert.setUInt64(1, borrower_id);
    upsert.setString(2, p.statement);
    upsert.setInt(3, static_cast<int>(p.fraud_alert));
    if (p.fraud_alert == domain::FraudAlertKind::kNone)
      upsert.setNull(4, 0);
    else
      upsert.setString(4, p.fraud_alert_until.ToString());
    upsert.setBoolean(5, p.frozen);
    upsert.setBoolean(6, p.notices);
    upsert.setString(7, p.notice_reference);
    upsert.setInt64(8, now_us);
    upsert.executeUpdate();
    record(conn, p);
    return p;
  }).value();
}

ProtectionRepository::Record ProtectionRepository::ReadRecord(const domain::KeyedDigest& borrower_key,
                                                             std::int64_t inquiries_since_us) {
  Record out;
  out.protections = Read(borrower_key);
  WithConnection(pool_, [&](Connection& conn) {
    std::map<std::uint64_t, std::string> names;
    {
      std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT id, name FROM members").executeQuery());
      while (rs->next()) names[rs->getUInt64(1)] = rs->getString(2);
    }
    {
      auto& stmt = conn.Prepare(line_rows::kSelectWithMember +
                                "JOIN borrowers b ON b.id = l.borrower_id WHERE b.borrower_key IN " + kKeyPair +
                                " AND l.deleted_at IS NULL ORDER BY l.opened_date, l.id");
      int p = 1;
      BindKeyPair(stmt, p, borrower_key);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next()) {
        auto line = line_rows::ReadLine(*rs);
        out.lines.push_back({names[line.member_id], std::move(line)});
      }
    }
    {
      auto& stmt = conn.Prepare(
          std::string("SELECT d.public_id, l.account_reference, l.member_id, d.reason, d.resolution_note, d.status, "
                      "d.filed_at_us, d.due_at_us, COALESCE(d.resolved_at_us, 0) FROM disputes d "
                      "JOIN credit_lines l ON l.id = d.line_id JOIN borrowers b ON b.id = l.borrower_id "
                      "WHERE b.borrower_key IN ") +
          kKeyPair + " ORDER BY d.filed_at_us, d.id");
      int p = 1;
      BindKeyPair(stmt, p, borrower_key);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next())
        out.disputes.push_back({rs->getString(1), rs->getString(2), names[rs->getUInt64(3)], rs->getString(4),
                                rs->getString(5), rs->getInt(6), rs->getInt64(7), rs->getInt64(8), rs->getInt64(9)});
    }
    {
      auto& stmt = conn.Prepare(
          std::string("SELECT i.member_id, m.member_type, i.purpose, i.at_us FROM inquiries i JOIN members m ON m.id = "
                      "i.member_id WHERE i.borrower_key IN ") +
          kKeyPair + " AND i.at_us >= ? ORDER BY i.at_us, i.id");
      int p = 1;
      BindKeyPair(stmt, p, borrower_key);
      stmt.setInt64(p, inquiries_since_us);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next())
        out.inquiries.push_back({names[rs->getUInt64(1)], static_cast<domain::MemberType>(rs->getInt(2)),
                                 static_cast<domain::Purpose>(rs->getInt(3)), rs->getInt64(4)});
    }
    return 0;
  });
  return out;
}

std::vector<ProtectionRepository::Notice> ProtectionRepository::NoticesAfter(std::uint64_t after_id, int settle_s,
                                                                            int limit) {
  return WithConnection(pool_, [&](Connection& conn) {
    // Stops at the first notice not yet settled, so none after it is handed out before it.
    auto& stmt = conn.Prepare(
        "SELECT id, reference, member_type, purpose, refused, at_us FROM access_notices WHERE id > ? AND id < COALESCE("
        "(SELECT MIN(id) FROM access_notices WHERE id > ? AND inserted_at > NOW(6) - INTERVAL ? SECOND), "
        "18446744073709551615) ORDER BY id LIMIT ?");
    stmt.setUInt64(1, after_id);
    stmt.setUInt64(2, after_id);
    stmt.setInt(3, settle_s);
    stmt.setInt(4, limit);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<Notice> out;
    while (rs->next())
      out.push_back({rs->getUInt64(1), rs->getString(2), static_cast<domain::MemberType>(rs->getInt(3)),
                     static_cast<domain::Purpose>(rs->getInt(4)), rs->getBoolean(5), rs->getInt64(6)});
    return out;
  });
}

}  // namespace creditshare::storage
