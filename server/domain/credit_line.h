#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/date.h"
#include "domain/error.h"
#include "domain/plausibility.h"
#include "domain/quality_rule.h"
#include "domain/types.h"

namespace creditshare::domain {

inline constexpr std::size_t kMaxAccountReferenceLength = 64;

// A member's report of one credit line, without the borrower's identity (handled apart so the
// raw ID never travels further than the request handler).
struct LineReport {
  std::string account_reference;
  ProductType product_type = ProductType::kUnspecified;
  std::string currency;
  std::int64_t credit_limit_minor = 0;
  std::int64_t outstanding_balance_minor = 0;
  Date opened_date;
  LineStatus status = LineStatus::kUnspecified;
  std::int32_t days_past_due = 0;
  std::int64_t overdue_amount_minor = 0;
  Date as_of_date;
  std::int64_t scheduled_payment_minor = 0;
  std::int64_t actual_payment_minor = 0;
  std::optional<Date> first_delinquency_date;
  LoanClassification classification = LoanClassification::kUnspecified;
  std::optional<Date> maturity_date;
  CollectionsStage collections_stage = CollectionsStage::kNone;
  std::int64_t charged_off_amount_minor = 0;
  std::optional<Date> charged_off_date;
  SettlementType settlement_type = SettlementType::kUnspecified;

  bool operator==(const LineReport&) const = default;
};

// Checks every field; the first problem found is returned with its field path under `prefix`
// (e.g. "line."). `today` bounds as-of dates: a report may not describe the future. The currency
// must be an active ISO 4217 code; amounts must be >= 0, and the limit and balance within the
// policy's plausibility `bounds` for the product.
MaybeError ValidateLineReport(const LineReport& report, const Date& today, const PlausibilityBounds& bounds,
                              const std::string& prefix);

// Lines that are not closed still represent money owed and count toward exposure.
inline bool CountsTowardExposure(LineStatus s) { return s != LineStatus::kClosed; }

}  // namespace creditshare::domain

namespace creditshare::domain {

enum class ReportOutcome : std::uint8_t { kCreated = 1, kUpdated = 2, kStaleIgnored = 3, kHistoryUpdated = 4 };

// What a report did; stored with its idempotency key and returned again on replay.
struct ReportResult {
  ReportOutcome outcome = ReportOutcome::kCreated;
  Date stored_as_of_date;
  std::int64_t version = 0;
  bool month_corrected = false;
  std::vector<QualityWarning> warnings{};  // rules the report broke that only warn

  bool operator==(const ReportResult&) const = default;
};

}  // namespace creditshare::domain

namespace creditshare::domain {

// A stable byte encoding of everything a report says (with the borrower's normalised ID), used
// to recognise a replayed request. Independent of the wire format, so equal content always
// encodes equally.
std::string CanonicalEncoding(const LineReport& report, const std::string& normalized_resident_id);

}  // namespace creditshare::domain
