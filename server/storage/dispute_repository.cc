#include "storage/dispute_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "domain/clock.h"
#include "storage/alert_repository.h"
#include "storage/audit_repository.h"
#include "storage/borrower_keys.h"
#include "storage/public_id.h"

namespace creditshare::storage {

namespace {
using domain::DisputeRecord;
using domain::DisputeStatus;
using domain::Error;
using domain::ErrorCode;

constexpr const char* kColumns =
    "SELECT d.id, d.public_id, l.public_id, l.account_reference, d.status, d.reason, d.filed_at_us, d.due_at_us, "
    "COALESCE(d.resolved_at_us, 0), d.resolution_note, l.member_id, l.borrower_id, d.line_id "
    "FROM disputes d JOIN credit_lines l ON l.id = d.line_id ";

DisputeRecord ReadDispute(sql::ResultSet& rs, std::uint64_t viewer) {
  DisputeRecord d;
  d.dispute_id = rs.getString(2);
  d.line_id = rs.getString(3);
  if (rs.getUInt64(11) == viewer) d.account_reference = rs.getString(4);
  d.status = static_cast<DisputeStatus>(rs.getInt(5));
  d.reason = rs.getString(6);
  d.filed_at_us = rs.getInt64(7);
  d.due_at_us = rs.getInt64(8);
  d.resolved_at_us = rs.getInt64(9);
  d.resolution_note = rs.getString(10);
  return d;
}

// credit_lines.disputed is the copy of "has an open dispute" that borrower queries read (schema 0007).
void SetDisputed(Connection& conn, std::uint64_t line_id, bool disputed) {
  auto& stmt = conn.Prepare("UPDATE credit_lines SET disputed = ? WHERE id = ?");
  stmt.setBoolean(1, disputed);
  stmt.setUInt64(2, line_id);
  stmt.executeUpdate();
}
}  // namespace

domain::Result<IdempotentOutcome> DisputeRepository::File(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                          const domain::KeyedDigest& borrower_key, const std::string& line_id,
                                                          const std::string& reason, std::int64_t now_us,
                                                          const AuditOnChange& audit, const Encoder& encode) {
  return RunIdempotent(pool_, member_id, idempotency, "FileDispute", [&](Connection& conn) -> domain::Result<std::string> {
    auto& find = conn.Prepare(
        std::string("SELECT l.id, l.disputed, l.borrower_id, l.product_type, l.currency FROM credit_lines l ") +
        "JOIN borrowers b ON b.id = l.borrower_id "
        "WHERE l.public_id = ? AND b.borrower_key IN " + kKeyPair + " AND l.deleted_at IS NULL FOR UPDATE");
    find.setString(1, line_id);
    int p = 2;
    BindKeyPair(find, p, borrower_key);
    std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
    if (!rs->next()) return Error{ErrorCode::kNotFound, "line_id", "no line with this id for this borrower"};
    const std::uint64_t line = rs->getUInt64(1);
    domain::AlertEvent event{domain::AlertKind::kDisputeFiled, {}};
    const std::uint64_t borrower = rs->getUInt64(3);
    event.figures.product_type = static_cast<domain::ProductType>(rs->getInt(4));
    event.figures.currency = rs->getString(5);
    if (rs->getBoolean(2)) return Error::FailedPrecondition("line_id", "the line already has an open dispute");

    DisputeRecord d;
    d.dispute_id = NewPublicId('d');
    d.line_id = line_id;
    d.status = DisputeStatus::kOpen;
    d.reason = reason;
    d.filed_at_us = now_us;
    d.due_at_us = now_us + domain::kDisputeResolutionDays * domain::kMicrosPerDay;
    auto& insert = conn.Prepare(
        "INSERT INTO disputes (public_id, line_id, filed_by_member_id, reason, status, filed_at_us, due_at_us) "
        "VALUES (?, ?, ?, ?, 1, ?, ?)");
    insert.setString(1, d.dispute_id);
    insert.setUInt64(2, line);
    insert.setUInt64(3, member_id);
    insert.setString(4, reason);
    insert.setInt64(5, d.filed_at_us);
    insert.setInt64(6, d.due_at_us);
    insert.executeUpdate();
    SetDisputed(conn, line, true);
    event.figures.expires_at_us = d.due_at_us;
    AlertRepository::Raise(conn, member_id, {{borrower, event, line}}, now_us);
    AuditRepository::Insert(conn, audit());
    return encode(d);
  });
}

domain::Result<IdempotentOutcome> DisputeRepository::Resolve(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                             const std::string& dispute_id, DisputeStatus resolution,
                                                             const std::string& note, std::int64_t now_us,
                                                             const AuditOnChange& audit, const Encoder& encode) {
  return RunIdempotent(pool_, member_id, idempotency, "ResolveDispute", [&](Connection& conn) -> domain::Result<std::string> {
    // The borrower's row first (borrower_keys.h, LockBorrower); then the dispute and its line.
    auto& owner = conn.Prepare(
        "SELECT l.borrower_id FROM disputes d JOIN credit_lines l ON l.id = d.line_id WHERE d.public_id = ?");
    owner.setString(1, dispute_id);
    std::unique_ptr<sql::ResultSet> owned(owner.executeQuery());
    if (owned->next()) LockBorrower(conn, owned->getUInt64(1));
    auto& find = conn.Prepare(std::string(kColumns) + "WHERE d.public_id = ? FOR UPDATE");
    find.setString(1, dispute_id);
    std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
    // Another member's dispute is indistinguishable from none.
    if (!rs->next() || rs->getUInt64(11) != member_id)
      return Error{ErrorCode::kNotFound, "dispute_id", "no dispute on your lines with this id"};
    const std::uint64_t id = rs->getUInt64(1);
    const std::uint64_t borrower_id = rs->getUInt64(12);
    DisputeRecord d = ReadDispute(*rs, member_id);
    if (d.status != DisputeStatus::kOpen) return Error::FailedPrecondition("dispute_id", "the dispute is already resolved");
    auto& update = conn.Prepare("UPDATE disputes SET status = ?, resolved_at_us = ?, resolution_note = ? WHERE id = ?");
    update.setInt(1, static_cast<int>(resolution));
    update.setInt64(2, now_us);
    update.setString(3, note);
    update.setUInt64(4, id);
    update.executeUpdate();
    SetDisputed(conn, rs->getUInt64(13), false);
    if (resolution == DisputeStatus::kDeleted) {
      auto& remove = conn.Prepare("UPDATE credit_lines SET deleted_at = CURRENT_TIMESTAMP(6) WHERE public_id = ?");
      remove.setString(1, d.line_id);
      remove.executeUpdate();
    }
    d.status = resolution;
    d.resolved_at_us = now_us;
    d.resolution_note = note;
    AuditRepository::InsertForBorrower(conn, audit(), borrower_id);
    return encode(d);
  });
}

std::vector<DisputeRecord> DisputeRepository::ListForOwner(std::uint64_t member_id, Filter filter, std::int64_t now_us,
                                                           std::uint64_t after_id, int limit, std::uint64_t* last_id) {
  return WithConnection(pool_, [&](Connection& conn) {
    // One statement for every filter: status 0 matches any status; due bound 0 matches any due time.
    auto& stmt = conn.Prepare(std::string(kColumns) +
                              "WHERE l.member_id = ? AND (? = 0 OR d.status = ?) AND (? = 0 OR d.due_at_us < ?) "
                              "AND d.id > ? ORDER BY d.id LIMIT ?");
    const int status = filter == Filter::kAll ? 0 : 1;
    const bool overdue_only = filter == Filter::kOverdue;
    stmt.setUInt64(1, member_id);
    stmt.setInt(2, status);
    stmt.setInt(3, status);
    stmt.setInt(4, overdue_only ? 1 : 0);
    stmt.setInt64(5, now_us);
    stmt.setUInt64(6, after_id);
    stmt.setInt(7, limit);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<DisputeRecord> out;
    *last_id = 0;
    while (rs->next()) {
      *last_id = rs->getUInt64(1);
      out.push_back(ReadDispute(*rs, member_id));
    }
    return out;
  });
}

}  // namespace creditshare::storage
