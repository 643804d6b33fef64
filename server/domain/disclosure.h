#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace creditshare::domain {

struct AggregateMeasures {
  std::int64_t distinct_borrowers = 0;
  std::int64_t lines = 0;
  std::int64_t credit_limit_minor = 0;
  std::int64_t outstanding_balance_minor = 0;
  std::int64_t overdue_amount_minor = 0;
  std::int64_t new_lines = 0;
  std::int64_t restructured_lines = 0;
  std::int64_t charged_off_amount_minor = 0;

  bool operator==(const AggregateMeasures&) const = default;
};

struct AggregateCell {
  std::vector<std::string> dimension_values;
  AggregateMeasures measures;
  bool suppressed = false;
};

// Disclosure control for one report (k = min_borrowers):
//  1. primary: a cell with fewer than k distinct borrowers is suppressed;
//  2. secondary: if exactly one cell is suppressed, the unsuppressed cell with the fewest
//     borrowers is suppressed too, so that no single cell can be isolated by differencing
//     against a total published elsewhere;
//  3. the report's totals are withheld whenever any cell is suppressed, so nothing in the same
//     report can be subtracted to recover a suppressed value.
// Returns true when the totals must be withheld. Suppressed cells keep their values here; the
// API layer never sends them.
bool ApplyDisclosureControl(std::vector<AggregateCell>& cells, std::int64_t min_borrowers);

}  // namespace creditshare::domain
