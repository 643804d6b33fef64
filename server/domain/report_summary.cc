#include "domain/report_summary.h"

#include <algorithm>
#include <limits>
#include <set>

#include "domain/credit_line.h"
#include "domain/types.h"

namespace creditshare::domain {

namespace {
__extension__ typedef unsigned __int128 Wide;  // exact products and sums of 64-bit values
std::int64_t Scaled(std::int64_t v, std::int64_t bound, Wide total) {
  if (total <= static_cast<Wide>(bound)) return v;
  const bool negative = v < 0;
  const Wide magnitude = negative ? static_cast<Wide>(-(v + 1)) + 1 : v;
  const auto scaled = static_cast<std::int64_t>(magnitude * static_cast<Wide>(bound) / total);
  return negative ? -scaled : scaled;
}

Wide AbsTotal(const std::vector<SummaryLine>& lines, std::int64_t SummaryLine::*field) {
  Wide t = 0;
  for (const auto& l : lines) {
    const std::int64_t v = l.*field;
    t += v < 0 ? static_cast<Wide>(-(v + 1)) + 1 : static_cast<Wide>(v);
  }
  return t;
}

int ValueOf(const SummaryLine& l, SummaryDimension d) {
  switch (d) {
    case SummaryDimension::kProductType: return l.product_type;
    case SummaryDimension::kMemberType: return l.member_type;
    case SummaryDimension::kDpdBucket: return DpdBucket(l.days_past_due);
    case SummaryDimension::kClassification: return l.classification;
    case SummaryDimension::kAll:
    case SummaryDimension::kLenders: return 0;
  }
  return 0;
}

std::int64_t Sat(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}
}  // namespace

int DpdBucket(int dpd) {
  if (dpd <= 0) return 0;
  if (dpd <= 30) return 1;
  if (dpd <= 60) return 2;
  if (dpd <= 90) return 3;
  if (dpd <= 180) return 4;
  return 5;
}

std::vector<int> DimensionValues(SummaryDimension d) {
  std::vector<int> v;
  switch (d) {
    case SummaryDimension::kProductType:
      for (int i = 1; i <= kMaxProductType; ++i) v.push_back(i);
      break;
    case SummaryDimension::kMemberType:  // lenders only: regulators report no lines
      for (int i = 1; i < static_cast<int>(MemberType::kRegulator); ++i) v.push_back(i);
      break;
    case SummaryDimension::kDpdBucket:
      for (int i = 0; i <= 5; ++i) v.push_back(i);
      break;
    case SummaryDimension::kClassification:
      for (int i = 0; i <= kMaxLoanClassification; ++i) v.push_back(i);
      break;
    case SummaryDimension::kAll: v.push_back(0); break;
    case SummaryDimension::kLenders:
      v.push_back(1);
      for (int g : kLenderGroups) v.push_back(g);
      break;
  }
  return v;
}

void Accumulate(AggregateMeasures& into, const AggregateMeasures& m) {
  into.distinct_borrowers = Sat(into.distinct_borrowers, m.distinct_borrowers);
  into.lines = Sat(into.lines, m.lines);
  into.credit_limit_minor = Sat(into.credit_limit_minor, m.credit_limit_minor);
  into.outstanding_balance_minor = Sat(into.outstanding_balance_minor, m.outstanding_balance_minor);
  into.overdue_amount_minor = Sat(into.overdue_amount_minor, m.overdue_amount_minor);
  into.new_lines = Sat(into.new_lines, m.new_lines);
  into.restructured_lines = Sat(into.restructured_lines, m.restructured_lines);
  into.charged_off_amount_minor = Sat(into.charged_off_amount_minor, m.charged_off_amount_minor);
}

SummaryBuilder::SummaryBuilder(const Date& month, int max_lines, std::int64_t amount_bound)
    : first_(month.FirstOfMonth()), last_(month.AddMonthsToFirst(1).AddDays(-1)), max_lines_(max_lines),
      amount_bound_(amount_bound) {}

AggregateMeasures SummaryBuilder::OfLine(const SummaryLine& l) const {
  const bool opened = !(l.opened < first_) && !(last_ < l.opened);
  const bool restructured = l.first_restructured && !(last_ < *l.first_restructured);
  const bool charged_off = l.charged_off && !(last_ < *l.charged_off);
  return {0, 1, l.credit_limit_minor, l.balance_minor, l.overdue_minor, opened ? 1 : 0, restructured ? 1 : 0,
          charged_off ? l.charged_off_minor : 0};
}

void SummaryBuilder::Add(const SummaryKey& key, const AggregateMeasures& m) { Accumulate(cells_[key], m); }

void SummaryBuilder::AddBorrower(const std::string& prefecture, std::vector<SummaryLine> lines) {
  if (lines.empty()) return;
  lines_seen_ += static_cast<std::int64_t>(lines.size());
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.line_id < b.line_id; });
  if (lines.size() > static_cast<std::size_t>(max_lines_)) lines.resize(static_cast<std::size_t>(max_lines_));
  for (auto field : {&SummaryLine::credit_limit_minor, &SummaryLine::balance_minor, &SummaryLine::overdue_minor,
                     &SummaryLine::charged_off_minor}) {
    const auto total = AbsTotal(lines, field);
    for (auto& l : lines) l.*field = Scaled(l.*field, amount_bound_, total);
  }

  AggregateMeasures one;
  one.distinct_borrowers = 1;
  for (SummaryDimension d : {SummaryDimension::kAll, SummaryDimension::kProductType, SummaryDimension::kMemberType,
                             SummaryDimension::kDpdBucket, SummaryDimension::kClassification}) {
    std::set<int> seen;
    for (const auto& l : lines) {
      const SummaryKey key{prefecture, d, ValueOf(l, d)};
      if (seen.insert(key.value).second) Add(key, one);
      Add(key, OfLine(l));
    }
  }

  std::set<std::uint64_t> lenders;
  AggregateMeasures open = one;
  bool any_open = false;
  for (const auto& l : lines)
    if (CountsTowardExposure(static_cast<LineStatus>(l.line_status))) {
      any_open = true;
      lenders.insert(l.member_id);
      open.outstanding_balance_minor = Sat(open.outstanding_balance_minor, l.balance_minor);
    }
  if (!any_open) return;
  Add({prefecture, SummaryDimension::kLenders, 1}, open);
  for (int g : kLenderGroups)
    if (lenders.size() >= static_cast<std::size_t>(g)) Add({prefecture, SummaryDimension::kLenders, g}, open);
}

