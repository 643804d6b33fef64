#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/credit_line.h"
#include "domain/types.h"

namespace creditshare::domain {

// One stored line of a borrower with the reporting member's identity, as storage returns it.
struct BorrowerLine {
  std::uint64_t member_id = 0;
  std::string member_code;
  MemberType member_type = MemberType::kUnspecified;
  LineReport line;
};

struct CurrencyTotal {
  std::string currency;
  std::int64_t credit_limit_minor = 0;
  std::int64_t outstanding_balance_minor = 0;
  std::int64_t overdue_amount_minor = 0;
};

struct ExposureSummary {
  int open_line_count = 0;
  int distinct_lender_count = 0;
  std::vector<CurrencyTotal> totals;  // sorted by currency
  int worst_days_past_due = 0;
};

// A line as shown to the caller. For other members' lines, account_reference and member_code
// are empty: only the lender's type and an ordinal local to this response remain.
struct VisibleLine {
  bool own_line = false;
  std::string account_reference;
  std::string member_code;
  int lender_ordinal = 0;
  MemberType lender_type = MemberType::kUnspecified;
  LineReport line;
};

struct Exposure {
  ExposureSummary summary;
  std::vector<VisibleLine> lines;  // own lines first, then by lender ordinal, then opened date
};

// Aggregates a borrower's lines across all members and masks those not reported by the caller.
Exposure BuildExposure(std::vector<BorrowerLine> lines, std::uint64_t caller_member_id);

}  // namespace creditshare::domain
