#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "domain/date.h"
#include "domain/disclosure.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// Dimension columns a report may group by (values equal creditshare.v1.ReportDimension).
enum class ReportDimension { kProvince = 1, kPrefecture = 2, kProductType = 3, kMemberType = 4, kDpdBucket = 5,
                             kClassification = 6 };

struct MultiLendingCell {
  domain::Date month;
  std::string region;
  std::int64_t borrowers = 0;
  std::int64_t balance_minor = 0;
  // For at least 2, 3 and 5 lenders: borrowers and their balances.
  std::int64_t borrowers_at_least[3] = {0, 0, 0};
  std::int64_t balance_at_least[3] = {0, 0, 0};
};

// When the caller stops waiting. A report's statement is given the time left as its
// max_statement_time, so a report nobody waits for any more stops instead of scanning on.
using Deadline = std::chrono::system_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

// Read-only statistics over the monthly records. Each report is one SQL statement, so it reads
// one consistent snapshot (InnoDB MVCC) and never blocks writers.
class ReportRepository {
 public:
  explicit ReportRepository(ConnectionPool& pool) : pool_(pool) {}

  // Cells of the month's lines in `currency` grouped by `dimensions` (raw values: region codes,
  // enum numbers as text), and the grand total from the same statement. Both reports throw
  // DeadlineExceededError when `deadline` passes first.
  std::vector<domain::AggregateCell> Aggregate(const domain::Date& month, const std::string& currency,
                                               const std::vector<ReportDimension>& dimensions,
                                               domain::AggregateMeasures* totals, Deadline deadline = kNoDeadline);

  // Per month and region (prefix of `region_digits` digits): borrowers, balances, and those at
  // 2+/3+/5+ distinct lenders, over lines not closed in that month.
  std::vector<MultiLendingCell> MultiLending(const domain::Date& from_month, const domain::Date& to_month,
                                             int region_digits, const std::string& currency,
                                             Deadline deadline = kNoDeadline);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
