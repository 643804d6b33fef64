#include "domain/alert.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

#include "domain/repayment.h"

namespace creditshare::domain {

namespace {
constexpr std::array<std::string_view, kMaxAlertKind + 1> kKindNames = {
    "unspecified", "new_line",    "new_reservation", "application_inquiry", "past_due",
    "restructured", "collections", "charged_off",     "dispute_filed"};

AlertEvent Event(AlertKind kind, const LineReport& r) {
  AlertEvent e;
  e.kind = kind;
  e.figures.product_type = r.product_type;
  e.figures.currency = r.currency;
  e.figures.balance_minor = r.outstanding_balance_minor;
  e.figures.overdue_minor = r.overdue_amount_minor;
  e.figures.days_past_due = r.days_past_due;
  e.figures.collections_stage = r.collections_stage;
  e.figures.event_date = r.as_of_date;
  return e;
}

Alert AlertFor(const AlertEvent& event, std::uint64_t recipient, MemberType actor_type, int actor_ordinal,
               std::int64_t now_us) {
  Alert a;
  a.recipient_member_id = recipient;
  a.kind = event.kind;
  a.severity = SeverityOf(event);
  a.occurred_at_us = now_us;
  a.lender_type = actor_type;
  a.lender_ordinal = actor_ordinal;
  a.figures = event.figures;
  return a;
}

// The actor's ordinal as `viewer` sees it in an exposure of the same borrower.
int OrdinalOf(const BorrowerRelations& r, std::uint64_t actor, std::uint64_t viewer) {
  std::vector<LenderLineKey> lines;
  lines.reserve(r.lines.size());
  for (const auto& l : r.lines) lines.push_back({l.opened_date, l.member_id, l.account_reference});
  std::vector<LenderReservationKey> reservations;
  reservations.reserve(r.reservations.size());
  for (const auto& v : r.reservations) reservations.push_back({v.public_id, v.member_id});
  const auto ordinals = LenderOrdinals(std::move(lines), std::move(reservations), viewer);
  const auto it = ordinals.find(actor);
  return it == ordinals.end() ? 0 : it->second;
}
}  // namespace

std::string_view ToString(AlertKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kKindNames.size() ? kKindNames[i] : "unknown";
}

std::string_view ToString(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::kInfo: return "info";
    case AlertSeverity::kWarning: return "warning";
    case AlertSeverity::kCritical: return "critical";
    case AlertSeverity::kUnspecified: break;
  }
  return "unspecified";
}

std::optional<AlertKind> AlertKindFromString(std::string_view name) {
  for (std::size_t i = 1; i < kKindNames.size(); ++i)
    if (kKindNames[i] == name) return static_cast<AlertKind>(i);
  return std::nullopt;
}

Result<AlertKindSet> ParseAlertKinds(std::string_view text, const std::string& field) {
  if (text == "all") return kAllAlertKinds;
  AlertKindSet out = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto name = text.substr(0, comma);
    const auto kind = AlertKindFromString(name);
    if (!kind)
      return Error::InvalidArgument(field, "unknown alert kind '" + std::string(name.substr(0, 32)) +
                                               "'; kinds: " + FormatAlertKinds(kAllAlertKinds) + " or all");
    out |= KindBit(*kind);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  if (out == 0) return Error::InvalidArgument(field, "name at least one alert kind, or all");
  return out;
}

std::string FormatAlertKinds(AlertKindSet kinds) {
  if (kinds == 0) return "none";
  std::string out;
  for (int k = 1; k <= kMaxAlertKind; ++k)
    if (kinds & KindBit(static_cast<AlertKind>(k))) out += (out.empty() ? "" : ",") + std::string(kKindNames[k]);
  return out;
}

AlertSeverity SeverityOf(const AlertEvent& e) {
  switch (e.kind) {
    case AlertKind::kNewLine:
    case AlertKind::kNewReservation:
    case AlertKind::kApplicationInquiry: return AlertSeverity::kInfo;
    case AlertKind::kPastDue:
      // Over 30 days past due is the first bucket that is reported as serious delinquency.
      return DelinquencyBucket(e.figures.days_past_due) >= 2 ? AlertSeverity::kCritical : AlertSeverity::kWarning;
    case AlertKind::kRestructured:
    case AlertKind::kDisputeFiled: return AlertSeverity::kWarning;
    case AlertKind::kCollections:
    case AlertKind::kChargedOff: return AlertSeverity::kCritical;
    case AlertKind::kUnspecified: break;
  }
  return AlertSeverity::kUnspecified;
}

