#include "storage/inquiry_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <iterator>
#include <memory>

#include "domain/clock.h"
#include "domain/exposure.h"
#include "storage/borrower_keys.h"
#include "storage/line_rows.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// The kind of each row of the snapshot (its last column).
enum RowKind : int { kLineRow = 1, kReservationRow = 2, kInquiryRow = 3, kProtectionRow = 4 };
constexpr int kKindColumn = 29;
constexpr std::size_t kApplicationPurposeCount = std::size(domain::kApplicationPurposes);

// Lines, reservations and other members' recent application inquiries of one borrower as one
// UNION: a borrower query is the service's hottest path, and each statement is a round trip plus
// planning in the database. Every part has the layout of a line row (line_rows, whose column 27
// carries the line's monthly records) plus the row kind (29); reservations and inquiries reuse
// line columns of the same types:
//   reservation: member id (2), public id (5), product (7), currency (8), amount (9), expiry (10)
//   inquiry:     member id (2), time (10)
// Inquiries come as rows, counted here: three COUNT(DISTINCT) aggregates cost the database a
// temporary table each. Member code and type come from the MemberDirectory, not a join.
const std::string kSnapshotSql =
    std::string("SELECT l.id, l.member_id, NULL, NULL, ") + line_rows::kLineFields + ", " + std::to_string(kLineRow) +
    " FROM borrowers b JOIN credit_lines l ON l.borrower_id = b.id WHERE b.borrower_key IN " + kKeyPair + " AND l.deleted_at IS NULL "
    "UNION ALL "
    "SELECT r.id, r.member_id, NULL, NULL, r.public_id, NULL, r.product_type, r.currency, r.amount_minor, "
    "r.expires_at_us, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, " + std::to_string(kReservationRow) +
    " FROM borrowers b JOIN reservations r FORCE INDEX (ix_reservations_borrower) ON r.borrower_id = b.id "
    "WHERE b.borrower_key IN " + kKeyPair + " AND r.status = ? AND r.expires_at_us > ? "
    "UNION ALL "
    "SELECT NULL, member_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, at_us, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " + std::to_string(kInquiryRow) +
    " FROM inquiries FORCE INDEX (ix_inquiries_borrower_at_member) "
    "WHERE borrower_key IN " + kKeyPair + " AND member_id <> ? AND purpose IN (" + Placeholders(kApplicationPurposeCount) +
    ") AND at_us > ? AND at_us <= ? "
    "UNION ALL "
    "SELECT b.id, NULL, NULL, NULL, p.notice_reference, p.statement, p.fraud_alert, NULL, NULL, NULL, "
    "p.fraud_alert_until, p.frozen, p.notices, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, " + std::to_string(kProtectionRow) +
    " FROM borrowers b JOIN borrower_protections p ON p.borrower_id = b.id WHERE b.borrower_key IN " + kKeyPair;
}  // namespace

BorrowerSnapshot InquiryRepository::ReadSnapshot(Connection& conn, const domain::KeyedDigest& borrower_key,
                                                 std::uint64_t caller, std::int64_t now_us) {
  auto& stmt = conn.Prepare(kSnapshotSql);
  int p = 1;
  BindKeyPair(stmt, p, borrower_key);
  BindKeyPair(stmt, p, borrower_key);
  stmt.setInt(p++, static_cast<int>(domain::ReservationStatus::kActive));
  stmt.setInt64(p++, now_us);
  BindKeyPair(stmt, p, borrower_key);
  stmt.setUInt64(p++, caller);
  for (const auto purpose : domain::kApplicationPurposes) stmt.setInt(p++, static_cast<int>(purpose));
  stmt.setInt64(p++, now_us - domain::kInquiryWindowDays * domain::kMicrosPerDay);
  stmt.setInt64(p++, now_us);
  BindKeyPair(stmt, p, borrower_key);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  BorrowerSnapshot s;
  std::vector<domain::InquiryMark> inquiries;
  while (rs->next()) {
    switch (rs->getInt(kKindColumn)) {
      case kLineRow: {
        auto line = line_rows::ReadLine(*rs);
        const auto member = members_.Get(conn, line.member_id);
        line.member_code = member.code;
        line.member_type = member.type;
        s.lines.push_back(std::move(line));
        break;
      }
      case kReservationRow: {
        domain::ActiveReservation r;
        r.member_id = rs->getUInt64(2);
        r.member_type = members_.Get(conn, r.member_id).type;
        r.public_id = rs->getString(5);
        r.product_type = static_cast<domain::ProductType>(rs->getInt(7));
        r.currency = rs->getString(8);
        r.amount_minor = rs->getInt64(9);
        r.expires_at_us = rs->getInt64(10);
        s.reservations.push_back(std::move(r));
        break;
      }
      case kInquiryRow:
        inquiries.push_back({rs->getUInt64(2), rs->getInt64(10)});
        break;
      case kProtectionRow: {
        auto& pr = s.protections;
        pr.borrower_id = rs->getUInt64(1);
        pr.notice_reference = rs->getString(5);
        pr.statement = rs->getString(6);
        pr.fraud_alert = static_cast<domain::FraudAlertKind>(rs->getInt(7));
        pr.fraud_alert_until = line_rows::ReadDate(*rs, 11);
        pr.frozen = rs->getBoolean(12);
        pr.notices = rs->getBoolean(13);
        break;
      }
      default:
        break;
    }
  }
  s.inquiries = domain::CountInquiringMembers(inquiries, now_us);
  return s;
}

