#include "domain/exposure.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "domain/alert.h"
#include "domain/money.h"

namespace creditshare::domain {

namespace {
// Hides exactly what retention removes; the purge deletes the same from storage.
void ApplyRetention(BorrowerLine& l, const Date& today) {
  auto plan = PlanRetention(l.months, today);
  if (plan.clear_line_negative_fields) ClearNegativeFields(l.line);
  l.months = std::move(plan.months_after);
}

std::vector<MonthStatus> Codes(const std::vector<MonthRecord>& months) {
  std::vector<MonthStatus> out;
  out.reserve(months.size());
  for (const auto& m : months) out.push_back({m.month(), m.code});
  return out;
}

std::string AsString(char c) { return c == '\0' ? std::string() : std::string(1, c); }
}  // namespace

InquiryCounts CountInquiringMembers(const std::vector<InquiryMark>& marks, std::int64_t now_us) {
  std::set<std::uint64_t> week, month, quarter;
  for (const auto& m : marks) {
    if (m.at_us > now_us - 7 * kMicrosPerDay) week.insert(m.member_id);
    if (m.at_us > now_us - 30 * kMicrosPerDay) month.insert(m.member_id);
    if (m.at_us > now_us - kInquiryWindowDays * kMicrosPerDay) quarter.insert(m.member_id);
  }
  return {static_cast<int>(week.size()), static_cast<int>(month.size()), static_cast<int>(quarter.size())};
}

Exposure BuildExposure(std::vector<BorrowerLine> lines, std::vector<ActiveReservation> reservations,
                       InquiryCounts inquiries, std::uint64_t caller_member_id, const Date& today) {
  Exposure out;
  out.inquiries = inquiries;
  auto& s = out.summary;
  std::set<std::uint64_t> lenders;
  struct ExactTotal {
    MoneySum limit = 0, balance = 0, overdue = 0, reserved = 0;
  };
  std::map<std::string, ExactTotal> totals;
  std::vector<MonthStatus> all_history;
  for (auto& l : lines) {
    ApplyRetention(l, today);
    const auto codes = Codes(l.months);
    all_history.insert(all_history.end(), codes.begin(), codes.end());
    if (l.disputed) s.disputed = true;
    if (l.restructure_count > 0) s.restructured = true;
    if (l.line.status == LineStatus::kChargedOff || l.line.charged_off_amount_minor > 0) s.charged_off = true;
    if (l.line.status == LineStatus::kOpen) ++s.open_line_count;
    if (!CountsTowardExposure(l.line.status)) continue;
    if (l.line.days_past_due > 0) s.currently_delinquent = true;
    if (l.line.collections_stage != CollectionsStage::kNone) s.in_collections = true;
    lenders.insert(l.member_id);
    auto& t = totals[l.line.currency];
    t.limit += l.line.credit_limit_minor;
    t.balance += l.line.outstanding_balance_minor;
    t.overdue += l.line.overdue_amount_minor;
    s.worst_days_past_due = std::max(s.worst_days_past_due, l.line.days_past_due);
  }
  for (const auto& r : reservations) totals[r.currency].reserved += r.amount_minor;
  s.distinct_lender_count = static_cast<int>(lenders.size());
  s.active_reservation_count = static_cast<int>(reservations.size());
  for (const auto& [currency, exact] : totals) {
    CurrencyTotal t;
    t.currency = currency;
    auto fit = [&t](MoneySum v) {
      const ApiAmount a = ToApiAmount(v);
      t.saturated |= a.saturated;
      return a.minor;
    };
    t.credit_limit_minor = fit(exact.limit);
    t.outstanding_balance_minor = fit(exact.balance);
    t.overdue_amount_minor = fit(exact.overdue);
    t.reserved_minor = fit(exact.reserved);
    s.totals.push_back(std::move(t));
  }
  s.worst_status_12_months = AsString(WorstStatus(all_history, today, 12));
  s.worst_status_24_months = AsString(WorstStatus(all_history, today, 24));

  std::sort(lines.begin(), lines.end(), [](const BorrowerLine& a, const BorrowerLine& b) {
    return std::tie(a.line.opened_date, a.member_id, a.line.account_reference) <
           std::tie(b.line.opened_date, b.member_id, b.line.account_reference);
  });
  std::sort(reservations.begin(), reservations.end(),
            [](const ActiveReservation& a, const ActiveReservation& b) { return a.public_id < b.public_id; });
  // Ordinals carry no information about member identity; alerts name lenders the same way.
  std::vector<LenderLineKey> line_keys;
  for (const auto& l : lines) line_keys.push_back({l.line.opened_date, l.member_id, l.line.account_reference});
  std::vector<LenderReservationKey> reservation_keys;
  for (const auto& r : reservations) reservation_keys.push_back({r.public_id, r.member_id});
  const auto ordinals = LenderOrdinals(std::move(line_keys), std::move(reservation_keys), caller_member_id);
  auto ordinal = [&](std::uint64_t member) {
    const auto it = ordinals.find(member);
    return it == ordinals.end() ? 0 : it->second;
  };

  out.lines.reserve(lines.size());
  for (auto& l : lines) {
    VisibleLine v;
    v.own_line = l.member_id == caller_member_id;
    v.public_id = l.public_id;
    v.lender_type = l.member_type;
    v.lender_ordinal = ordinal(l.member_id);
    v.restructure_count = l.restructure_count;
    v.last_restructure_date = l.last_restructure_date;
    v.disputed = l.disputed;
    v.repayment_history = HistoryString(Codes(l.months));
    v.line = std::move(l.line);
    if (v.own_line) {
      v.account_reference = v.line.account_reference;
      v.member_code = std::move(l.member_code);
    } else {
      v.line.account_reference.clear();
    }
    out.lines.push_back(std::move(v));
  }
  std::stable_sort(out.lines.begin(), out.lines.end(), [](const VisibleLine& a, const VisibleLine& b) {
    return std::make_tuple(!a.own_line, a.lender_ordinal) < std::make_tuple(!b.own_line, b.lender_ordinal);
  });
  for (const auto& r : reservations) {
    VisibleReservation v;
    v.own = r.member_id == caller_member_id;
    if (v.own) v.reservation_id = r.public_id;
    v.lender_ordinal = ordinal(r.member_id);
    v.lender_type = r.member_type;
    v.product_type = r.product_type;
    v.currency = r.currency;
    v.amount_minor = r.amount_minor;
    v.expires_at_us = r.expires_at_us;
    out.reservations.push_back(std::move(v));
  }
  return out;
}

}  // namespace creditshare::domain
