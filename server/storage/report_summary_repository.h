#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/date.h"
#include "domain/privacy.h"
#include "domain/report_summary.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

struct SummaryBuild {
  std::string digest;  // SHA-256 of the cells, 32 raw bytes
  std::int64_t built_at_us = 0;
  std::int64_t source_lines = 0;  // monthly records read
};

struct SummarySnapshot {
  SummaryBuild build;
  domain::SummaryCells cells;
};

// The summary regulator reports read (schema 0014, domain/report_summary.h). A build reads the
// month's records in one consistent snapshot (it never locks them, so writers never wait) and
// replaces the month's cells in one transaction; readers see one build or the next, never a mix.
class ReportSummaryRepository {
 public:
  // `observer` (may be empty) learns of every build: whether it succeeded, and how long it took.
  using BuildObserver = std::function<void(bool ok, double seconds)>;
  ReportSummaryRepository(ConnectionPool& pool, domain::PrivacyPolicy policy, const domain::Clock& clock,
                          BuildObserver observer = {})
      : pool_(pool), policy_(policy), clock_(clock), observer_(std::move(observer)) {}

  // Builds (month, currency) from the monthly records. Unchanged data keeps its digest.
  SummaryBuild Rebuild(const domain::Date& month, const std::string& currency);

  // The cells of `dimensions` in prefectures starting with `region_prefix`, with their build,
  // from one statement. Builds first when the month has no summary or one older than `max_age`.
  SummarySnapshot Read(const domain::Date& month, const std::string& currency,
                       const std::vector<domain::SummaryDimension>& dimensions, const std::string& region_prefix,
                       std::chrono::seconds max_age);

  // Rebuilds the summaries of the current and the previous month that exist, and the current
  // month's in `currency` (late reports change last month too). Returns how many were built.
  int RefreshRecent(const std::string& currency);

 private:
  SummaryBuild BuildOnce(const domain::Date& month, const std::string& currency);
  std::optional<SummarySnapshot> ReadOnce(const domain::Date& month, const std::string& currency,
                                          const std::vector<domain::SummaryDimension>& dimensions,
                                          const std::string& region_prefix);
  ConnectionPool& pool_;
  const domain::PrivacyPolicy policy_;
  const domain::Clock& clock_;
  const BuildObserver observer_;
};

}  // namespace creditshare::storage
