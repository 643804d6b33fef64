#pragma once

#include <functional>

#include "domain/date.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// Executes retention (domain::PlanRetention) on storage: deletes the monthly records of every
// negative episode whose five years ran out, and the negative figures of a line's current state
// once its newest episode ran out — exactly what borrower queries already stopped showing.
class RetentionRepository {
 public:
  explicit RetentionRepository(ConnectionPool& pool) : pool_(pool) {}

  struct PurgeCounts {
    long lines_reviewed = 0;  // lines with something due by `today`
    long months_deleted = 0;
    long lines_cleared = 0;   // lines whose current negative figures were removed
  };
  // In one transaction; `record` writes the operator's action inside it.
  PurgeCounts Purge(const domain::Date& today, const std::function<void(Connection&, const PurgeCounts&)>& record);
  // Alerts raised before `before_us`, in batches that are each their own transaction (a purge
  // never holds locks long); returns how many went.
  long PurgeAlerts(std::int64_t before_us);
  // Scorecard receipts of days before `before` (domain::OldestScorecardMonth), the same way.
  long PurgeReceipts(const domain::Date& before);
  // Access notices of inquiries before `before_us`, in batches (delivered long since: a delivery
  // job reads them within minutes).
  long PurgeNotices(std::int64_t before_us);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
