#pragma once

#include <optional>

#include "domain/date.h"
#include "domain/error.h"
#include "domain/types.h"

// Reciprocity, the founding rule of credit sharing (the UK's SCOR principles; China's
// NIFA/Baihang platforms): members receive the data they contribute. A member that has stopped
// reporting loses the right to application inquiries until it reports again.
namespace creditshare::domain {

struct ReciprocityPolicy {
  bool enabled = false;
  int report_window_days = 45;  // a member keeps the right this many days after its last report
  int grace_days = 60;          // a new member has it this many days after onboarding
};

// What the rule reads of a member.
struct ReciprocityStanding {
  Date onboarded;                   // business date the member was created
  std::optional<Date> last_report;  // business date of its latest line report
  bool exempt = false;              // an operator exempted it
};

// The first day on which the member no longer has the right (it keeps it through the day
// before): after the later of its grace period and its last report's window. None when the
// rule is off or the member is exempt.
std::optional<Date> ReciprocityLapse(const ReciprocityPolicy& policy, const ReciprocityStanding& standing);

// PERMISSION_DENIED, naming the reason and the day the right lapsed, for an application inquiry
// (loan, card, guarantee) by a member whose right lapsed by `today`. Post-loan management and
// self queries are never refused by this rule.
MaybeError CheckReciprocity(const ReciprocityPolicy& policy, const ReciprocityStanding& standing, Purpose purpose,
                            const Date& today);

}  // namespace creditshare::domain
