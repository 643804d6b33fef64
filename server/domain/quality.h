#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/credit_line.h"
#include "domain/date.h"
#include "domain/quality_rule.h"

// Data-quality gates at ingest (Metro 2 style acceptance rules), configured as data in the policy
// file: each rule is off, warns (the record is accepted and its result names the rule) or
// refuses (INVALID_ARGUMENT naming the field and the rule). The ledger runs them where it
// validates a report against the stored line (PlanReport), for both write paths.
namespace creditshare::domain {

struct MonthFacts;

enum class QualityAction : std::uint8_t { kOff = 0, kWarn = 1, kRefuse = 2 };

struct QualityPolicy {
  std::array<QualityAction, kMaxQualityRule + 1> actions{};  // by rule; all off unless configured
  int stale_as_of_days = 45;
  int tolerance_days = 3;  // slack for date arithmetic of the delinquency rules

  QualityAction ActionFor(QualityRule r) const { return actions[static_cast<std::size_t>(r)]; }
};

// A rule a record broke, with the field it concerns and a sentence for the member.
struct QualityFinding {
  QualityRule rule = QualityRule::kStaleAsOf;
  std::string field;
  std::string message;

  bool operator==(const QualityFinding&) const = default;
};

// Every enabled rule `report` breaks; `before` is the line's stored current state (none for a
// new line), `today` the business date of arrival. Field names carry `prefix`.
std::vector<QualityFinding> QualityFindings(const LineReport& report, const MonthFacts* before,
                                            const QualityPolicy& policy, const Date& today,
                                            const std::string& prefix);

}  // namespace creditshare::domain
