#include "domain/scorecard.h"

#include <algorithm>
#include <stdexcept>

#include "domain/clock.h"

namespace creditshare::domain {

namespace {

void Add(std::int64_t& total, std::int64_t n) {
  if (__builtin_add_overflow(total, n, &total)) throw std::overflow_error("scorecard count overflows");
}

// Nearest-rank percentile of a histogram (value -> records), p in (0, 100].
std::int32_t Percentile(const std::map<std::int32_t, std::int64_t>& histogram, std::int64_t total, int p) {
  // rank = ceil(p / 100 * total), computed without overflow for any total
  const std::int64_t rank = total / 100 * p + ((total % 100) * p + 99) / 100;
  std::int64_t seen = 0;
  for (const auto& [value, n] : histogram) {
    Add(seen, n);
    if (seen >= rank) return value;
  }
  return histogram.empty() ? 0 : histogram.rbegin()->first;
}

int MonthIndex(const Date& first_month, const Date& day) { return day.FirstOfMonth().MonthsSince(first_month); }

}  // namespace

Receipt AcceptedReceipt(const LineReport& report, const ReportResult& result, const Date& arrival) {
  Receipt r;
  r.outcome = ReceiptOutcome::kAccepted;
  for (const auto& w : result.warnings) r.warnings |= RuleBit(w.rule);
  const long lag = arrival.DaysSinceEpoch() - report.as_of_date.DaysSinceEpoch();
  r.lag_days = static_cast<std::int32_t>(std::clamp<long>(lag, 0, 100'000));
  return r;
}

std::string RefusalReason(const Error& error) {
  if (!error.reason.empty()) return error.reason;
  if (error.field.empty()) return "request";
  const auto at = error.field.rfind("line.");
  return at == std::string::npos ? error.field : error.field.substr(at + 5);
}

Receipt RefusedReceipt(const Error& error) {
  Receipt r;
  r.outcome = ReceiptOutcome::kRefused;
  r.reason = RefusalReason(error).substr(0, 64);
  return r;
}

bool InBook(LineStatus status) { return status == LineStatus::kOpen || status == LineStatus::kFrozen; }

bool IsRecordRefusal(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kFailedPrecondition ||
         error.code == ErrorCode::kAlreadyExists;
}

std::optional<Receipt> ReceiptFor(const LineReport& report, const ReportResult* result, const Error* error,
                                  bool replayed, const Date& arrival) {
  if (replayed) return std::nullopt;
  if (result != nullptr) return AcceptedReceipt(report, *result, arrival);
  if (error != nullptr && IsRecordRefusal(*error)) return RefusedReceipt(*error);
  return std::nullopt;
}

std::vector<ReceiptCount> Tally(const Date& day, const std::vector<Receipt>& receipts) {
  std::map<Receipt, std::int64_t> counts;
  for (const auto& r : receipts) Add(counts[r], 1);
  std::vector<ReceiptCount> out;
  out.reserve(counts.size());
  for (const auto& [r, n] : counts) out.push_back({day, r, n});
  return out;
}

std::vector<ScorecardMonth> BuildScorecard(const ScorecardFacts& facts, const Date& first_month,
                                           const Date& last_month, const Date& today) {
  const int n = last_month.MonthsSince(first_month) + 1;
  if (n <= 0) return {};
  std::vector<ScorecardMonth> months(static_cast<std::size_t>(n));
  std::vector<std::map<std::int32_t, std::int64_t>> lags(months.size());
  std::vector<std::int64_t> lagged(months.size(), 0);
  for (int i = 0; i < n; ++i) {
    auto& m = months[static_cast<std::size_t>(i)];
    m.month = first_month.AddMonthsToFirst(i);
    const Date month_end = m.month.AddMonthsToFirst(1).AddDays(-1);
    m.freshness_on = std::min(month_end, today);
  }
  auto in_range = [&](int i) { return i >= 0 && i < n; };

  for (const auto& c : facts.receipts) {
    const int i = MonthIndex(first_month, c.day);
    if (!in_range(i) || c.day > today) continue;
    auto& m = months[static_cast<std::size_t>(i)];
    Add(m.received, c.records);
    if (c.receipt.outcome == ReceiptOutcome::kRefused) {
      Add(m.refused, c.records);
      Add(m.refused_by_reason[c.receipt.reason], c.records);
      continue;
    }
    Add(m.accepted, c.records);
    if (c.receipt.warnings != 0) Add(m.accepted_with_warnings, c.records);
    for (int r = 1; r <= kMaxQualityRule; ++r)
      if (c.receipt.warnings & RuleBit(static_cast<QualityRule>(r)))
        Add(m.warnings_by_rule[static_cast<QualityRule>(r)], c.records);
    if (c.receipt.lag_days >= 0) {
      Add(lags[static_cast<std::size_t>(i)][c.receipt.lag_days], c.records);
      Add(lagged[static_cast<std::size_t>(i)], c.records);
    }
  }
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (lagged[i] == 0) continue;
    months[i].has_timeliness = true;
    months[i].timeliness_median_days = Percentile(lags[i], lagged[i], 50);
    months[i].timeliness_p95_days = Percentile(lags[i], lagged[i], 95);
  }

  // Freshness on each month's last day: the line's state is its latest record on or before that
  // day; a line whose records in the facts all come later (its earlier ones lie before the span
  // storage read) was open then if its first later record is open, as lines do not reopen, and
  // in any case not fresh.
  for (const auto& line : facts.lines) {
    for (auto& m : months) {
      const Date on = m.freshness_on;
      if (line.opened > on) continue;
      const LineHistory::Record* state = nullptr;
      for (const auto& r : line.records) {
        if (r.as_of > on) break;
        state = &r;
      }
      bool open = false, fresh = false;
      if (state != nullptr) {
        open = InBook(state->status);
        fresh = open && state->as_of.DaysSinceEpoch() > on.DaysSinceEpoch() - kFreshnessWindowDays;
      } else if (!line.records.empty()) {
        open = InBook(line.records.front().status);
      }
      if (!open) continue;
      Add(m.open_lines, 1);
      if (fresh) Add(m.fresh_lines, 1);
    }
  }

  // Look-to-book: bookings by borrower, in date order.
  std::map<std::uint64_t, std::vector<Date>> booked_on;
  for (const auto& b : facts.bookings)
    if (b.borrower_id != 0) booked_on[b.borrower_id].push_back(b.on);
  for (auto& [_, days] : booked_on) std::sort(days.begin(), days.end());
  for (const auto& q : facts.inquiries) {
    if (!IsApplicationPurpose(q.purpose)) continue;
    const Date day = BusinessDate(q.at_us);
    const int i = MonthIndex(first_month, day);
    if (!in_range(i) || day > today) continue;
    auto& m = months[static_cast<std::size_t>(i)];
    Add(m.application_inquiries, 1);
    const Date until = day.AddDays(kLookToBookDays);
    bool booked = false;
    if (const auto it = booked_on.find(q.borrower_id); it != booked_on.end()) {
      const auto first = std::lower_bound(it->second.begin(), it->second.end(), day);
      booked = first != it->second.end() && *first <= until;
    }
    if (booked) {
      Add(m.inquiries_booked, 1);
    } else if (until >= today) {
      Add(m.inquiries_pending, 1);
    } else {
      Add(m.inquiries_not_booked, 1);
    }
  }
  return months;
}

Date OldestScorecardMonth(const Date& today) { return today.FirstOfMonth().AddMonthsToFirst(1 - kMaxScorecardMonths); }

Result<MonthRange> ScorecardRange(const std::optional<Date>& first, const std::optional<Date>& last,
                                  const Date& today, const std::string& first_field, const std::string& last_field) {
  const Date current = today.FirstOfMonth();
  MonthRange range;
  range.last = last ? last->FirstOfMonth() : current;
  if (last && !last->IsValid()) return Error::InvalidArgument(last_field, "must be a valid month");
  if (range.last > current) return Error::InvalidArgument(last_field, "must not be after the current month");
  if (first && !first->IsValid()) return Error::InvalidArgument(first_field, "must be a valid month");
  range.first = first ? first->FirstOfMonth() : range.last.AddMonthsToFirst(-5);
  if (range.first > range.last) return Error::InvalidArgument(first_field, "must not be after " + last_field);
  if (range.first < OldestScorecardMonth(today))
    return Error::InvalidArgument(first_field, "a scorecard reaches back at most " +
                                                   std::to_string(kMaxScorecardMonths) + " months, to " +
                                                   OldestScorecardMonth(today).ToString().substr(0, 7));
  return range;
}

}  // namespace creditshare::domain
