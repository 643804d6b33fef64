#include "storage/reservation_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "domain/alert.h"
#include "domain/clock.h"
#include "storage/alert_repository.h"
#include "storage/audit_repository.h"
#include "storage/borrower_keys.h"
#include "storage/protection_repository.h"
#include "storage/public_id.h"

namespace creditshare::storage {

namespace {
using domain::Error;
using domain::ErrorCode;

constexpr int kActive = static_cast<int>(domain::ReservationStatus::kActive);
constexpr int kReleased = static_cast<int>(domain::ReservationStatus::kReleased);

std::string Encode(const ReservationResult& r) { return r.reservation_id + "|" + std::to_string(r.expires_at_us); }
ReservationResult Decode(const std::string& s) {
  const auto bar = s.find('|');
  return {s.substr(0, bar), std::stoll(s.substr(bar + 1))};
}
}  // namespace

std::vector<domain::ActiveReservation> ReservationRepository::ActiveForBorrower(Connection& conn,
                                                                                std::uint64_t borrower_id,
                                                                                std::int64_t now_us, bool lock) {
  auto& stmt = conn.Prepare(std::string(
      "SELECT r.member_id, m.member_type, r.public_id, r.product_type, r.currency, r.amount_minor, r.expires_at_us "
      "FROM reservations r JOIN members m ON m.id = r.member_id "
      "WHERE r.borrower_id = ? AND r.status = ? AND r.expires_at_us > ?") + (lock ? " LOCK IN SHARE MODE" : ""));
  stmt.setUInt64(1, borrower_id);
  stmt.setInt(2, kActive);
  stmt.setInt64(3, now_us);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<domain::ActiveReservation> out;
  while (rs->next()) {
    domain::ActiveReservation r;
    r.member_id = rs->getUInt64(1);
    r.member_type = static_cast<domain::MemberType>(rs->getInt(2));
    r.public_id = rs->getString(3);
    r.product_type = static_cast<domain::ProductType>(rs->getInt(4));
    r.currency = rs->getString(5);
    r.amount_minor = rs->getInt64(6);
    r.expires_at_us = rs->getInt64(7);
    out.push_back(std::move(r));
  }
  return out;
}

domain::Result<ReservationResult> ReservationRepository::Reserve(std::uint64_t member_id,
                                                                 const IdempotencyKey& idempotency,
                                                                 const BorrowerIdentity& borrower,
                                                                 const ReservationRequest& request,
                                                                 const domain::CreditPolicy& policy,
                                                                 const AuditOnChange& audit, bool* replayed) {
  auto outcome = RunIdempotent(pool_, member_id, idempotency, "ReserveCredit",
                               [&](Connection& conn) -> domain::Result<std::string> {
    // Lock order everywhere: idempotency key, borrower row, then the borrower's lines and
    // reservations. Holding the borrower row makes the cap check and the insert one step.
    const std::uint64_t borrower_id = CreditLineRepository::UpsertBorrower(conn, borrower);
    const auto lines = CreditLineRepository::LockLinesForCaps(conn, borrower_id);
    const auto reservations = ActiveForBorrower(conn, borrower_id, request.now_us, /*lock=*/true);
    // A freeze stops new credit by members that do not lend to the borrower yet (the whole
    // change, the borrower row included, rolls back).
    if (auto frozen = domain::FreezeRefusal(
            domain::Shown(ProtectionRepository::ForBorrower(conn, borrower_id), domain::BusinessDate(request.now_us)),
            request.purpose, domain::HasRelationship(domain::RelationsOf(lines, reservations), member_id)))
      return *frozen;
    const auto projection = domain::Project(lines, reservations, member_id, request.credit);
    if (auto breach = domain::CheckCaps(projection, request.credit, policy, "amount_minor")) return *breach;

    ReservationResult out{NewPublicId('r'), request.expires_at_us};
    auto& insert = conn.Prepare(
        "INSERT INTO reservations (public_id, member_id, borrower_id, product_type, currency, amount_minor, "
        "account_reference, status, created_at_us, expires_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setString(1, out.reservation_id);
    insert.setUInt64(2, member_id);
    insert.setUInt64(3, borrower_id);
    insert.setInt(4, static_cast<int>(request.credit.product_type));
    insert.setString(5, request.credit.currency);
    insert.setInt64(6, request.credit.limit_minor);
    insert.setString(7, request.account_reference);
    insert.setInt(8, kActive);
    insert.setInt64(9, request.now_us);
    insert.setInt64(10, request.expires_at_us);
    insert.executeUpdate();
    domain::AlertEvent event{domain::AlertKind::kNewReservation, {}};
    event.figures.product_type = request.credit.product_type;
    event.figures.currency = request.credit.currency;
    event.figures.amount_minor = request.credit.limit_minor;
    event.figures.expires_at_us = request.expires_at_us;
    auto relations = domain::RelationsOf(lines, reservations);
    relations.reservations.push_back({member_id, out.reservation_id});
    AlertRepository::RaiseAmong(conn, member_id, event, relations, request.now_us);
    AuditRepository::Insert(conn, audit());
    return Encode(out);
  });
  if (!outcome.ok()) return outcome.error();
  *replayed = outcome.value().replayed;
  return Decode(outcome.value().response);
}

domain::Result<std::string> ReservationRepository::Release(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                           const std::string& reservation_id, std::int64_t now_us,
                                                           const AuditOnChange& audit, bool* replayed) {
  auto outcome = RunIdempotent(pool_, member_id, idempotency, "ReleaseReservation",
                               [&](Connection& conn) -> domain::Result<std::string> {
    // The borrower's row first (borrower_keys.h, LockBorrower).
    auto& owner = conn.Prepare("SELECT borrower_id FROM reservations WHERE public_id = ? AND member_id = ?");
    owner.setString(1, reservation_id);
    owner.setUInt64(2, member_id);
    std::unique_ptr<sql::ResultSet> owned(owner.executeQuery());
    if (owned->next()) LockBorrower(conn, owned->getUInt64(1));
    auto& find = conn.Prepare(
        "SELECT id, status, expires_at_us, borrower_id FROM reservations WHERE public_id = ? AND member_id = ? "
        "FOR UPDATE");
    find.setString(1, reservation_id);
    find.setUInt64(2, member_id);
    std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
    if (!rs->next()) return Error{ErrorCode::kNotFound, "reservation_id", "no reservation of yours with this id"};
    if (rs->getInt(2) != kActive || rs->getInt64(3) <= now_us)
      return Error::FailedPrecondition("reservation_id", "the reservation has already ended");
    auto& update = conn.Prepare("UPDATE reservations SET status = ?, ended_at_us = ? WHERE id = ?");
    update.setInt(1, kReleased);
    update.setInt64(2, now_us);
    update.setUInt64(3, rs->getUInt64(1));
    update.executeUpdate();
    AuditRepository::InsertForBorrower(conn, audit(), rs->getUInt64(4));
    return reservation_id;
  });
  if (!outcome.ok()) return outcome.error();
  *replayed = outcome.value().replayed;
  return outcome.value().response;
}

}  // namespace creditshare::storage
