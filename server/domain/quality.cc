#include "domain/quality.h"

#include <array>

#include "domain/ledger.h"

namespace creditshare::domain {

namespace {
constexpr std::array<std::string_view, kMaxQualityRule + 1> kNames = {
    "unspecified",           "stale_as_of", "scheduled_payment_over_balance", "first_delinquency_inconsistent",
    "overdue_without_days_past_due", "days_past_due_jump"};
}  // namespace

std::string_view ToString(QualityRule r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kNames.size() ? kNames[i] : "unknown";
}

std::string_view Describe(QualityRule r) {
  switch (r) {
    case QualityRule::kStaleAsOf: return "the as-of date was older than the policy allows when the record arrived";
    case QualityRule::kScheduledOverBalance: return "the scheduled payment of an open line exceeds its balance";
    case QualityRule::kFirstDelinquencyInconsistent:
      return "the line is past due for longer than since its first delinquency date";
    case QualityRule::kOverdueWithoutDaysPastDue: return "an overdue amount is reported with 0 days past due";
    case QualityRule::kDaysPastDueJump:
      return "days past due grew faster than the days since the line's previous report";
  }
  return "a data-quality rule";
}

std::vector<QualityFinding> QualityFindings(const LineReport& r, const MonthFacts* before, const QualityPolicy& policy,
                                            const Date& today, const std::string& p) {
  std::vector<QualityFinding> out;
  auto on = [&](QualityRule rule) { return policy.ActionFor(rule) != QualityAction::kOff; };
  if (on(QualityRule::kStaleAsOf)) {
    const long age = today.DaysSinceEpoch() - r.as_of_date.DaysSinceEpoch();
    if (age > policy.stale_as_of_days)
      out.push_back({QualityRule::kStaleAsOf, p + "as_of_date",
                     "is " + std::to_string(age) + " days old on arrival (more than " +
                         std::to_string(policy.stale_as_of_days) + ")"});
  }
  if (on(QualityRule::kScheduledOverBalance) && r.status == LineStatus::kOpen &&
      r.scheduled_payment_minor > r.outstanding_balance_minor)
    out.push_back({QualityRule::kScheduledOverBalance, p + "scheduled_payment_minor",
                   "exceeds outstanding_balance_minor of an open line"});
  if (on(QualityRule::kFirstDelinquencyInconsistent) && r.days_past_due > 0 && r.first_delinquency_date) {
    const long since_first = r.as_of_date.DaysSinceEpoch() - r.first_delinquency_date->DaysSinceEpoch();
    if (r.days_past_due > since_first + policy.tolerance_days)
      out.push_back({QualityRule::kFirstDelinquencyInconsistent, p + "first_delinquency_date",
                     "is " + std::to_string(since_first) + " days before as_of_date, but the line is " +
                         std::to_string(r.days_past_due) + " days past due"});
  }
  if (on(QualityRule::kOverdueWithoutDaysPastDue) && r.overdue_amount_minor > 0 && r.days_past_due == 0)
    out.push_back({QualityRule::kOverdueWithoutDaysPastDue, p + "days_past_due",
                   "is 0 while overdue_amount_minor is positive"});
  if (on(QualityRule::kDaysPastDueJump) && before != nullptr && r.as_of_date > before->as_of_date) {
    const long elapsed = r.as_of_date.DaysSinceEpoch() - before->as_of_date.DaysSinceEpoch();
    if (r.days_past_due > before->days_past_due + elapsed + policy.tolerance_days)
      out.push_back({QualityRule::kDaysPastDueJump, p + "days_past_due",
                     "rose from " + std::to_string(before->days_past_due) + " to " +
                         std::to_string(r.days_past_due) + " in " + std::to_string(elapsed) +
                         " days since the line's last report"});
  }
  return out;
}

}  // namespace creditshare::domain
