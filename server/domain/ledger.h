#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/alert_event.h"
#include "domain/credit_line.h"
#include "domain/date.h"
#include "domain/error.h"
#include "domain/quality.h"

// The ledger: every rule that decides what a report does to a stored line, and what retention
// removes from it. Both write paths (the unary report and each record of a bulk stream) and the
// purge execute its plans; storage decides nothing of its own.
namespace creditshare::domain {

// Years negative information stays visible after its episode ended (征信业管理条例 art. 16).
inline constexpr int kNegativeRetentionYears = 5;

// What one monthly record of a line says, as far as the rules need it. A line has at most one
// record per month: the report with the latest as-of date in that month.
struct MonthRecord {
  Date as_of_date;          // of the report that wrote it; its month is as_of_date.FirstOfMonth()
  char code = '#';          // monthly repayment status code
  bool negative = false;    // carries negative information (IsNegativeInformation)
  bool delinquent = false;  // still past due, in collections or charged off on as_of_date

  Date month() const { return as_of_date.FirstOfMonth(); }
  bool operator==(const MonthRecord&) const = default;
};

// The facts of a stored monthly record that the rules read.
struct MonthFacts {
  Date as_of_date;
  char code = '#';
  std::int32_t days_past_due = 0;
  LineStatus status = LineStatus::kUnspecified;
  CollectionsStage collections_stage = CollectionsStage::kNone;
  std::int64_t charged_off_amount_minor = 0;
};

// Negative information: delinquency (codes 1-7), settlement by a guarantor or by asset disposal,
// charge-off or another bad ending (D, Z, G), collections, and a charge-off record.
bool IsNegativeInformation(const MonthFacts& m);
// The line is still in a negative state after the report, so an episode that reaches this
// report goes on: past due, in collections, or charged off.
bool IsDelinquentState(const MonthFacts& m);
// The line status a monthly record written before schema 9 implies by its code (those records
// kept none): C, D and Z closed it; G is read as charged off, the one G that goes on.
LineStatus InferLegacyStatus(char code);
MonthFacts FactsOf(const LineReport& r);
MonthRecord RecordOf(const MonthFacts& m);
inline MonthRecord RecordOf(const LineReport& r) { return RecordOf(FactsOf(r)); }

// One run of negative monthly records. It ends on the as-of date of the first report, in month
// order, on which the line is no longer delinquent (that report is part of the episode when it
// is itself negative, e.g. a settlement by the guarantor). Retention runs per episode from there,
// whichever report (current or late) revealed it.
struct NegativeEpisode {
  Date first_month;
  Date last_month;            // last negative month
  std::optional<Date> ended;  // none while the episode goes on

  bool operator==(const NegativeEpisode&) const = default;
};

// Episodes in month order; `months` are a line's records, oldest first, one per month.
std::vector<NegativeEpisode> NegativeEpisodes(const std::vector<MonthRecord>& months);
// The first day on which the episode's negative information is no longer shown.
std::optional<Date> ExpiryOf(const NegativeEpisode& e);
bool IsExpired(const NegativeEpisode& e, const Date& today);

// What retention removes from a line on `today`. The exposure hides exactly this and the purge
// deletes exactly this, so what queries show and what storage keeps never disagree.
struct RetentionPlan {
  std::vector<NegativeEpisode> expired;  // their monthly records (first..last month) go
  // The line's newest episode expired, so the negative figures of its current state go too.
  bool clear_line_negative_fields = false;
  std::vector<MonthRecord> months_after;  // the records that remain, oldest first
  std::optional<Date> next_review;        // next day on which something more expires
};
RetentionPlan PlanRetention(const std::vector<MonthRecord>& months, const Date& today);
// The earliest expiry among the ended episodes: the day the purge next has work on the line.
std::optional<Date> RetentionReviewDate(const std::vector<NegativeEpisode>& episodes);
// Removes the negative figures of a line's current state: first delinquency, collections,
// charge-off, and a classification worse than normal.
void ClearNegativeFields(LineReport& line);

// The stored line as the ledger decides from it.
struct LedgerLine {
  std::uint64_t borrower_id = 0;
  std::string currency;
  Date as_of_date;
  std::int64_t version = 0;
  std::vector<MonthRecord> months;  // every monthly record, oldest first
  MonthFacts state;                 // the facts of its current state (the report of as_of_date)
};

// kStale: older than the stored state, so only that month's record may change.
enum class LineUpdate { kCreate, kReplace, kStale };

// What one report does to a line, for storage to execute in the report's transaction.
struct ReportPlan {
  LineUpdate update = LineUpdate::kCreate;
  bool write_line = false;       // the report becomes the line's current state
  bool write_month = false;      // its month's record is inserted or replaced by the report's
  bool month_corrected = false;  // a record replaced by a report not newer than the line
  ReportResult result;
  std::vector<MonthRecord> months;        // the line's records after the report, oldest first
  std::vector<NegativeEpisode> episodes;  // computed from `months`
  std::optional<Date> retention_review;   // RetentionReviewDate(episodes)
  // What the change tells other members with the borrower (LineEvents), for a report that
  // becomes the line's current state.
  std::vector<AlertEvent> events;
};

// Reports apply by as-of date: an older report never overwrites the line's newer current state
// (it can still write its own month, unless a later report of that month is on record); one
// with the same as-of date is a correction and replaces it. A line's borrower and currency are
// fixed by its first report. `stored` is null for a line not reported before.
// The data-quality gates a report passes through (domain/quality.h): none without a policy.
struct QualityGate {
  const QualityPolicy* policy = nullptr;
  Date today;  // business date of arrival
};
Result<ReportPlan> PlanReport(const LedgerLine* stored, std::uint64_t borrower_id,
                              const LineReport& report, const std::string& prefix, const QualityGate& gate = {});

}  // namespace creditshare::domain