std::vector<AlertEvent> LineEvents(const MonthFacts* before, const LineReport& after) {
  std::vector<AlertEvent> out;
  if (before == nullptr) {
    auto e = Event(AlertKind::kNewLine, after);
    e.figures.amount_minor = after.credit_limit_minor;
    e.figures.event_date = after.opened_date;
    out.push_back(std::move(e));
  }
  const int days_before = before ? before->days_past_due : 0;
  if (DelinquencyBucket(after.days_past_due) > DelinquencyBucket(days_before)) {
    auto e = Event(AlertKind::kPastDue, after);
    e.figures.previous_days_past_due = days_before;
    out.push_back(std::move(e));
  }
  const auto stage_before = before ? before->collections_stage : CollectionsStage::kNone;
  if (stage_before == CollectionsStage::kNone && after.collections_stage != CollectionsStage::kNone)
    out.push_back(Event(AlertKind::kCollections, after));
  const auto status_before = before ? before->status : LineStatus::kUnspecified;
  if (status_before != LineStatus::kChargedOff && after.status == LineStatus::kChargedOff) {
    auto e = Event(AlertKind::kChargedOff, after);
    e.figures.amount_minor = after.charged_off_amount_minor;
    if (after.charged_off_date) e.figures.event_date = after.charged_off_date;
    out.push_back(std::move(e));
  }
  return out;
}

std::map<std::uint64_t, int> LenderOrdinals(std::vector<LenderLineKey> lines,
                                            std::vector<LenderReservationKey> reservations, std::uint64_t viewer) {
  std::sort(lines.begin(), lines.end(), [](const LenderLineKey& a, const LenderLineKey& b) {
    return std::tie(a.opened_date, a.member_id, a.account_reference) <
           std::tie(b.opened_date, b.member_id, b.account_reference);
  });
  std::sort(reservations.begin(), reservations.end(),
            [](const LenderReservationKey& a, const LenderReservationKey& b) { return a.public_id < b.public_id; });
  std::map<std::uint64_t, int> ordinals;
  auto add = [&](std::uint64_t member) {
    if (member != viewer) ordinals.try_emplace(member, static_cast<int>(ordinals.size()) + 1);
  };
  for (const auto& l : lines) add(l.member_id);
  for (const auto& r : reservations) add(r.member_id);
  return ordinals;
}

BorrowerRelations RelationsOf(const std::vector<BorrowerLine>& lines, const std::vector<ActiveReservation>& reservations) {
  BorrowerRelations r;
  for (const auto& l : lines)
    r.lines.push_back({l.member_id, l.line.account_reference, l.line.opened_date, l.line.status});
  for (const auto& v : reservations) r.reservations.push_back({v.member_id, v.public_id});
  return r;
}

bool HasRelationship(const BorrowerRelations& r, std::uint64_t member) {
  return std::any_of(r.lines.begin(), r.lines.end(),
                     [&](const RelationLine& l) { return l.member_id == member && CountsTowardExposure(l.status); }) ||
         std::any_of(r.reservations.begin(), r.reservations.end(),
                     [&](const RelationReservation& v) { return v.member_id == member; });
}

std::vector<Alert> FanOut(const AlertEvent& event, std::uint64_t actor, MemberType actor_type,
                          const BorrowerRelations& r, std::int64_t now_us) {
  std::set<std::uint64_t> recipients;
  for (const auto& l : r.lines)
    if (l.member_id != actor && CountsTowardExposure(l.status)) recipients.insert(l.member_id);
  for (const auto& v : r.reservations)
    if (v.member_id != actor) recipients.insert(v.member_id);
  std::vector<Alert> out;
  for (const auto recipient : recipients) {
    auto a = AlertFor(event, recipient, actor_type, OrdinalOf(r, actor, recipient), now_us);
    for (const auto& l : r.lines)
      if (l.member_id == recipient && CountsTowardExposure(l.status)) a.account_references.push_back(l.account_reference);
    for (const auto& v : r.reservations)
      if (v.member_id == recipient) a.reservation_ids.push_back(v.public_id);
    for (auto* names : {&a.account_references, &a.reservation_ids}) {
      std::sort(names->begin(), names->end());
      if (names->size() > kMaxReferencesPerAlert) names->resize(kMaxReferencesPerAlert);
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<Alert> DisputeAlert(const AlertEvent& event, std::uint64_t filer, MemberType filer_type,
                                  std::uint64_t owner, const std::string& owner_account_reference,
                                  const BorrowerRelations& r, std::int64_t now_us) {
  if (filer == owner) return std::nullopt;
  auto a = AlertFor(event, owner, filer_type, OrdinalOf(r, filer, owner), now_us);
  a.account_references.push_back(owner_account_reference);
  return a;
}

}  // namespace creditshare::domain
