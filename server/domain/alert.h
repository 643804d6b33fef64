#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/credit_line.h"
#include "domain/alert_event.h"
#include "domain/clock.h"
#include "domain/date.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/ledger.h"
#include "domain/types.h"

// Post-loan monitoring (贷后管理): what a change about a borrower tells the other members that
// lend to the borrower, and who they are. Storage writes what FanOut returns in the change's own
// transaction; nothing else decides who is told.
namespace creditshare::domain {

std::string_view ToString(AlertKind k);  // "new_line", "past_due", ...
std::string_view ToString(AlertSeverity s);
std::optional<AlertKind> AlertKindFromString(std::string_view name);
// "all", or kinds by name separated by commas; never empty.
Result<AlertKindSet> ParseAlertKinds(std::string_view text, const std::string& field);
// Kind names separated by commas, "all" for every kind, "none" for none.
std::string FormatAlertKinds(AlertKindSet kinds);

AlertSeverity SeverityOf(const AlertEvent& e);

// What a report that becomes a line's current state tells others: a new line, a line that
// became past due or reached a worse 30-day bucket, entered collections or was charged off.
// `before` is the line's stored current state; null for a new line.
std::vector<AlertEvent> LineEvents(const MonthFacts* before, const LineReport& after);

// A borrower's lines and active reservations, as far as relationships and ordinals need them.
struct RelationLine {
  std::uint64_t member_id = 0;
  std::string account_reference;
  Date opened_date;
  LineStatus status = LineStatus::kUnspecified;
};
struct RelationReservation {
  std::uint64_t member_id = 0;
  std::string public_id;
};
struct BorrowerRelations {
  std::vector<RelationLine> lines;  // every line that is not deleted, closed ones too
  std::vector<RelationReservation> reservations;  // active only
};

// The ordinal under which `viewer` sees each other lender of a borrower: by the opening date of
// the lender's oldest line (then member and account reference), then by reservation id for
// lenders with reservations only. One rule for exposures and alerts.
struct LenderLineKey {
  Date opened_date;
  std::uint64_t member_id = 0;
  std::string_view account_reference;
};
struct LenderReservationKey {
  std::string_view public_id;
  std::uint64_t member_id = 0;
};
std::map<std::uint64_t, int> LenderOrdinals(std::vector<LenderLineKey> lines,
                                            std::vector<LenderReservationKey> reservations, std::uint64_t viewer);

// One alert as its recipient gets it. The other member is masked as in an exposure (its type and
// the recipient's per-borrower ordinal of it; ordinal 0 when it has no line or reservation with
// the borrower); the borrower is named by the recipient's own account references and
// reservations.
struct Alert {
  std::string alert_id;  // stable; set by storage
  std::uint64_t sequence = 0;  // the recipient's cursor position; set once sequenced
  std::uint64_t recipient_member_id = 0;
  AlertKind kind = AlertKind::kUnspecified;
  AlertSeverity severity = AlertSeverity::kUnspecified;
  std::int64_t occurred_at_us = 0;
  MemberType lender_type = MemberType::kUnspecified;
  int lender_ordinal = 0;
  std::vector<std::string> account_references;
  std::vector<std::string> reservation_ids;
  AlertFigures figures;
};

// The relationships in what a borrower query read.
BorrowerRelations RelationsOf(const std::vector<BorrowerLine>& lines, const std::vector<ActiveReservation>& reservations);

// At most this many of the recipient's account references and reservations are named in one
// alert (a recipient with more lines to one borrower is rare; the rest are left out).
inline constexpr std::size_t kMaxReferencesPerAlert = 16;

// Whether `member` has a relationship with the borrower: a line that is not closed or an active
// reservation.
bool HasRelationship(const BorrowerRelations& relations, std::uint64_t member);

// The alerts `event` at member `actor` produces: one for each other member with a relationship,
// none for the actor. A dispute goes only to the line's owner (`owner`, with the disputed line's
// `owner_account_reference`), whoever else lends to the borrower.
std::vector<Alert> FanOut(const AlertEvent& event, std::uint64_t actor, MemberType actor_type,
                          const BorrowerRelations& relations, std::int64_t now_us);
std::optional<Alert> DisputeAlert(const AlertEvent& event, std::uint64_t filer, MemberType filer_type,
                                  std::uint64_t owner, const std::string& owner_account_reference,
                                  const BorrowerRelations& relations, std::int64_t now_us);

// Alerts are kept this long after they were raised (--alert-retention-days), then purged.
inline constexpr int kDefaultAlertRetentionDays = 90;
inline std::int64_t AlertRetentionCutoff(std::int64_t now_us, int retention_days) {
  return now_us - static_cast<std::int64_t>(retention_days) * kMicrosPerDay;
}

}  // namespace creditshare::domain
