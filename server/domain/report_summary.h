#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/date.h"
#include "domain/disclosure.h"
#include "domain/privacy.h"

namespace creditshare::domain {

// The summary regulator reports read (schema 0014): one month's lines in one currency, per
// prefecture and per value of one dimension, after each borrower's contribution bounds. Regions
// partition borrowers, so every figure, distinct borrowers included, adds up across prefectures.

// Dimension numbers match creditshare.v1.ReportDimension; kAll is every line and kLenders the
// multi-lending statistic (value 1: borrowers with an open line; 2, 3, 5: at least that many
// distinct lenders).
enum class SummaryDimension : int { kAll = 0, kProductType = 3, kMemberType = 4, kDpdBucket = 5, kClassification = 6,
                                    kLenders = 7 };
inline constexpr SummaryDimension kBreakdowns[] = {SummaryDimension::kProductType, SummaryDimension::kMemberType,
                                                   SummaryDimension::kDpdBucket, SummaryDimension::kClassification};
inline constexpr int kLenderGroups[] = {2, 3, 5};

// The values a breakdown can take, whether or not any line has them: a noisy report releases
// every one, so that which cells appear reveals nothing.
std::vector<int> DimensionValues(SummaryDimension d);
// 0 current, 1: 1-30, 2: 31-60, 3: 61-90, 4: 91-180, 5: >180 days past due.
int DpdBucket(int days_past_due);

// One line's record for the month, as storage reads it.
struct SummaryLine {
  std::uint64_t line_id = 0;
  std::uint64_t member_id = 0;
  int product_type = 0;
  int member_type = 0;
  int days_past_due = 0;
  int classification = 0;
  int line_status = 0;  // the month's LineStatus: lines not closed count towards multi-lending
  std::int64_t credit_limit_minor = 0;
  std::int64_t balance_minor = 0;
  std::int64_t overdue_minor = 0;
  Date opened;
  std::optional<Date> first_restructured;
  std::optional<Date> charged_off;
  std::int64_t charged_off_minor = 0;  // the amount charged off, if ever
};

struct SummaryKey {
  std::string prefecture;  // 4 digits
  SummaryDimension dimension = SummaryDimension::kAll;
  int value = 0;
  auto operator<=>(const SummaryKey&) const = default;
};

using SummaryCells = std::map<SummaryKey, AggregateMeasures>;

// Accumulates a month's summary borrower by borrower.
class SummaryBuilder {
 public:
  // `amount_bound_minor`: the policy's per-borrower amount bound in this currency's minor units.
  // New lines are those opened in `month`; restructurings and charge-offs count by its last day.
  SummaryBuilder(const Date& month, int max_lines_per_borrower, std::int64_t amount_bound_minor);

  // Every line of one borrower in the month (any order). Keeps the first max_lines by line id
  // and scales each amount measure so that the borrower's total is at most the bound.
  void AddBorrower(const std::string& prefecture, std::vector<SummaryLine> lines);

  const SummaryCells& cells() const { return cells_; }
  std::int64_t lines_seen() const { return lines_seen_; }

 private:
  void Add(const SummaryKey& key, const AggregateMeasures& m);
  AggregateMeasures OfLine(const SummaryLine& l) const;
  Date first_, last_;
  int max_lines_;
  std::int64_t amount_bound_;
  SummaryCells cells_;
  std::int64_t lines_seen_ = 0;
};

// A report's cells, (region, breakdown value) → measures: the region is the first
// `region_digits` digits of the prefecture ("" for 0). Every region with lines (for kLenders:
// with open lines) gets every value of `breakdown`, zero where nothing falls.
using ReportCells = std::map<std::pair<std::string, int>, AggregateMeasures>;
ReportCells Rollup(const SummaryCells& cells, int region_digits, SummaryDimension breakdown);
// The sum of the kAll cells.
AggregateMeasures Total(const SummaryCells& cells);

// Canonical bytes of a summary's cells, for its digest.
std::string SerializeCells(const SummaryCells& cells);

// How many cells of one report a borrower can fall in: one per region, one per breakdown value
// its (kept) lines can take.
int CellsPerBorrower(SummaryDimension breakdown, int max_lines_per_borrower);

// The amount bound of `policy` in `currency`'s minor units (10^exponent per major unit).
std::int64_t AmountBoundMinor(const PrivacyPolicy& policy, int minor_unit_exponent);

// Sum of cells, saturating at INT64_MAX (the bounds keep real sums far below it).
void Accumulate(AggregateMeasures& into, const AggregateMeasures& m);

}  // namespace creditshare::domain
