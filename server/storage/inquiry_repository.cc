#include "storage/inquiry_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "storage/audit_repository.h"
#include "storage/credit_line_repository.h"
#include "storage/reservation_repository.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr std::int64_t kDayUs = 86'400'000'000LL;
}

void InquiryRepository::Record(Connection& conn, const std::string& borrower_key, std::uint64_t member_id,
                               domain::Purpose purpose, const std::string& consent_reference,
                               const std::string& method, std::int64_t at_us) {
  auto& stmt = conn.Prepare(
      "INSERT INTO inquiries (borrower_key, member_id, purpose, consent_reference, method, at_us) VALUES (?, ?, ?, ?, ?, ?)");
  stmt.setString(1, borrower_key);
  stmt.setUInt64(2, member_id);
  stmt.setInt(3, static_cast<int>(purpose));
  stmt.setString(4, consent_reference);
  stmt.setString(5, method);
  stmt.setInt64(6, at_us);
  stmt.executeUpdate();
}

domain::InquiryCounts InquiryRepository::Counts(Connection& conn, const std::string& borrower_key, std::uint64_t caller,
                                                std::int64_t now_us) {
  auto& stmt = conn.Prepare(
      "SELECT COUNT(DISTINCT IF(at_us > ?, member_id, NULL)), COUNT(DISTINCT IF(at_us > ?, member_id, NULL)), "
      "COUNT(DISTINCT member_id) FROM inquiries "
      "WHERE borrower_key = ? AND member_id <> ? AND purpose IN (1, 2, 3) AND at_us > ? AND at_us <= ?");
  stmt.setInt64(1, now_us - 7 * kDayUs);
  stmt.setInt64(2, now_us - 30 * kDayUs);
  stmt.setString(3, borrower_key);
  stmt.setUInt64(4, caller);
  stmt.setInt64(5, now_us - 90 * kDayUs);
  stmt.setInt64(6, now_us);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return {rs->getInt(1), rs->getInt(2), rs->getInt(3)};
}

domain::Result<BorrowerSnapshot> InquiryRepository::Inquire(
    const Query& q, const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit,
    const std::function<domain::AuditEvent()>& audit) {
  return RunTransaction(pool_, [&](Connection& conn) -> domain::Result<BorrowerSnapshot> {
    BorrowerSnapshot s;
    // A borrower nobody reported has no row: nothing to read but the inquiries.
    if (const auto borrower_id = CreditLineRepository::BorrowerIdOf(conn, q.borrower_key)) {
      s.lines = CreditLineRepository::LinesOfBorrower(conn, *borrower_id);
      s.reservations = ReservationRepository::ActiveForBorrower(conn, *borrower_id, q.now_us, /*lock=*/false);
    }
    s.inquiries = Counts(conn, q.borrower_key, q.member_id, q.now_us);
    if (auto refused = permit(s)) return *refused;
    Record(conn, q.borrower_key, q.member_id, q.purpose, q.consent_reference, q.method, q.now_us);
    AuditRepository::Insert(conn, audit());
    return s;
  });
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
