#include "storage/alert_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <sstream>

#include "storage/audit_repository.h"
#include "storage/line_rows.h"
#include "storage/public_id.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr const char* kColumns =
    "public_id, recipient_member_id, kind, severity, occurred_at_us, lender_type, lender_ordinal, "
    "account_references, reservation_ids, product_type, currency, amount_minor, balance_minor, overdue_minor, "
    "days_past_due, previous_days_past_due, purpose, collections_stage, event_date, expires_at_us";
constexpr int kColumnCount = 20;
constexpr int kSequenceRow = 1;  // alert_sequence's one row

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : " ") + t;
  return out;
}

std::vector<std::string> Split(const std::string& joined) {
  std::vector<std::string> out;
  std::istringstream in(joined);
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

void Bind(sql::PreparedStatement& s, int first, const domain::Alert& a, const std::string& public_id) {
  const auto& f = a.figures;
  s.setString(first, public_id);
  s.setUInt64(first + 1, a.recipient_member_id);
  s.setInt(first + 2, static_cast<int>(a.kind));
  s.setInt(first + 3, static_cast<int>(a.severity));
  s.setInt64(first + 4, a.occurred_at_us);
  s.setInt(first + 5, static_cast<int>(a.lender_type));
  s.setInt(first + 6, a.lender_ordinal);
  s.setString(first + 7, Join(a.account_references));
  s.setString(first + 8, Join(a.reservation_ids));
  s.setInt(first + 9, static_cast<int>(f.product_type));
  s.setString(first + 10, f.currency);
  s.setInt64(first + 11, f.amount_minor);
  s.setInt64(first + 12, f.balance_minor);
  s.setInt64(first + 13, f.overdue_minor);
  s.setInt(first + 14, f.days_past_due);
  s.setInt(first + 15, f.previous_days_past_due);
  s.setInt(first + 16, static_cast<int>(f.purpose));
  s.setInt(first + 17, static_cast<int>(f.collections_stage));
  line_rows::SetOptionalDate(s, first + 18, f.event_date);
  s.setInt64(first + 19, f.expires_at_us);
}

// "sequence, " + kColumns.
domain::Alert Read(sql::ResultSet& rs) {
  domain::Alert a;
  a.sequence = rs.getUInt64(1);
  a.alert_id = rs.getString(2);
  a.recipient_member_id = rs.getUInt64(3);
  a.kind = static_cast<domain::AlertKind>(rs.getInt(4));
  a.severity = static_cast<domain::AlertSeverity>(rs.getInt(5));
  a.occurred_at_us = rs.getInt64(6);
  a.lender_type = static_cast<domain::MemberType>(rs.getInt(7));
  a.lender_ordinal = rs.getInt(8);
  a.account_references = Split(rs.getString(9));
  a.reservation_ids = Split(rs.getString(10));
  auto& f = a.figures;
  f.product_type = static_cast<domain::ProductType>(rs.getInt(11));
  f.currency = rs.getString(12);
  f.amount_minor = rs.getInt64(13);
  f.balance_minor = rs.getInt64(14);
  f.overdue_minor = rs.getInt64(15);
  f.days_past_due = rs.getInt(16);
  f.previous_days_past_due = rs.getInt(17);
  f.purpose = static_cast<domain::Purpose>(rs.getInt(18));
  f.collections_stage = static_cast<domain::CollectionsStage>(rs.getInt(19));
  f.event_date = line_rows::ReadOptionalDate(rs, 20);
  f.expires_at_us = rs.getInt64(21);
  return a;
}

// Every borrower's lines and active reservations, for relationships and ordinals.
std::map<std::uint64_t, domain::BorrowerRelations> ReadRelations(Connection& conn,
                                                                  const std::set<std::uint64_t>& borrowers,
                                                                  std::int64_t now_us) {
  const auto n = borrowers.size();
  auto stmt = conn.PrepareRows(
      "SELECT l.borrower_id, 1, l.member_id, l.account_reference, l.opened_date, l.status "
      "FROM credit_lines l WHERE l.borrower_id IN (" + Placeholders(n) + ") AND l.deleted_at IS NULL "
      "UNION ALL "
      "SELECT r.borrower_id, 2, r.member_id, r.public_id, NULL, NULL "
      "FROM reservations r FORCE INDEX (ix_reservations_borrower) WHERE r.borrower_id IN (" + Placeholders(n) + ") AND r.status = ? AND r.expires_at_us > ?",
      2 * n);
  int p = 1;
  for (int round = 0; round < 2; ++round)
    for (const auto b : borrowers) stmt->setUInt64(p++, b);
  stmt->setInt(p++, static_cast<int>(domain::ReservationStatus::kActive));
  stmt->setInt64(p, now_us);
  std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
  std::map<std::uint64_t, domain::BorrowerRelations> out;
  while (rs->next()) {
    auto& r = out[rs->getUInt64(1)];
    const auto member = rs->getUInt64(3);
    if (rs->getInt(2) == 1) {
      r.lines.push_back({member, rs->getString(4), line_rows::ReadDate(*rs, 5),
                         static_cast<domain::LineStatus>(rs->getInt(6))});
    } else {
      r.reservations.push_back({member, rs->getString(4)});
    }
  }
  return out;
}

domain::MemberType TypeOf(Connection& conn, std::uint64_t member) {
  auto& stmt = conn.Prepare("SELECT member_type FROM members WHERE id = ?");
  stmt.setUInt64(1, member);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() ? static_cast<domain::MemberType>(rs->getInt(1)) : domain::MemberType::kUnspecified;
}

struct DisputedLine {
  std::uint64_t owner = 0;
  std::string account_reference;
};
DisputedLine LineOwner(Connection& conn, std::uint64_t line_id) {
  auto& stmt = conn.Prepare("SELECT member_id, account_reference FROM credit_lines WHERE id = ?");
  stmt.setUInt64(1, line_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return {};
  return {rs->getUInt64(1), rs->getString(2)};
}
}  // namespace

void AlertRepository::Raise(Connection& conn, std::uint64_t actor, const std::vector<RaisedEvent>& events,
                            std::int64_t now_us) {
  if (events.empty()) return;
  std::set<std::uint64_t> borrowers;
  for (const auto& e : events) borrowers.insert(e.borrower_id);
  const auto relations = ReadRelations(conn, borrowers, now_us);
  const auto actor_type = TypeOf(conn, actor);
  static const domain::BorrowerRelations kNone;
  std::vector<domain::Alert> alerts;
  for (const auto& e : events) {
    const auto it = relations.find(e.borrower_id);
    const auto& r = it == relations.end() ? kNone : it->second;
    if (e.disputed_line_id != 0) {
      const auto line = LineOwner(conn, e.disputed_line_id);
      if (auto a = domain::DisputeAlert(e.event, actor, actor_type, line.owner, line.account_reference, r, now_us))
        alerts.push_back(std::move(*a));
      continue;
    }
    auto fanned = domain::FanOut(e.event, actor, actor_type, r, now_us);
    alerts.insert(alerts.end(), std::make_move_iterator(fanned.begin()), std::make_move_iterator(fanned.end()));
  }
  std::vector<const domain::Alert*> pointers;
  for (const auto& a : alerts) pointers.push_back(&a);
  Enqueue(conn, pointers);
}

void AlertRepository::RaiseAmong(Connection& conn, std::uint64_t actor, const domain::AlertEvent& event,
                                 const domain::BorrowerRelations& relations, std::int64_t now_us) {
  const auto alerts = domain::FanOut(event, actor, TypeOf(conn, actor), relations, now_us);
  std::vector<const domain::Alert*> pointers;
  for (const auto& a : alerts) pointers.push_back(&a);
  Enqueue(conn, pointers);
}

void AlertRepository::Enqueue(Connection& conn, const std::vector<const domain::Alert*>& alerts) {
  // Bounded statements: a chunk of 1000 records can raise a few alerts each.
  constexpr std::size_t kRowsPerStatement = 200;
  for (std::size_t start = 0; start < alerts.size(); start += kRowsPerStatement) {
    const std::size_t n = std::min(kRowsPerStatement, alerts.size() - start);
    auto stmt = conn.PrepareRows(std::string("INSERT INTO alert_outbox (") + kColumns + ") VALUES " +
                                     RowsOf("(" + Placeholders(kColumnCount) + ")", n),
                                 n);
    for (std::size_t i = 0; i < n; ++i)
      Bind(*stmt, static_cast<int>(i) * kColumnCount + 1, *alerts[start + i], NewPublicId('a'));
    stmt->executeUpdate();
  }
}

AlertRepository::Sequenced AlertRepository::SequencePending(int max, std::int64_t now_us) {
  // Cheap look first: most ticks find nothing and take no lock.
  const bool pending = WithConnection(pool_, [](Connection& conn) {
    std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT 1 FROM alert_outbox LIMIT 1").executeQuery());
    return rs->next();
  });
  if (!pending) return {};
  auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<Sequenced> {
    Sequenced out;
    auto& lock = conn.Prepare("SELECT last_sequence FROM alert_sequence WHERE id = ? FOR UPDATE");
    lock.setInt(1, kSequenceRow);
    std::unique_ptr<sql::ResultSet> last(lock.executeQuery());
    if (!last->next()) throw std::runtime_error("alert_sequence has no row: is schema 11 applied?");
    out.last_sequence = last->getUInt64(1);
    // Sessions read committed (the pool's isolation), and only a sequencer deletes outbox rows,
    // under the lock above: every row read here is committed and still there. The rows are
    // named by id in both statements below: a row that commits meanwhile is left for the next
    // round, never deleted uncopied. The values stay in the database (an earlier version read
    // them out and bound them back, row by row: the sequencer fell behind under load).
    auto& read = conn.Prepare("SELECT id, kind, recipient_member_id FROM alert_outbox ORDER BY id LIMIT ?");
    read.setInt(1, max);
    std::unique_ptr<sql::ResultSet> rs(read.executeQuery());
    std::vector<std::uint64_t> ids;
    while (rs->next()) {
      ids.push_back(rs->getUInt64(1));
      ++out.by_kind[static_cast<domain::AlertKind>(rs->getInt(2))];
      out.recipients.insert(rs->getUInt64(3));
    }
    if (ids.empty()) return out;
    const auto n = ids.size();
    auto insert = conn.PrepareRows(std::string("INSERT INTO alerts (sequence, ") + kColumns +
                                       ", sequenced_at_us) SELECT ? + ROW_NUMBER() OVER (ORDER BY id), " + kColumns +
                                       ", ? FROM alert_outbox WHERE id IN (" + Placeholders(n) + ")",
                                   n);
    int p = 1;
    insert->setUInt64(p++, out.last_sequence);
    insert->setInt64(p++, now_us);
    for (const auto id : ids) insert->setUInt64(p++, id);
    if (insert->executeUpdate() != static_cast<int>(n)) throw std::runtime_error("outbox rows vanished while sequenced");
    auto remove = conn.PrepareRows("DELETE FROM alert_outbox WHERE id IN (" + Placeholders(n) + ")", n);
    for (std::size_t i = 0; i < n; ++i) remove->setUInt64(static_cast<int>(i) + 1, ids[i]);
    remove->executeUpdate();
    out.last_sequence += n;
    auto& advance = conn.Prepare("UPDATE alert_sequence SET last_sequence = ? WHERE id = ?");
    advance.setUInt64(1, out.last_sequence);
    advance.setInt(2, kSequenceRow);
    advance.executeUpdate();
    out.count = static_cast<int>(n);
    return out;
  });
  return std::move(result).value();
}

