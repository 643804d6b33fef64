#include "domain/exposure.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace creditshare::domain {

Exposure BuildExposure(std::vector<BorrowerLine> lines, std::uint64_t caller_member_id) {
  Exposure out;
  std::set<std::uint64_t> lenders;
  std::map<std::string, CurrencyTotal> totals;
  for (const auto& l : lines) {
    if (l.line.status == LineStatus::kOpen) ++out.summary.open_line_count;
    if (!CountsTowardExposure(l.line.status)) continue;
    lenders.insert(l.member_id);
    auto& t = totals[l.line.currency];
    t.currency = l.line.currency;
    t.credit_limit_minor += l.line.credit_limit_minor;
    t.outstanding_balance_minor += l.line.outstanding_balance_minor;
    t.overdue_amount_minor += l.line.overdue_amount_minor;
    out.summary.worst_days_past_due = std::max(out.summary.worst_days_past_due, l.line.days_past_due);
  }
  out.summary.distinct_lender_count = static_cast<int>(lenders.size());
  for (auto& [currency, total] : totals) out.summary.totals.push_back(std::move(total));

  // Ordinals follow the order in which other lenders' oldest lines were opened, so they carry
  // no information about member identity (member ids would reveal onboarding order).
  std::sort(lines.begin(), lines.end(), [](const BorrowerLine& a, const BorrowerLine& b) {
    return std::tie(a.line.opened_date, a.member_id, a.line.account_reference) <
           std::tie(b.line.opened_date, b.member_id, b.line.account_reference);
  });
  std::map<std::uint64_t, int> ordinals;
  for (const auto& l : lines) {
    if (l.member_id != caller_member_id && !ordinals.contains(l.member_id)) {
      const int next = static_cast<int>(ordinals.size()) + 1;
      ordinals[l.member_id] = next;
    }
  }

  out.lines.reserve(lines.size());
  for (auto& l : lines) {
    VisibleLine v;
    v.own_line = l.member_id == caller_member_id;
    v.lender_type = l.member_type;
    v.line = std::move(l.line);
    if (v.own_line) {
      v.account_reference = v.line.account_reference;
      v.member_code = std::move(l.member_code);
    } else {
      v.lender_ordinal = ordinals[l.member_id];
      v.line.account_reference.clear();
    }
    out.lines.push_back(std::move(v));
  }
  std::stable_sort(out.lines.begin(), out.lines.end(), [](const VisibleLine& a, const VisibleLine& b) {
    return std::make_tuple(!a.own_line, a.lender_ordinal) < std::make_tuple(!b.own_line, b.lender_ordinal);
  });
  return out;
}

}  // namespace creditshare::domain
