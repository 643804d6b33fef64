#pragma once

#include <cstdint>
#include <vector>

#include "domain/scorecard.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// Receipts of reported records and the facts a member's scorecard is computed from
// (domain::BuildScorecard decides every figure).
class ScorecardRepository {
 public:
  // Receipts are written on `writes`; scorecards read on `reads` (the report pool, so a
  // scorecard never holds a connection the write paths need).
  ScorecardRepository(ConnectionPool& writes, ConnectionPool& reads) : writes_(writes), reads_(reads) {}

  // Inside the caller's transaction: one row per count.
  static void Record(Connection& conn, std::uint64_t member_id, const std::vector<domain::ReceiptCount>& counts);
  // In a transaction of its own (refusals of a bulk chunk that had nothing to apply).
  void Record(std::uint64_t member_id, const std::vector<domain::ReceiptCount>& counts);

  // What the member's scorecard of `range` needs, read in one consistent snapshot. The lines'
  // records are read from a freshness window before the range's first month on.
  domain::ScorecardFacts Facts(std::uint64_t member_id, const domain::MonthRange& range, const domain::Date& today);

 private:
  ConnectionPool& writes_;
  ConnectionPool& reads_;
};

}  // namespace creditshare::storage