std::uint64_t AlertRepository::LastSequence() {
  return WithConnection(pool_, [](Connection& conn) {
    auto& stmt = conn.Prepare("SELECT last_sequence FROM alert_sequence WHERE id = ?");
    stmt.setInt(1, kSequenceRow);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    return rs->next() ? rs->getUInt64(1) : std::uint64_t{0};
  });
}

std::set<std::uint64_t> AlertRepository::RecipientsBetween(std::uint64_t after, std::uint64_t upto) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt =
        conn.Prepare("SELECT DISTINCT recipient_member_id FROM alerts WHERE sequence > ? AND sequence <= ?");
    stmt.setUInt64(1, after);
    stmt.setUInt64(2, upto);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::set<std::uint64_t> out;
    while (rs->next()) out.insert(rs->getUInt64(1));
    return out;
  });
}

std::vector<domain::Alert> AlertRepository::ListForMember(std::uint64_t member, std::uint64_t after,
                                                          domain::AlertKindSet kinds, int limit) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(std::string("SELECT sequence, ") + kColumns +
                              " FROM alerts WHERE recipient_member_id = ? AND sequence > ? AND (? & (1 << kind)) <> 0 "
                              "ORDER BY sequence LIMIT ?");
    stmt.setUInt64(1, member);
    stmt.setUInt64(2, after);
    stmt.setUInt(3, kinds);
    stmt.setInt(4, limit);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<domain::Alert> out;
    while (rs->next()) out.push_back(Read(*rs));
    return out;
  });
}