domain::Result<BorrowerSnapshot> InquiryRepository::Inquire(
    const InquiryRecord& inquiry, const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit,
    const std::function<domain::AuditEvent()>& audit) {
  // Read committed data in one statement; the inquiry is recorded afterwards, and the caller
  // gets the data only once the record is durable.
  domain::MemberType caller_type = domain::MemberType::kUnspecified;
  auto snapshot = WithConnection(pool_, [&](Connection& conn) {
    caller_type = members_.Get(conn, inquiry.member_id).type;
    return ReadSnapshot(conn, inquiry.borrower_key, inquiry.member_id, inquiry.at_us);
  });
  const bool noticed = domain::LeavesAccessNotice(snapshot.protections, domain::BusinessDate(inquiry.at_us));
  if (auto refused = permit(snapshot)) {
    // A refused attempt on a protected borrower is what the borrower most needs to hear of
    // (someone applying in their name despite the freeze): its notice is written on its own.
    if (noticed)
      WithConnection(pool_, [&](Connection& conn) {
        InsertNotices(conn, {{&inquiry, InquiryRecord::Notice{snapshot.protections.borrower_id,
                                                              snapshot.protections.notice_reference, caller_type}}},
                      /*refused=*/true);
        return 0;
      });
    return *refused;
  }
  InquiryRecord with_alerts = inquiry;
  if (noticed)
    with_alerts.notice = InquiryRecord::Notice{snapshot.protections.borrower_id, snapshot.protections.notice_reference,
                                               caller_type};
  if (!domain::IsApplicationPurpose(inquiry.purpose)) {
    writer_.Write(audit(), &with_alerts);
    return snapshot;
  }
  domain::AlertEvent event{domain::AlertKind::kApplicationInquiry, {}};
  event.figures.purpose = inquiry.purpose;
  with_alerts.alerts = domain::FanOut(event, inquiry.member_id, caller_type,
                                      domain::RelationsOf(snapshot.lines, snapshot.reservations), inquiry.at_us);
  writer_.Write(audit(), &with_alerts);
  return snapshot;
}

void InquiryRepository::RecordMany(Connection& conn, const std::vector<const InquiryRecord*>& inquiries) {
  if (inquiries.empty()) return;
  auto stmt = conn.PrepareRows(
      "INSERT INTO inquiries (borrower_key, key_version, member_id, purpose, consent_reference, method, at_us) "
      "VALUES " + RowsOf("(?, ?, ?, ?, ?, ?, ?)", inquiries.size()),
      inquiries.size());
  int base = 0;
  for (const auto* r : inquiries) {
    stmt->setString(base + 1, r->borrower_key.current);
    stmt->setInt(base + 2, r->borrower_key.version);
    stmt->setUInt64(base + 3, r->member_id);
    stmt->setInt(base + 4, static_cast<int>(r->purpose));
    stmt->setString(base + 5, r->consent_reference);
    stmt->setString(base + 6, r->method);
    stmt->setInt64(base + 7, r->at_us);
    base += 7;
  }
  stmt->executeUpdate();
  std::vector<std::pair<const InquiryRecord*, InquiryRecord::Notice>> noticed;
  for (const auto* r : inquiries)
    if (r->notice) noticed.emplace_back(r, *r->notice);
  InsertNotices(conn, noticed, /*refused=*/false);
}

void InquiryRepository::InsertNotices(Connection& conn,
                                      const std::vector<std::pair<const InquiryRecord*, InquiryRecord::Notice>>& notices,
                                      bool refused) {
  if (notices.empty()) return;
  auto stmt = conn.PrepareRows(
      "INSERT INTO access_notices (borrower_id, reference, member_type, purpose, refused, at_us) VALUES " +
          RowsOf("(?, ?, ?, ?, ?, ?)", notices.size()),
      notices.size());
  int p = 1;
  for (const auto& [r, n] : notices) {
    stmt->setUInt64(p++, n.borrower_id);
    stmt->setString(p++, n.reference);
    stmt->setInt(p++, static_cast<int>(n.member_type));
    stmt->setInt(p++, static_cast<int>(r->purpose));
    stmt->setBoolean(p++, refused);
    stmt->setInt64(p++, r->at_us);
  }
  stmt->executeUpdate();
}

std::vector<InquiryEntry> InquiryRepository::ListForMember(std::uint64_t member_id, std::uint64_t before_id, int limit) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "SELECT id, at_us, purpose, consent_reference, method FROM inquiries WHERE member_id = ? AND id < ? "
        "ORDER BY id DESC LIMIT ?");
    stmt.setUInt64(1, member_id);
    stmt.setUInt64(2, before_id == 0 ? UINT64_MAX : before_id);
    stmt.setInt(3, limit);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<InquiryEntry> out;
    while (rs->next())
      out.push_back({rs->getUInt64(1), rs->getInt64(2), static_cast<domain::Purpose>(rs->getInt(3)),
                     rs->getString(4), rs->getString(5)});
    return out;
  });
}

}  // namespace creditshare::storage
