#include "domain/decision.h"

#include <cstdio>
#include <set>

namespace creditshare::domain {

std::string FormatMoney(std::int64_t minor, const std::string& currency) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%02lld %s", static_cast<long long>(minor / 100),
                static_cast<long long>(minor % 100), currency.c_str());
  return buf;
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
  if (proposal.currency != policy.cap_currency) return std::nullopt;
  if (auto it = policy.product_caps_minor.find(proposal.product_type);
      it != policy.product_caps_minor.end() && p.product_limit_minor > it->second)
    return Error::FailedPrecondition(
        field, "would exceed the " + std::string(ToString(proposal.product_type)) + " cap of " +
                   FormatMoney(it->second, policy.cap_currency) + " per borrower (projected " +
                   FormatMoney(p.product_limit_minor, policy.cap_currency) + ")");
  if (policy.overall_cap_minor && p.total_limit_minor > *policy.overall_cap_minor)
    return Error::FailedPrecondition(field, "would exceed the overall cap of " +
                                                FormatMoney(*policy.overall_cap_minor, policy.cap_currency) +
                                                " per borrower (projected " +
                                                FormatMoney(p.total_limit_minor, policy.cap_currency) + ")");
  return std::nullopt;
}

std::vector<Signal> EvaluateNewCredit(const Exposure& e, const Projection& p, const NewCredit& proposal,
                                      const CreditPolicy& policy, const Date& today) {
  std::vector<Signal> out;
  const std::string product(ToString(proposal.product_type));
  if (proposal.currency == policy.cap_currency) {
    if (auto it = policy.product_caps_minor.find(proposal.product_type);
        it != policy.product_caps_minor.end() && p.product_limit_minor > it->second)
      out.push_back({SignalCode::kProductCapExceeded,
                     "Limits of " + product + " would total " + FormatMoney(p.product_limit_minor, policy.cap_currency) +
                         ", over the cap of " + FormatMoney(it->second, policy.cap_currency) + "."});
    if (policy.overall_cap_minor && p.total_limit_minor > *policy.overall_cap_minor)
      out.push_back({SignalCode::kTotalCapExceeded,
                     "Limits of all products would total " + FormatMoney(p.total_limit_minor, policy.cap_currency) +
                         ", over the cap of " + FormatMoney(*policy.overall_cap_minor, policy.cap_currency) + "."});
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
  return out;
}

}  // namespace creditshare::domain
