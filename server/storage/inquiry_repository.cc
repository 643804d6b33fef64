#include "storage/inquiry_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <iterator>
#include <memory>

#include "domain/clock.h"
#include "domain/exposure.h"
#include "storage/borrower_keys.h"
#include "storage/borrower_state.h"
#include "storage/line_rows.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
namespace bs = borrower_state;
constexpr std::size_t kApplicationPurposeCount = std::size(domain::kApplicationPurposes);

// A borrower query is the service's hottest path, and each statement is a round trip plus
// planning in the database: one statement reads the borrower's stored state (schema 0019: their
// lines, reservations and protections in one row) and other members' recent application
// inquiries. Inquiries come as rows, counted here: three COUNT(DISTINCT) aggregates cost the
// database a temporary table each.
//   state row:   borrowers.id (1), state (3)
//   inquiry row: member id (2), time (4)
enum ReadRow : int { kStateRow = 1, kInquiryRow = 2 };
constexpr int kReadKindColumn = 5;
const std::string kReadSql =
    std::string("SELECT b.id, NULL, b.state, NULL, ") + std::to_string(kStateRow) +
    " FROM borrowers b WHERE b.borrower_key IN " + kKeyPair +
    " UNION ALL "
    "SELECT NULL, member_id, NULL, at_us, " + std::to_string(kInquiryRow) +
    " FROM inquiries FORCE INDEX (ix_inquiries_borrower_at_member) "
    "WHERE borrower_key IN " + kKeyPair + " AND member_id <> ? AND purpose IN (" + Placeholders(kApplicationPurposeCount) +
    ") AND at_us > ? AND at_us <= ?";
}  // namespace

// One row of a borrower's state (stored, or read from the tables) into the snapshot. Member code
// and type come from the MemberDirectory, not a join.
template <typename Row>
void InquiryRepository::AddStateRow(Connection& conn, Row& row, std::int64_t now_us, BorrowerSnapshot& s) {
  switch (row.getInt(bs::kKindColumn)) {
    case bs::kLineRow: {
      auto line = line_rows::ReadLine(row);
      const auto member = members_.Get(conn, line.member_id);
      line.member_code = member.code;
      line.member_type = member.type;
      s.lines.push_back(std::move(line));
      break;
    }
    case bs::kReservationRow: {
      domain::ActiveReservation r;
      r.member_id = row.getUInt64(2);
      r.member_type = members_.Get(conn, r.member_id).type;
      r.public_id = row.getString(5);
      r.product_type = static_cast<domain::ProductType>(row.getInt(7));
      r.currency = row.getString(8);
      r.amount_minor = row.getInt64(9);
      r.expires_at_us = row.getInt64(10);
      if (domain::IsActiveAt(r, now_us)) s.reservations.push_back(std::move(r));
      break;
    }
    case bs::kProtectionRow: {
      auto& pr = s.protections;
      pr.borrower_id = row.getUInt64(1);
      pr.notice_reference = row.getString(5);
      pr.statement = row.getString(6);
      pr.fraud_alert = static_cast<domain::FraudAlertKind>(row.getInt(7));
      pr.fraud_alert_until = line_rows::ReadDate(row, 11);
      pr.frozen = row.getBoolean(12);
      pr.notices = row.getBoolean(13);
      break;
    }
    default:
      break;
  }
}

BorrowerSnapshot InquiryRepository::ReadSnapshot(Connection& conn, const domain::KeyedDigest& borrower_key,
                                                 std::uint64_t caller, std::int64_t now_us) {
  auto& stmt = conn.Prepare(kReadSql);
  int p = 1;
  BindKeyPair(stmt, p, borrower_key);
  BindKeyPair(stmt, p, borrower_key);
  stmt.setUInt64(p++, caller);
  for (const auto purpose : domain::kApplicationPurposes) stmt.setInt(p++, static_cast<int>(purpose));
  stmt.setInt64(p++, now_us - domain::kInquiryWindowDays * domain::kMicrosPerDay);
  stmt.setInt64(p++, now_us);
  BorrowerSnapshot s;
  std::vector<domain::InquiryMark> inquiries;
  std::vector<std::uint64_t> unbuilt;  // borrowers whose state is missing (or of another encoding)
  {
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      if (rs->getInt(kReadKindColumn) == kInquiryRow) {
        inquiries.push_back({rs->getUInt64(2), rs->getInt64(4)});
        continue;
      }
      const auto id = rs->getUInt64(1);
      auto rows = rs->isNull(3) ? std::nullopt : bs::Decode(std::string(rs->getString(3)));
      // A state that does not read is treated as missing: the tables are read and it is rebuilt.
      BorrowerSnapshot part;
      try {
        if (rows)
          for (auto& row : *rows) AddStateRow(conn, row, now_us, part);
      } catch (const std::exception&) {
        rows.reset();
      }
      if (!rows) {
        unbuilt.push_back(id);
        continue;
      }
      for (auto& l : part.lines) s.lines.push_back(std::move(l));
      for (auto& r : part.reservations) s.reservations.push_back(std::move(r));
      if (part.protections.borrower_id != 0) s.protections = std::move(part.protections);
    }
  }
  if (!unbuilt.empty()) {
    // Read from the tables what the state would say, and have it built for the next reader.
    state_misses_.fetch_add(1, std::memory_order_relaxed);
    auto& parts = conn.Prepare(bs::StatePartsSql(unbuilt.size()));
    p = 1;
    for (const auto id : unbuilt) parts.setUInt64(p++, id);
    for (const auto id : unbuilt) parts.setUInt64(p++, id);
    parts.setInt(p++, static_cast<int>(domain::ReservationStatus::kActive));
    parts.setInt64(p++, now_us);
    for (const auto id : unbuilt) parts.setUInt64(p++, id);
    std::unique_ptr<sql::ResultSet> rs(parts.executeQuery());
    while (rs->next()) AddStateRow(conn, *rs, now_us, s);
    if (states_ != nullptr)
      for (const auto id : unbuilt) states_->Request(id);
  } else {
    state_hits_.fetch_add(1, std::memory_order_relaxed);
  }
  s.inquiries = domain::CountInquiringMembers(inquiries, now_us);
  return s;
}

domain::Result<BorrowerSnapshot> InquiryRepository::Inquire(
    const InquiryRecord& inquiry, const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit,
    const std::function<domain::AuditEvent()>& audit) {
  auto prepared = Prepare(inquiry, permit);
  if (!prepared.ok()) return prepared.error();
  writer_.Write(audit(), &prepared.value().record);
  return std::move(prepared.value().snapshot);
}

domain::Result<InquiryRepository::Prepared> InquiryRepository::Prepare(
    const InquiryRecord& inquiry, const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit) {
  // Read committed data in one statement; the inquiry is recorded afterwards, and the caller
  // shows the data only once the record is durable.
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
  if (domain::IsApplicationPurpose(inquiry.purpose)) {
    domain::AlertEvent event{domain::AlertKind::kApplicationInquiry, {}};
    event.figures.purpose = inquiry.purpose;
    with_alerts.alerts = domain::FanOut(event, inquiry.member_id, caller_type,
                                        domain::RelationsOf(snapshot.lines, snapshot.reservations), inquiry.at_us);
  }
  return Prepared{std::move(snapshot), std::move(with_alerts)};
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
