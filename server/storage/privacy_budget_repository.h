#pragma once

#include <string>
#include <vector>

#include "domain/date.h"
#include "domain/error.h"
#include "domain/privacy.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// One month a report covers, and the digest of the question about that month's summary build.
struct MonthQuestion {
  domain::Date month;
  std::string request_digest;  // 32 raw bytes
};

struct Charge {
  domain::MilliEpsilon charged = 0;    // ε newly spent (0 when every question was asked before)
  domain::MilliEpsilon remaining = 0;  // the least left of any month's budget afterwards
};

// Regulators' privacy budgets (schema 0014, privacy_spend). Charges are serialised per regulator
// by a lock on its member row, so two replicas never spend the same ε twice.
class PrivacyBudgetRepository {
 public:
  explicit PrivacyBudgetRepository(ConnectionPool& pool) : pool_(pool) {}

  // Charges `cost` to each month not asked this question before, all or nothing: when any
  // month's budget cannot pay, nothing is charged and the error names the month
  // (domain::CheckBudget). `budget` applies unless the member has one of its own.
  domain::Result<Charge> Spend(std::uint64_t member_id, const std::vector<MonthQuestion>& questions,
                               domain::MilliEpsilon cost, domain::MilliEpsilon budget, std::int64_t now_us);

  // What the member has spent of `month`'s budget, and the budget.
  std::pair<domain::MilliEpsilon, domain::MilliEpsilon> Standing(std::uint64_t member_id, const domain::Date& month,
                                                                 domain::MilliEpsilon default_budget);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
