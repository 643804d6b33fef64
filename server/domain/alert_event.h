#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/date.h"
#include "domain/types.h"

// The events of post-loan monitoring, as the ledger and the other write paths raise them.
namespace creditshare::domain {

// Numeric values equal creditshare.v1.AlertKind.
enum class AlertKind : std::uint8_t {
  kUnspecified = 0,
  kNewLine = 1,             // another member reported a new line
  kNewReservation = 2,      // another member reserved credit (an approval in flight)
  kApplicationInquiry = 3,  // another member inquired for a loan, card or guarantee application
  kPastDue = 4,             // a line at another member became past due or moved into a worse 30-day bucket
  kRestructured = 5,        // a line at another member was restructured
  kCollections = 6,         // a line at another member entered collections
  kChargedOff = 7,          // a line at another member was charged off
  kDisputeFiled = 8,        // another member filed a dispute on the recipient's own line
};
inline constexpr int kMaxAlertKind = 8;

enum class AlertSeverity : std::uint8_t { kUnspecified = 0, kInfo = 1, kWarning = 2, kCritical = 3 };

// A set of kinds, bit (1 << kind) for each.
using AlertKindSet = std::uint32_t;
inline constexpr AlertKindSet KindBit(AlertKind k) { return AlertKindSet{1} << static_cast<int>(k); }
inline constexpr AlertKindSet kAllAlertKinds = ((AlertKindSet{1} << (kMaxAlertKind + 1)) - 1) & ~AlertKindSet{1};

// The figures that matter for an event; what each kind fills is in docs/api.md.
struct AlertFigures {
  ProductType product_type = ProductType::kUnspecified;
  std::string currency;
  std::int64_t amount_minor = 0;  // new line: limit; reservation: amount; charge-off: amount charged off;
                                  // restructuring: principal forgiven
  std::int64_t balance_minor = 0;
  std::int64_t overdue_minor = 0;
  std::int32_t days_past_due = 0;
  std::int32_t previous_days_past_due = 0;
  Purpose purpose = Purpose::kUnspecified;
  CollectionsStage collections_stage = CollectionsStage::kNone;
  std::optional<Date> event_date;  // as-of date of the report, opening or restructure date
  std::int64_t expires_at_us = 0;  // reservation

  bool operator==(const AlertFigures&) const = default;
};

struct AlertEvent {
  AlertKind kind = AlertKind::kUnspecified;
  AlertFigures figures;

  bool operator==(const AlertEvent&) const = default;
};

}  // namespace creditshare::domain
