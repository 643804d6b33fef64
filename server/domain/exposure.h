#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/credit_line.h"
#include "domain/ledger.h"
#include "domain/protection.h"
#include "domain/repayment.h"
#include "domain/types.h"

namespace creditshare::domain {

// One stored line of a borrower with the reporting member's identity, as storage returns it.
struct BorrowerLine {
  std::uint64_t member_id = 0;
  std::string member_code;
  MemberType member_type = MemberType::kUnspecified;
  std::string public_id;
  LineReport line;
  int restructure_count = 0;
  std::optional<Date> last_restructure_date;
  bool disputed = false;
  std::vector<MonthRecord> months;  // every monthly record, oldest first
};

// An active reservation (in-flight approval) of any member on the borrower.
struct ActiveReservation {
  std::uint64_t member_id = 0;
  MemberType member_type = MemberType::kUnspecified;
  std::string public_id;
  ProductType product_type = ProductType::kUnspecified;
  std::string currency;
  std::int64_t amount_minor = 0;
  std::int64_t expires_at_us = 0;
};
// A reservation counts until its expiry (exclusive); one that ran out is no longer shown.
inline bool IsActiveAt(const ActiveReservation& r, std::int64_t now_us) { return r.expires_at_us > now_us; }

// Distinct other members that inquired for an application in the last 7/30/90 days. The longest
// window bounds which inquiries a borrower read needs.
inline constexpr int kInquiryWindowDays = 90;
struct InquiryCounts {
  int last_7_days = 0;
  int last_30_days = 0;
  int last_90_days = 0;
};

// One application inquiry by another member, as read for the counts.
struct InquiryMark {
  std::uint64_t member_id = 0;
  std::int64_t at_us = 0;
};

// Distinct members among `marks` that inquired after now - 7/30/90 days (marks are already
// limited to other members, application purposes and the last 90 days).
InquiryCounts CountInquiringMembers(const std::vector<InquiryMark>& marks, std::int64_t now_us);

struct CurrencyTotal {
  std::string currency;
  std::int64_t credit_limit_minor = 0;
  std::int64_t outstanding_balance_minor = 0;
  std::int64_t overdue_amount_minor = 0;
  std::int64_t reserved_minor = 0;
  // Some figure of this currency exceeded int64 and is shown as INT64_MAX (the sums themselves
  // are exact; the API's int64 cannot carry them).
  bool saturated = false;
};

struct ExposureSummary {
  int open_line_count = 0;
  int distinct_lender_count = 0;
  std::vector<CurrencyTotal> totals;  // sorted by currency
  int worst_days_past_due = 0;
  std::string worst_status_12_months;
  std::string worst_status_24_months;
  bool currently_delinquent = false;
  bool restructured = false;
  bool in_collections = false;
  bool charged_off = false;
  bool disputed = false;
  int active_reservation_count = 0;
};

// A line as shown to the caller. For other members' lines, account_reference and member_code
// are empty: only the lender's type and an ordinal local to this response remain. Negative
// information past its retention is already removed.
struct VisibleLine {
  bool own_line = false;
  std::string public_id;
  std::string account_reference;
  std::string member_code;
  int lender_ordinal = 0;
  MemberType lender_type = MemberType::kUnspecified;
  LineReport line;
  int restructure_count = 0;
  std::optional<Date> last_restructure_date;
  bool disputed = false;
  std::string repayment_history;
};

struct VisibleReservation {
  bool own = false;
  std::string reservation_id;  // own only
  int lender_ordinal = 0;
  MemberType lender_type = MemberType::kUnspecified;
  ProductType product_type = ProductType::kUnspecified;
  std::string currency;
  std::int64_t amount_minor = 0;
  std::int64_t expires_at_us = 0;
};

struct Exposure {
  ExposureSummary summary;
  std::vector<VisibleLine> lines;  // own lines first, then by lender ordinal, then opened date
  std::vector<VisibleReservation> reservations;
  InquiryCounts inquiries;
  ShownProtections protections;  // what the borrower asked lenders to see
};

// Aggregates a borrower's lines and reservations across all members, applies retention, and
// masks what was not reported by the caller.
Exposure BuildExposure(std::vector<BorrowerLine> lines, std::vector<ActiveReservation> reservations,
                       InquiryCounts inquiries, std::uint64_t caller_member_id, const Date& today);

}  // namespace creditshare::domain
