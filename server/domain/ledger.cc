#include "domain/ledger.h"

#include <algorithm>

#include "domain/alert.h"
#include "domain/repayment.h"

namespace creditshare::domain {

bool IsNegativeInformation(const MonthFacts& m) {
  return IsNegativeCode(m.code) || IsDelinquentState(m) || m.charged_off_amount_minor > 0;
}

bool IsDelinquentState(const MonthFacts& m) {
  return m.days_past_due > 0 || m.collections_stage != CollectionsStage::kNone || m.status == LineStatus::kChargedOff;
}

LineStatus InferLegacyStatus(char code) {
  switch (code) {
    case 'C':
    case 'D':
    case 'Z': return LineStatus::kClosed;
    case 'G': return LineStatus::kChargedOff;
    default: return LineStatus::kOpen;
  }
}

MonthFacts FactsOf(const LineReport& r) {
  return {r.as_of_date, MonthlyStatusCode(r), r.days_past_due, r.status, r.collections_stage,
          r.charged_off_amount_minor};
}

MonthRecord RecordOf(const MonthFacts& m) {
  return {m.as_of_date, m.code, IsNegativeInformation(m), IsDelinquentState(m)};
}

std::vector<NegativeEpisode> NegativeEpisodes(const std::vector<MonthRecord>& months) {
  std::vector<NegativeEpisode> out;
  bool open = false;
  for (const auto& m : months) {
    if (m.negative) {
      if (!open) out.push_back({m.month(), m.month(), std::nullopt});
      open = true;
      out.back().last_month = m.month();
    }
    if (open && !m.delinquent) {
      out.back().ended = m.as_of_date;
      open = false;
    }
  }
  return out;
}

std::optional<Date> ExpiryOf(const NegativeEpisode& e) {
  if (!e.ended) return std::nullopt;
  return e.ended->AddYears(kNegativeRetentionYears);
}

bool IsExpired(const NegativeEpisode& e, const Date& today) {
  const auto expiry = ExpiryOf(e);
  return expiry && *expiry <= today;
}

std::optional<Date> RetentionReviewDate(const std::vector<NegativeEpisode>& episodes) {
  std::optional<Date> earliest;
  for (const auto& e : episodes)
    if (const auto expiry = ExpiryOf(e); expiry && (!earliest || *expiry < *earliest)) earliest = expiry;
  return earliest;
}

RetentionPlan PlanRetention(const std::vector<MonthRecord>& months, const Date& today) {
  RetentionPlan plan;
  const auto episodes = NegativeEpisodes(months);
  std::vector<NegativeEpisode> kept;
  for (const auto& e : episodes) (IsExpired(e, today) ? plan.expired : kept).push_back(e);
  plan.clear_line_negative_fields = !episodes.empty() && IsExpired(episodes.back(), today);
  for (const auto& m : months) {
    const bool gone = std::any_of(plan.expired.begin(), plan.expired.end(), [&](const NegativeEpisode& e) {
      return m.month() >= e.first_month && m.month() <= e.last_month;
    });
    if (!gone) plan.months_after.push_back(m);
  }
  plan.next_review = RetentionReviewDate(kept);
  return plan;
}

void ClearNegativeFields(LineReport& l) {
  l.first_delinquency_date.reset();
  l.collections_stage = CollectionsStage::kNone;
  l.charged_off_amount_minor = 0;
  l.charged_off_date.reset();
  if (l.classification >= LoanClassification::kSpecialMention) l.classification = LoanClassification::kUnspecified;
}

Result<ReportPlan> PlanReport(const LedgerLine* stored, std::uint64_t borrower_id,
                              const LineReport& report, const std::string& p, const QualityGate& gate) {
  ReportPlan plan;
  std::vector<QualityWarning> warnings;
  if (gate.policy != nullptr) {
    for (auto& f : QualityFindings(report, stored ? &stored->state : nullptr, *gate.policy, gate.today, p)) {
      if (gate.policy->ActionFor(f.rule) == QualityAction::kRefuse)
      {
        Error refusal = Error::InvalidArgument(f.field, f.message + " (quality rule " + std::string(ToString(f.rule)) + ")");
        refusal.reason = "quality:" + std::string(ToString(f.rule));
        return refusal;
      }
      warnings.push_back({f.rule, f.field});
    }
  }
  const MonthRecord incoming = RecordOf(report);
  if (!stored) {
    plan.update = LineUpdate::kCreate;
    plan.write_line = true;
    plan.write_month = true;
    plan.result = {ReportOutcome::kCreated, report.as_of_date, 1, false};
    plan.months = {incoming};
  } else {
    if (stored->borrower_id != borrower_id)
      return Error::FailedPrecondition(p + "resident_id",
                                       "account_reference is already reported for a different borrower");
    if (stored->currency != report.currency)
      return Error::FailedPrecondition(p + "currency", "cannot change for an existing line");
    plan.update = report.as_of_date < stored->as_of_date ? LineUpdate::kStale : LineUpdate::kReplace;
    plan.write_line = plan.update == LineUpdate::kReplace;
    plan.months = stored->months;
    const auto at = std::lower_bound(plan.months.begin(), plan.months.end(), incoming.month(),
                                     [](const MonthRecord& m, const Date& month) { return m.month() < month; });
    const bool exists = at != plan.months.end() && at->month() == incoming.month();
    // A later report of the same month is already on record: this one changes no history.
    plan.write_month = !(exists && at->as_of_date > report.as_of_date);
    plan.month_corrected = plan.write_month && exists && report.as_of_date <= stored->as_of_date;
    if (plan.write_month) {
      if (exists) {
        *at = incoming;
      } else {
        plan.months.insert(at, incoming);
      }
    }
    if (plan.update == LineUpdate::kReplace) {
      plan.result = {ReportOutcome::kUpdated, report.as_of_date, stored->version + 1, plan.month_corrected};
    } else {
      plan.result = {plan.write_month ? ReportOutcome::kHistoryUpdated : ReportOutcome::kStaleIgnored,
                     stored->as_of_date, stored->version, plan.month_corrected};
    }
  }
  if (plan.write_line) plan.events = LineEvents(stored ? &stored->state : nullptr, report);
  plan.result.warnings = std::move(warnings);
  plan.episodes = NegativeEpisodes(plan.months);
  plan.retention_review = RetentionReviewDate(plan.episodes);
  return plan;
}

}  // namespace creditshare::domain