ReportCells Rollup(const SummaryCells& cells, int region_digits, SummaryDimension breakdown) {
  const auto presence = breakdown == SummaryDimension::kLenders ? SummaryDimension::kLenders : SummaryDimension::kAll;
  const auto values = DimensionValues(breakdown);
  auto region_of = [&](const std::string& prefecture) { return prefecture.substr(0, static_cast<std::size_t>(region_digits)); };
  ReportCells out;
  for (const auto& [k, m] : cells)
    if (k.dimension == presence)
      for (int v : values) out.try_emplace({region_of(k.prefecture), v});
  for (const auto& [k, m] : cells)
    if (k.dimension == breakdown) Accumulate(out[{region_of(k.prefecture), k.value}], m);
  return out;
}

AggregateMeasures Total(const SummaryCells& cells) {
  AggregateMeasures t;
  for (const auto& [k, m] : cells)
    if (k.dimension == SummaryDimension::kAll) Accumulate(t, m);
  return t;
}

std::string SerializeCells(const SummaryCells& cells) {
  std::string out;
  for (const auto& [k, m] : cells) {
    out += k.prefecture + "|" + std::to_string(static_cast<int>(k.dimension)) + "|" + std::to_string(k.value);
    for (std::int64_t v : {m.distinct_borrowers, m.lines, m.credit_limit_minor, m.outstanding_balance_minor,
                           m.overdue_amount_minor, m.new_lines, m.restructured_lines, m.charged_off_amount_minor})
      out += "|" + std::to_string(v);
    out += "\n";
  }
  return out;
}

int CellsPerBorrower(SummaryDimension breakdown, int max_lines) {
  if (breakdown == SummaryDimension::kAll) return 1;
  return std::min(max_lines, static_cast<int>(DimensionValues(breakdown).size()));
}

std::int64_t AmountBoundMinor(const PrivacyPolicy& policy, int exponent) {
  std::int64_t v = policy.max_amount_per_borrower_major;
  for (int i = 0; i < exponent; ++i) {
    if (v > std::numeric_limits<std::int64_t>::max() / 10) return std::numeric_limits<std::int64_t>::max();
    v *= 10;
  }
  return v;
}

}  // namespace creditshare::domain
