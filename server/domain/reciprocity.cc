#include "domain/reciprocity.h"

#include <algorithm>

namespace creditshare::domain {

std::optional<Date> ReciprocityLapse(const ReciprocityPolicy& policy, const ReciprocityStanding& s) {
  if (!policy.enabled || s.exempt) return std::nullopt;
  Date last_day = s.onboarded.AddDays(policy.grace_days);
  if (s.last_report) last_day = std::max(last_day, s.last_report->AddDays(policy.report_window_days));
  return last_day.AddDays(1);
}

MaybeError CheckReciprocity(const ReciprocityPolicy& policy, const ReciprocityStanding& s, Purpose purpose,
                            const Date& today) {
  if (!IsApplicationPurpose(purpose)) return std::nullopt;
  const auto lapse = ReciprocityLapse(policy, s);
  if (!lapse || today < *lapse) return std::nullopt;
  const std::string why =
      s.last_report ? "this member has reported no credit line since " + s.last_report->ToString()
                    : "this member has reported no credit line since it was onboarded on " + s.onboarded.ToString();
  return Error{ErrorCode::kPermissionDenied, "",
               "reciprocity: " + why + ", so its right to application inquiries lapsed on " + lapse->ToString() +
                   " (members must report within " + std::to_string(policy.report_window_days) +
                   " days); report your lines to restore it"};
}

}  // namespace creditshare::domain
