#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "storage/alert_repository.h"
#include "storage/audit_repository.h"
#include "storage/credit_line_repository.h"
#include "storage/line_rows.h"
#include "storage/line_writes.h"

// Restructuring (债务重组/展期) of a member's line: new terms replace the old ones.
namespace creditshare::storage {

namespace {
constexpr const char* kRestructureMethod = "RestructureCreditLine";
using domain::Error;
using domain::ErrorCode;
}  // namespace

domain::Result<int> CreditLineRepository::Restructure(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                      const Restructuring& r, const AuditOnChange& audit,
                                                      bool* replayed) {
  auto outcome = RunIdempotent(pool_, member_id, idempotency, kRestructureMethod,
                               [&](Connection& conn) -> domain::Result<std::string> {
    const auto lines = LockLines(conn, member_id, {r.account_reference});
    const auto line = lines.find(r.account_reference);
    if (line == lines.end()) return Error{ErrorCode::kNotFound, "account_reference", "no line of yours with this account reference"};
    std::string concessions;
    for (auto c : r.concessions) concessions += (concessions.empty() ? "" : ",") + std::to_string(static_cast<int>(c));
    auto& insert = conn.Prepare(
        "INSERT INTO credit_line_restructurings (line_id, restructure_date, reason, concessions, new_maturity_date, "
        "new_scheduled_payment_minor, new_interest_rate_bps, principal_forgiven_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setUInt64(1, line->second.id);
    insert.setString(2, r.restructure_date.ToString());
    insert.setString(3, r.reason);
    insert.setString(4, concessions);
    line_rows::SetOptionalDate(insert, 5, r.new_maturity_date);
    insert.setInt64(6, r.new_scheduled_payment_minor);
    insert.setInt(7, r.new_interest_rate_bps);
    insert.setInt64(8, r.principal_forgiven_minor);
    insert.executeUpdate();
    // New terms replace the old: maturity and scheduled payment when given.
    auto& update = conn.Prepare(
        "UPDATE credit_lines SET restructure_count = restructure_count + 1, "
        "last_restructure_date = GREATEST(COALESCE(last_restructure_date, ?), ?), "
        "maturity_date = COALESCE(?, maturity_date), "
        "scheduled_payment_minor = IF(? > 0, ?, scheduled_payment_minor) WHERE id = ?");
    update.setString(1, r.restructure_date.ToString());
    update.setString(2, r.restructure_date.ToString());
    line_rows::SetOptionalDate(update, 3, r.new_maturity_date);
    update.setInt64(4, r.new_scheduled_payment_minor);
    update.setInt64(5, r.new_scheduled_payment_minor);
    update.setUInt64(6, line->second.id);
    update.executeUpdate();
    auto& count = conn.Prepare("SELECT restructure_count FROM credit_lines WHERE id = ?");
    count.setUInt64(1, line->second.id);
    std::unique_ptr<sql::ResultSet> rs(count.executeQuery());
    rs->next();
    domain::AlertEvent event{domain::AlertKind::kRestructured, {}};
    event.figures.product_type = line->second.product_type;
    event.figures.currency = line->second.ledger.currency;
    event.figures.amount_minor = r.principal_forgiven_minor;
    event.figures.event_date = r.restructure_date;
    AlertRepository::Raise(conn, member_id, {{line->second.ledger.borrower_id, event, 0}}, r.now_us);
    AuditRepository::InsertForBorrower(conn, audit(), line->second.ledger.borrower_id);
    return std::to_string(rs->getInt(1));
  });
  if (!outcome.ok()) return outcome.error();
  *replayed = outcome.value().replayed;
  return std::stoi(outcome.value().response);
}

}  // namespace creditshare::storage
