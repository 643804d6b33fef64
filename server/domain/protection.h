#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/date.h"
#include "domain/error.h"
#include "domain/types.h"

namespace creditshare::domain {

// What a borrower asked for, set and lifted by an operator on the borrower's verified request
// (docs/api.md, "Borrower protections"): the borrower's own statement (本人声明), a fraud alert
// that obliges a lender to verify identity before granting credit, a freeze of new credit, and
// notices of every access to the record.
enum class FraudAlertKind : std::uint8_t { kNone = 0, kInitial = 1, kExtended = 2 };

struct Protections {
  std::uint64_t borrower_id = 0;  // set by storage
  std::string statement;          // empty when none
  FraudAlertKind fraud_alert = FraudAlertKind::kNone;
  Date fraud_alert_until;          // the last day the alert is in force
  bool frozen = false;
  bool notices = false;            // an access notice for every inquiry
  std::string notice_reference;    // the operator's reference the delivery job sends notices by

  bool operator==(const Protections&) const = default;
};

inline constexpr std::size_t kMaxStatementCharacters = 200;
// Access notices are kept this long (--notice-retention-days), then purged: a delivery job reads
// them within minutes.
inline constexpr int kDefaultNoticeRetentionDays = 90;
inline constexpr int kInitialFraudAlertYears = 1;
inline constexpr int kExtendedFraudAlertYears = 7;  // after identity theft

// The last day an alert of `kind` placed on `placed` is in force: the day before the same date
// `N` years later (28 February for one placed on 29 February, when that year has no 29th).
Date FraudAlertUntil(FraudAlertKind kind, const Date& placed);
bool FraudAlertInForce(const Protections& p, const Date& today);
// What lenders see on `today`: the statement, the fraud alert while in force, the freeze.
struct ShownProtections {
  std::string statement;
  FraudAlertKind fraud_alert = FraudAlertKind::kNone;
  Date fraud_alert_until;
  bool frozen = false;

  bool any() const { return !statement.empty() || fraud_alert != FraudAlertKind::kNone || frozen; }
  bool operator==(const ShownProtections&) const = default;
};
ShownProtections Shown(const Protections& p, const Date& today);

// A freeze refuses application inquiries (loan, card, guarantee) by members with no existing
// relationship with the borrower: FAILED_PRECONDITION naming the freeze. Post-loan management
// and self queries, and members that already lend to the borrower, are answered.
MaybeError FreezeRefusal(const ShownProtections& shown, Purpose purpose, bool caller_has_relationship);

// An inquiry leaves an access notice when the borrower subscribed, or is frozen or under a fraud
// alert (the borrowers most at risk of someone applying in their name).
bool LeavesAccessNotice(const Protections& p, const Date& today);

// INVALID_ARGUMENT naming `field` unless `text` is valid UTF-8 of 1-200 characters without
// control characters.
MaybeError CheckStatement(std::string_view text, const std::string& field);

std::string_view ToString(FraudAlertKind kind);
std::optional<FraudAlertKind> ParseFraudAlertKind(std::string_view text);

}  // namespace creditshare::domain
