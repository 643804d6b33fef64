#include "api/proto_mapping.h"

#include <algorithm>

namespace creditshare::api {

using domain::Error;

namespace {
template <typename E>
domain::Result<E> EnumFromProto(int value, int max, const std::string& field) {
  if (value < 0 || value > max) return Error::InvalidArgument(field, "unknown value " + std::to_string(value));
  return static_cast<E>(value);
}
}  // namespace

domain::Date FromProto(const v1::Date& d) { return {d.year(), d.month(), d.day()}; }

void ToProto(const domain::Date& d, v1::Date* out) {
  out->set_year(d.year);
  out->set_month(d.month);
  out->set_day(d.day);
}

domain::Result<domain::LineReport> FromProto(const v1::CreditLineReport& in, const std::string& p) {
  domain::LineReport r;
  auto product = EnumFromProto<domain::ProductType>(in.product_type(), domain::kMaxProductType, p + "product_type");
  if (!product.ok()) return product.error();
  auto status = EnumFromProto<domain::LineStatus>(in.status(), domain::kMaxLineStatus, p + "status");
  if (!status.ok()) return status.error();
  r.account_reference = in.account_reference();
  r.product_type = product.value();
  r.currency = in.currency();
  r.credit_limit_minor = in.credit_limit_minor();
  r.outstanding_balance_minor = in.outstanding_balance_minor();
  r.opened_date = FromProto(in.opened_date());
  r.status = status.value();
  r.days_past_due = in.days_past_due();
  r.overdue_amount_minor = in.overdue_amount_minor();
  r.as_of_date = FromProto(in.as_of_date());
  return r;
}

domain::Result<domain::Purpose> PurposeFromProto(int value, const std::string& field) {
  auto purpose = EnumFromProto<domain::Purpose>(value, domain::kMaxPurpose, field);
  if (purpose.ok() && purpose.value() == domain::Purpose::kUnspecified) return Error::InvalidArgument(field, "is required");
  return purpose;
}

void ToProto(const domain::ReportResult& result, const std::string& account_reference,
             v1::ReportCreditLineResponse* out) {
  out->set_account_reference(account_reference);
  out->set_outcome(static_cast<v1::ReportOutcome>(result.outcome));
  ToProto(result.stored_as_of_date, out->mutable_stored_as_of_date());
  out->set_version(result.version);
}

void ToProto(const domain::Exposure& exposure, v1::GetBorrowerExposureResponse* out) {
  auto* s = out->mutable_summary();
  s->set_open_line_count(exposure.summary.open_line_count);
  s->set_distinct_lender_count(exposure.summary.distinct_lender_count);
  s->set_worst_days_past_due(exposure.summary.worst_days_past_due);
  for (const auto& t : exposure.summary.totals) {
    auto* total = s->add_totals();
    total->set_currency(t.currency);
    total->set_credit_limit_minor(t.credit_limit_minor);
    total->set_outstanding_balance_minor(t.outstanding_balance_minor);
    total->set_overdue_amount_minor(t.overdue_amount_minor);
  }
  for (const auto& v : exposure.lines) {
    auto* l = out->add_lines();
    l->set_own_line(v.own_line);
    l->set_account_reference(v.account_reference);
    l->set_member_code(v.member_code);
    l->set_lender_ordinal(v.lender_ordinal);
    l->set_lender_type(static_cast<v1::MemberType>(v.lender_type));
    l->set_product_type(static_cast<v1::ProductType>(v.line.product_type));
    l->set_currency(v.line.currency);
    l->set_credit_limit_minor(v.line.credit_limit_minor);
    l->set_outstanding_balance_minor(v.line.outstanding_balance_minor);
    ToProto(v.line.opened_date, l->mutable_opened_date());
    l->set_status(static_cast<v1::LineStatus>(v.line.status));
    l->set_days_past_due(v.line.days_past_due);
    l->set_overdue_amount_minor(v.line.overdue_amount_minor);
    ToProto(v.line.as_of_date, l->mutable_as_of_date());
  }
}

domain::MaybeError ValidateToken(const std::string& value, std::size_t max_length, const std::string& field) {
  if (value.empty()) return Error::InvalidArgument(field, "is required");
  if (value.size() > max_length)
    return Error::InvalidArgument(field, "must be at most " + std::to_string(max_length) + " characters");
  if (!std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    return Error::InvalidArgument(field, "must be printable ASCII without spaces");
  return std::nullopt;
}

}  // namespace creditshare::api
