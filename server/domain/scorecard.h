#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/credit_line.h"
#include "domain/date.h"
#include "domain/error.h"
#include "domain/quality_rule.h"
#include "domain/types.h"

// The data-quality scorecard of a member's feed (docs/api.md, "Scorecard"): per month, what it
// sent and how it fared, how late its reports arrive, how fresh its book is and how many of its
// application inquiries led to credit. Storage reads facts; every figure is decided here.
namespace creditshare::domain {

// A line counts as fresh on a day when its latest report is no older than this.
inline constexpr int kFreshnessWindowDays = 45;
// An application inquiry is "booked" when a line opened or a reservation made by the same member
// for the same borrower follows it within this many days.
inline constexpr int kLookToBookDays = 30;
// The longest span a scorecard covers.
inline constexpr int kMaxScorecardMonths = 24;

enum class ReceiptOutcome : std::uint8_t { kAccepted = 1, kRefused = 2 };

// Quality rules as a bit set (bit r for QualityRule r).
using QualityRuleSet = std::uint16_t;
inline constexpr QualityRuleSet RuleBit(QualityRule r) { return static_cast<QualityRuleSet>(1u << static_cast<int>(r)); }

// What one record of a member's feed came to, as counted for its scorecard. Replays are not
// receipts: the record was counted when it first arrived.
struct Receipt {
  ReceiptOutcome outcome = ReceiptOutcome::kAccepted;
  std::string reason;          // of a refusal (RefusalReason); empty when accepted
  QualityRuleSet warnings = 0;  // rules an accepted record broke that only warn
  std::int32_t lag_days = -1;   // arrival date - as-of date of an accepted record; -1 for a refusal

  auto operator<=>(const Receipt&) const = default;
};

Receipt AcceptedReceipt(const LineReport& report, const ReportResult& result, const Date& arrival);
Receipt RefusedReceipt(const Error& error);
// A refusal's reason as a stable code: the rule that refused it ("quality:stale_as_of") or the
// field it names without the request's prefix ("credit_limit_minor"); "request" when none.
std::string RefusalReason(const Error& error);
// Whether an error is a refusal of the record itself (bad data), which the scorecard counts;
// UNAVAILABLE and the like say nothing about the feed.
bool IsRecordRefusal(const Error& error);

// The receipt a record leaves: `result` when it was applied, else `error`; none for a replay or
// an error that is not a refusal of the record.
std::optional<Receipt> ReceiptFor(const LineReport& report, const ReportResult* result, const Error* error,
                                  bool replayed, const Date& arrival);

// Equal receipts of one arrival day with how many records they stand for: what storage keeps.
struct ReceiptCount {
  Date day;
  Receipt receipt;
  std::int64_t records = 0;
};
std::vector<ReceiptCount> Tally(const Date& day, const std::vector<Receipt>& receipts);

// A line that still carries credit (open or frozen) is part of the book freshness is measured on.
bool InBook(LineStatus status);

// One of the member's lines as the freshness figure needs it: its opening date and its monthly
// records (as-of date and the line's status then), oldest first.
struct LineHistory {
  Date opened;
  struct Record {
    Date as_of;
    LineStatus status = LineStatus::kUnspecified;
  };
  std::vector<Record> records;
};

// An application inquiry by the member, and the credit it granted the same borrowers.
struct ScorecardInquiry {
  std::int64_t at_us = 0;
  Purpose purpose = Purpose::kUnspecified;
  std::uint64_t borrower_id = 0;  // 0: a borrower with no line anywhere
};
struct Booking {
  std::uint64_t borrower_id = 0;
  Date on;  // a line's opening date, or the business date a reservation was made
};

// Everything the scorecard of [first_month, last_month] is computed from.
struct ScorecardFacts {
  std::vector<ReceiptCount> receipts;
  std::vector<LineHistory> lines;
  std::vector<ScorecardInquiry> inquiries;
  std::vector<Booking> bookings;
};

struct ScorecardMonth {
  Date month;  // first day
  std::int64_t received = 0;
  std::int64_t accepted = 0;
  std::int64_t refused = 0;
  std::map<std::string, std::int64_t> refused_by_reason;
  std::map<QualityRule, std::int64_t> warnings_by_rule;
  std::int64_t accepted_with_warnings = 0;
  bool has_timeliness = false;  // some record was accepted
  std::int32_t timeliness_median_days = 0;
  std::int32_t timeliness_p95_days = 0;
  // On the month's last day (today for the current month): open lines, and those reported within
  // kFreshnessWindowDays.
  Date freshness_on;
  std::int64_t open_lines = 0;
  std::int64_t fresh_lines = 0;
  // Application inquiries made in the month: booked, not booked within kLookToBookDays, and
  // those still inside the window on `today` (neither yet).
  std::int64_t application_inquiries = 0;
  std::int64_t inquiries_booked = 0;
  std::int64_t inquiries_not_booked = 0;
  std::int64_t inquiries_pending = 0;

  bool operator==(const ScorecardMonth&) const = default;
};

// The months from `first_month` to `last_month` (first days, at most kMaxScorecardMonths),
// oldest first; nothing after `today` counts. Throws std::overflow_error if a count overflows.
std::vector<ScorecardMonth> BuildScorecard(const ScorecardFacts& facts, const Date& first_month,
                                           const Date& last_month, const Date& today);

// The oldest month a scorecard may cover on `today`; `retention purge` deletes receipts older than it.
Date OldestScorecardMonth(const Date& today);

// The range a scorecard request asks for: both months valid, in order, not after today's month,
// none before OldestScorecardMonth. Unset months default to the six months ending with the current one.
struct MonthRange {
  Date first;
  Date last;
};
Result<MonthRange> ScorecardRange(const std::optional<Date>& first, const std::optional<Date>& last,
                                  const Date& today, const std::string& first_field, const std::string& last_field);

}  // namespace creditshare::domain
