#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace creditshare::domain {

// The data-quality rules of domain/quality.h; numbers are stored with a report's result.
enum class QualityRule : std::uint8_t {
  kStaleAsOf = 1,                  // as-of date older than stale_as_of_days on arrival
  kScheduledOverBalance = 2,       // an open line's scheduled payment above its balance
  kFirstDelinquencyInconsistent = 3,  // past due for longer than since its first delinquency
  kOverdueWithoutDaysPastDue = 4,  // an overdue amount but no days past due
  kDaysPastDueJump = 5,            // days past due grew faster than the days since the last report
};
inline constexpr int kMaxQualityRule = 5;

std::string_view ToString(QualityRule r);  // "stale_as_of", ...
std::string_view Describe(QualityRule r);  // one sentence for a member's feed team

// A rule an accepted record broke (the rule warns), with the field it concerns.
struct QualityWarning {
  QualityRule rule = QualityRule::kStaleAsOf;
  std::string field;

  bool operator==(const QualityWarning&) const = default;
};

}  // namespace creditshare::domain
