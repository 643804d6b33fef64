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

// Released figures are noisy (domain/privacy.h); privacy does not depend on this. A cell whose
// noisy borrower count is under k (min_borrowers) is withheld anyway: its figures would be mostly
// noise. Deciding on the noisy count keeps the decision itself private. Returns the number of
// cells withheld.
int WithholdUnreliable(std::vector<AggregateCell>& cells, std::int64_t min_borrowers);

}  // namespace creditshare::domain
