#include "domain/credit_line.h"

#include <algorithm>

#include "domain/currency.h"

namespace creditshare::domain {

namespace {
bool IsPrintableAscii(char c) { return c > 0x20 && c < 0x7f; }

MaybeError CheckAmount(std::int64_t v, const std::string& field) {
  if (v < 0) return Error::InvalidArgument(field, "must not be negative");
  return std::nullopt;
}
}  // namespace

MaybeError ValidateLineReport(const LineReport& r, const Date& today, const PlausibilityBounds& bounds,
                              const std::string& p) {
  if (r.account_reference.empty()) return Error::InvalidArgument(p + "account_reference", "is required");
  if (r.account_reference.size() > kMaxAccountReferenceLength)
    return Error::InvalidArgument(p + "account_reference", "must be at most 64 characters");
  if (!std::all_of(r.account_reference.begin(), r.account_reference.end(), IsPrintableAscii))
    return Error::InvalidArgument(p + "account_reference", "must be printable ASCII without spaces");
  if (r.product_type == ProductType::kUnspecified) return Error::InvalidArgument(p + "product_type", "is required");
  if (auto e = CheckCurrency(r.currency, p + "currency")) return e;
  if (auto e = CheckAmount(r.credit_limit_minor, p + "credit_limit_minor")) return e;
  if (auto e = CheckAmount(r.outstanding_balance_minor, p + "outstanding_balance_minor")) return e;
  if (auto e = CheckPlausibility(r.product_type, r.status, r.currency, r.credit_limit_minor,
                                 r.outstanding_balance_minor, bounds, p))
    return e;
  if (auto e = CheckAmount(r.overdue_amount_minor, p + "overdue_amount_minor")) return e;
  if (r.overdue_amount_minor > r.outstanding_balance_minor)
    return Error::InvalidArgument(p + "overdue_amount_minor", "must not exceed outstanding_balance_minor");
  if (r.status == LineStatus::kUnspecified) return Error::InvalidArgument(p + "status", "is required");
  if (r.days_past_due < 0) return Error::InvalidArgument(p + "days_past_due", "must not be negative");
  if (r.days_past_due > 0 && r.overdue_amount_minor == 0)
    return Error::InvalidArgument(p + "overdue_amount_minor", "must be positive when days_past_due is positive");
  if (!r.as_of_date.IsValid()) return Error::InvalidArgument(p + "as_of_date", "is required and must be a valid date");
  if (r.as_of_date > today) return Error::InvalidArgument(p + "as_of_date", "must not be in the future");
  if (!r.opened_date.IsValid())
    return Error::InvalidArgument(p + "opened_date", "is required and must be a valid date");
  if (r.opened_date > r.as_of_date) return Error::InvalidArgument(p + "opened_date", "must not be after as_of_date");
  if (auto e = CheckAmount(r.scheduled_payment_minor, p + "scheduled_payment_minor")) return e;
  if (auto e = CheckAmount(r.actual_payment_minor, p + "actual_payment_minor")) return e;
  if (auto e = CheckAmount(r.charged_off_amount_minor, p + "charged_off_amount_minor")) return e;
  auto check_date = [&](const std::optional<Date>& d, const std::string& field) -> MaybeError {
    if (!d) return std::nullopt;
    if (!d->IsValid()) return Error::InvalidArgument(p + field, "must be a valid date");
    if (*d > r.as_of_date) return Error::InvalidArgument(p + field, "must not be after as_of_date");
    if (*d < r.opened_date) return Error::InvalidArgument(p + field, "must not be before opened_date");
    return std::nullopt;
  };
  if (auto e = check_date(r.first_delinquency_date, "first_delinquency_date")) return e;
  if (r.days_past_due > 0 && !r.first_delinquency_date)
    return Error::InvalidArgument(p + "first_delinquency_date", "is required when days_past_due is positive");
  if (auto e = check_date(r.charged_off_date, "charged_off_date")) return e;
  if (r.status == LineStatus::kChargedOff) {
    if (r.charged_off_amount_minor <= 0)
      return Error::InvalidArgument(p + "charged_off_amount_minor", "must be positive for a charged-off line");
    if (!r.charged_off_date)
      return Error::InvalidArgument(p + "charged_off_date", "is required for a charged-off line");
  }
  if (r.maturity_date) {
    if (!r.maturity_date->IsValid()) return Error::InvalidArgument(p + "maturity_date", "must be a valid date");
    if (*r.maturity_date < r.opened_date)
      return Error::InvalidArgument(p + "maturity_date", "must not be before opened_date");
  }
  if (r.settlement_type != SettlementType::kUnspecified && r.status != LineStatus::kClosed)
    return Error::InvalidArgument(p + "settlement_type", "is only for closed lines");
  return std::nullopt;
}

}  // namespace creditshare::domain

namespace creditshare::domain {

std::string CanonicalEncoding(const LineReport& r, const std::string& normalized_resident_id) {
  // Length-prefixed text fields cannot run into one another.
  auto field = [](std::string& out, const std::string& v) {
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += '|';
  };
  std::string out = "line/v1|";
  field(out, normalized_resident_id);
  field(out, r.account_reference);
  field(out, r.currency);
  for (const auto n : {static_cast<std::int64_t>(r.product_type), r.credit_limit_minor, r.outstanding_balance_minor,
                       static_cast<std::int64_t>(r.status), static_cast<std::int64_t>(r.days_past_due),
                       r.overdue_amount_minor, r.scheduled_payment_minor, r.actual_payment_minor,
                       static_cast<std::int64_t>(r.classification), static_cast<std::int64_t>(r.collections_stage),
                       r.charged_off_amount_minor, static_cast<std::int64_t>(r.settlement_type)}) {
    out += std::to_string(n);
    out += '|';
  }
  auto date = [](const std::optional<Date>& d) { return d ? d->ToString() : std::string("-"); };
  out += r.opened_date.ToString() + '|' + r.as_of_date.ToString() + '|' + date(r.first_delinquency_date) + '|' +
         date(r.maturity_date) + '|' + date(r.charged_off_date);
  return out;
}

}  // namespace creditshare::domain