std::uint64_t AlertRepository::NewestForMember(std::uint64_t member, domain::AlertKindSet kinds) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "SELECT COALESCE(MAX(sequence), 0) FROM alerts WHERE recipient_member_id = ? AND (? & (1 << kind)) <> 0");
    stmt.setUInt64(1, member);
    stmt.setUInt(2, kinds);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    return rs->next() ? rs->getUInt64(1) : std::uint64_t{0};
  });
}

domain::AlertKindSet AlertRepository::KindsOf(Connection& conn, std::uint64_t member) {
  auto& stmt = conn.Prepare("SELECT alert_kinds FROM members WHERE id = ?");
  stmt.setUInt64(1, member);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next() || rs->isNull(1)) return domain::kAllAlertKinds;
  return static_cast<domain::AlertKindSet>(rs->getUInt(1)) & domain::kAllAlertKinds;
}

domain::AlertKindSet AlertRepository::KindsOf(std::uint64_t member) {
  return WithConnection(pool_, [&](Connection& conn) { return KindsOf(conn, member); });
}

void AlertRepository::SetKinds(Connection& conn, std::uint64_t member, domain::AlertKindSet kinds) {
  auto& stmt = conn.Prepare("UPDATE members SET alert_kinds = ? WHERE id = ?");
  stmt.setUInt(1, kinds);
  stmt.setUInt64(2, member);
  stmt.executeUpdate();
}

void AlertRepository::SetKinds(std::uint64_t member, domain::AlertKindSet kinds,
                               const std::function<domain::AuditEvent()>& audit) {
  (void)RunTransaction(pool_, [&](Connection& conn) -> domain::Result<int> {
    SetKinds(conn, member, kinds);
    AuditRepository::Insert(conn, audit());
    return 0;
  });
}

long AlertRepository::PurgeBefore(Connection& conn, std::int64_t before_us, int limit) {
  auto& stmt = conn.Prepare("DELETE FROM alerts WHERE occurred_at_us < ? LIMIT ?");
  stmt.setInt64(1, before_us);
  stmt.setInt(2, limit);
  return stmt.executeUpdate();
}

}  // namespace creditshare::storage
