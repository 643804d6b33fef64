#include "domain/decision.h"

#include <set>

namespace creditshare::domain {

const CurrencyCaps* CapsFor(const CreditPolicy& policy, std::string_view currency) {
  const auto it = policy.caps_by_currency.find(currency);
  return it == policy.caps_by_currency.end() ? nullptr : &it->second;
}

std::optional<std::string> NoCapForCurrency(const CreditPolicy& policy, std::string_view currency) {
  if (policy.caps_by_currency.empty() || CapsFor(policy, currency) != nullptr) return std::nullopt;
  std::string capped;
  for (const auto& [code, caps] : policy.caps_by_currency) capped += (capped.empty() ? "" : ", ") + code;
  return "The policy configures no cap for " + std::string(currency) + " (only for " + capped +
         "); limits in it are not checked against any cap.";
}

Projection Project(const std::vector<BorrowerLine>& lines, const std::vector<ActiveReservation>& reservations,
                   std::uint64_t caller_member_id, const NewCredit& proposal) {
  Projection p;
  std::set<std::uint64_t> lenders{caller_member_id};
  for (const auto& l : lines) {
    if (!CountsTowardExposure(l.line.status)) continue;
    lenders.insert(l.member_id);
    if (l.line.currency != proposal.currency) continue;
    p.total_limit_minor += l.line.credit_limit_minor;
    if (l.line.product_type == proposal.product_type) p.product_limit_minor += l.line.credit_limit_minor;
  }
  for (const auto& r : reservations) {
    lenders.insert(r.member_id);
    if (r.currency != proposal.currency) continue;
    p.total_limit_minor += r.amount_minor;
    if (r.product_type == proposal.product_type) p.product_limit_minor += r.amount_minor;
  }
  p.total_limit_minor += proposal.limit_minor;
  p.product_limit_minor += proposal.limit_minor;
  p.lender_count = static_cast<int>(lenders.size());
  return p;
}

MaybeError CheckCaps(const Projection& p, const NewCredit& proposal, const CreditPolicy& policy,
                     const std::string& field) {
  const CurrencyCaps* caps = CapsFor(policy, proposal.currency);
  if (caps == nullptr) return std::nullopt;
  const std::string& currency = proposal.currency;
  if (auto it = caps->product_caps_minor.find(proposal.product_type);
      it != caps->product_caps_minor.end() && p.product_limit_minor > it->second)
    return Error::FailedPrecondition(
        field, "would exceed the " + std::string(ToString(proposal.product_type)) + " cap of " +
                   FormatMoney(it->second, currency) + " per borrower (projected " +
                   FormatMoney(p.product_limit_minor, currency) + ")");
  if (caps->overall_cap_minor && p.total_limit_minor > *caps->overall_cap_minor)
    return Error::FailedPrecondition(field, "would exceed the overall cap of " +
                                                FormatMoney(*caps->overall_cap_minor, currency) +
                                                " per borrower (projected " +
                                                FormatMoney(p.total_limit_minor, currency) + ")");
  return std::nullopt;
}

std::vector<Signal> EvaluateNewCredit(const Exposure& e, const Projection& p, const NewCredit& proposal,
                                      const CreditPolicy& policy, const Date& today) {
  std::vector<Signal> out;
  const std::string product(ToString(proposal.product_type));
  const std::string& currency = proposal.currency;
  if (const CurrencyCaps* caps = CapsFor(policy, currency)) {
    if (auto it = caps->product_caps_minor.find(proposal.product_type);
        it != caps->product_caps_minor.end() && p.product_limit_minor > it->second)
      out.push_back({SignalCode::kProductCapExceeded,
                     "Limits of " + product + " would total " + FormatMoney(p.product_limit_minor, currency) +
                         ", over the cap of " + FormatMoney(it->second, currency) + "."});
    if (caps->overall_cap_minor && p.total_limit_minor > *caps->overall_cap_minor)
      out.push_back({SignalCode::kTotalCapExceeded,
                     "Limits of all products would total " + FormatMoney(p.total_limit_minor, currency) +
                         ", over the cap of " + FormatMoney(*caps->overall_cap_minor, currency) + "."});
  } else if (auto no_cap = NoCapForCurrency(policy, currency)) {
    out.push_back({SignalCode::kNoCapForCurrency, *std::move(no_cap)});
  }
  if (policy.max_lenders && p.lender_count > *policy.max_lenders)
    out.push_back({SignalCode::kLenderCountExceeded, "The borrower would have " + std::to_string(p.lender_count) +
                                                         " lenders, over the maximum of " +
                                                         std::to_string(*policy.max_lenders) + "."});
  const Date window_start = today.AddDays(-policy.duplicate_window_days);
  bool duplicate = false;
  for (const auto& l : e.lines)
    duplicate |= !l.own_line && CountsTowardExposure(l.line.status) && l.line.product_type == proposal.product_type &&
                 l.line.opened_date >= window_start;
  for (const auto& r : e.reservations) duplicate |= !r.own && r.product_type == proposal.product_type;
  if (duplicate)
    out.push_back({SignalCode::kDuplicateSuspected,
                   "Another member opened or is approving a " + product + " line for this borrower within the last " +
                       std::to_string(policy.duplicate_window_days) + " days."});
  if (e.summary.currently_delinquent)
    out.push_back({SignalCode::kCurrentlyDelinquent, "A line is " + std::to_string(e.summary.worst_days_past_due) +
                                                         " days past due now."});
  if (e.summary.restructured) out.push_back({SignalCode::kRestructured, "A line has been restructured."});
  if (e.summary.in_collections) out.push_back({SignalCode::kInCollections, "A line is in collections."});
  if (e.summary.charged_off) out.push_back({SignalCode::kChargedOff, "A line has been charged off."});
  if (e.inquiries.last_30_days >= policy.multi_lender_inquiry_threshold)
    out.push_back({SignalCode::kMultiLenderApplications,
                   std::to_string(e.inquiries.last_30_days) + " other members looked the borrower up for an application "
                                                              "in the last 30 days."});
  if (e.summary.disputed)
    out.push_back({SignalCode::kDisputedRecord, "A line is under dispute; its figures may change."});
  if (e.protections.fraud_alert != FraudAlertKind::kNone)
    out.push_back({SignalCode::kFraudAlert, "The borrower placed a fraud alert until " +
                                                e.protections.fraud_alert_until.ToString() +
                                                ": verify the applicant's identity before granting credit."});
  return out;
}

}  // namespace creditshare::domain
