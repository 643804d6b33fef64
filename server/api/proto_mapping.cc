#include "api/proto_mapping.h"

#include <charconv>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>

#include "domain/currency.h"

namespace creditshare::api {

using domain::Error;

domain::Date FromProto(const v1::Date& d) { return {d.year(), d.month(), d.day()}; }

std::optional<domain::Date> OptionalFromProto(const v1::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::nullopt;
  return FromProto(d);
}

std::string CanonicalBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

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
  auto classification = EnumFromProto<domain::LoanClassification>(in.classification(), domain::kMaxLoanClassification,
                                                                  p + "classification");
  if (!classification.ok()) return classification.error();
  auto collections = EnumFromProto<domain::CollectionsStage>(in.collections_stage(), domain::kMaxCollectionsStage,
                                                             p + "collections_stage");
  if (!collections.ok()) return collections.error();
  auto settlement =
      EnumFromProto<domain::SettlementType>(in.settlement_type(), domain::kMaxSettlementType, p + "settlement_type");
  if (!settlement.ok()) return settlement.error();
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
  r.scheduled_payment_minor = in.scheduled_payment_minor();
  r.actual_payment_minor = in.actual_payment_minor();
  r.first_delinquency_date = OptionalFromProto(in.first_delinquency_date());
  r.classification = classification.value();
  r.maturity_date = OptionalFromProto(in.maturity_date());
  r.collections_stage = collections.value();
  r.charged_off_amount_minor = in.charged_off_amount_minor();
  r.charged_off_date = OptionalFromProto(in.charged_off_date());
  r.settlement_type = settlement.value();
  return r;
}

domain::Result<domain::Purpose> PurposeFromProto(int value, const std::string& field) {
  auto purpose = EnumFromProto<domain::Purpose>(value, domain::kMaxPurpose, field);
  if (purpose.ok() && purpose.value() == domain::Purpose::kUnspecified) return Error::InvalidArgument(field, "is required");
  return purpose;
}

domain::Result<domain::NewCredit> NewCreditFromProto(int product_type, const std::string& currency,
                                                     std::int64_t amount_minor, const std::string& amount_field) {
  auto product = EnumFromProto<domain::ProductType>(product_type, domain::kMaxProductType, "product_type");
  if (!product.ok()) return product.error();
  if (product.value() == domain::ProductType::kUnspecified) return Error::InvalidArgument("product_type", "is required");
  if (auto e = domain::CheckCurrency(currency, "currency")) return *e;
  if (amount_minor <= 0) return Error::InvalidArgument(amount_field, "must be positive");
  return domain::NewCredit{product.value(), currency, amount_minor};
}

void ToProto(const domain::ReportResult& result, const std::string& account_reference,
             v1::ReportCreditLineResponse* out) {
  out->set_account_reference(account_reference);
  out->set_outcome(static_cast<v1::ReportOutcome>(result.outcome));
  ToProto(result.stored_as_of_date, out->mutable_stored_as_of_date());
  out->set_version(result.version);
  out->set_month_corrected(result.month_corrected);
  for (const auto& w : result.warnings) ToProto(w, out->add_warnings());
}

void ToProto(const domain::QualityWarning& w, v1::QualityWarning* out) {
  out->set_rule(std::string(domain::ToString(w.rule)));
  out->set_field(w.field);
  out->set_message(std::string(domain::Describe(w.rule)));
}

namespace {
// Touches the message field only when there is a date: a mutable_ accessor marks it present.
template <typename MutableField>
void SetOptionalDate(const std::optional<domain::Date>& d, MutableField field) {
  if (d) ToProto(*d, field());
}

// Both exposure-bearing responses share these fields.
template <typename Response>
void FillExposure(const domain::Exposure& exposure, Response* out) {
  const auto& sum = exposure.summary;
  auto* s = out->mutable_summary();
  s->set_open_line_count(sum.open_line_count);
  s->set_distinct_lender_count(sum.distinct_lender_count);
  s->set_worst_days_past_due(sum.worst_days_past_due);
  s->set_worst_status_12_months(sum.worst_status_12_months);
  s->set_worst_status_24_months(sum.worst_status_24_months);
  s->set_currently_delinquent(sum.currently_delinquent);
  s->set_restructured(sum.restructured);
  s->set_in_collections(sum.in_collections);
  s->set_charged_off(sum.charged_off);
  s->set_disputed(sum.disputed);
  s->set_active_reservation_count(sum.active_reservation_count);
  for (const auto& t : sum.totals) {
    auto* total = s->add_totals();
    total->set_currency(t.currency);
    total->set_credit_limit_minor(t.credit_limit_minor);
    total->set_outstanding_balance_minor(t.outstanding_balance_minor);
    total->set_overdue_amount_minor(t.overdue_amount_minor);
    total->set_reserved_minor(t.reserved_minor);
    total->set_saturated(t.saturated);
  }
  for (const auto& v : exposure.lines) {
    auto* l = out->add_lines();
    l->set_line_id(v.public_id);
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
    l->set_scheduled_payment_minor(v.line.scheduled_payment_minor);
    l->set_actual_payment_minor(v.line.actual_payment_minor);
    SetOptionalDate(v.line.first_delinquency_date, [l] { return l->mutable_first_delinquency_date(); });
    l->set_classification(static_cast<v1::LoanClassification>(v.line.classification));
    SetOptionalDate(v.line.maturity_date, [l] { return l->mutable_maturity_date(); });
    l->set_collections_stage(static_cast<v1::CollectionsStage>(v.line.collections_stage));
    l->set_charged_off_amount_minor(v.line.charged_off_amount_minor);
    SetOptionalDate(v.line.charged_off_date, [l] { return l->mutable_charged_off_date(); });
    l->set_restructure_count(v.restructure_count);
    SetOptionalDate(v.last_restructure_date, [l] { return l->mutable_last_restructure_date(); });
    l->set_repayment_history(v.repayment_history);
    l->set_disputed(v.disputed);
  }
  for (const auto& r : exposure.reservations) {
    auto* v = out->add_reservations();
    v->set_own(r.own);
    v->set_reservation_id(r.reservation_id);
    v->set_lender_type(static_cast<v1::MemberType>(r.lender_type));
    v->set_lender_ordinal(r.lender_ordinal);
    v->set_product_type(static_cast<v1::ProductType>(r.product_type));
    v->set_currency(r.currency);
    v->set_amount_minor(r.amount_minor);
    v->set_expires_at_unix_seconds(r.expires_at_us / 1'000'000);
  }
  auto* inquiries = out->mutable_inquiries();
  inquiries->set_last_7_days(exposure.inquiries.last_7_days);
  inquiries->set_last_30_days(exposure.inquiries.last_30_days);
  inquiries->set_last_90_days(exposure.inquiries.last_90_days);
  const auto& p = exposure.protections;
  if (p.any()) {
    auto* shown = out->mutable_protections();
    shown->set_statement(p.statement);
    if (p.fraud_alert != domain::FraudAlertKind::kNone) {
      shown->mutable_fraud_alert()->set_kind(static_cast<v1::FraudAlertKind>(p.fraud_alert));
      ToProto(p.fraud_alert_until, shown->mutable_fraud_alert()->mutable_until());
    }
    shown->set_frozen(p.frozen);
  }
}
}  // namespace

void ToProto(const domain::Exposure& exposure, v1::GetBorrowerExposureResponse* out) { FillExposure(exposure, out); }
void ToProto(const domain::Exposure& exposure, v1::CheckNewCreditResponse* out) { FillExposure(exposure, out); }

void ToProto(const std::vector<domain::Signal>& signals, v1::CheckNewCreditResponse* out) {
  for (const auto& signal : signals) {
    auto* s = out->add_signals();
    s->set_code(static_cast<v1::SignalCode>(signal.code));
    s->set_message(signal.message);
  }
}

void ToProto(const domain::DisputeRecord& d, std::int64_t now_us, v1::Dispute* out) {
  out->set_dispute_id(d.dispute_id);
  out->set_line_id(d.line_id);
  out->set_account_reference(d.account_reference);
  out->set_status(static_cast<v1::DisputeStatus>(d.status));
  out->set_reason(d.reason);
  out->set_filed_at_unix_seconds(d.filed_at_us / 1'000'000);
  out->set_due_at_unix_seconds(d.due_at_us / 1'000'000);
  out->set_overdue(d.status == domain::DisputeStatus::kOpen && d.due_at_us < now_us);
  out->set_resolved_at_unix_seconds(d.resolved_at_us / 1'000'000);
  out->set_resolution_note(d.resolution_note);
}

domain::Result<Page> ParsePage(int page_size, const std::string& page_token, char tag) {
  Page page;
  if (page_size < 0 || page_size > 1000) return Error::InvalidArgument("page_size", "must be between 0 and 1000");
  if (page_size > 0) page.size = page_size;
  if (!page_token.empty()) {
    // A cursor is a 64-bit row id; digits beyond its range (found by the request fuzzer) are as
    // foreign as letters.
    const char* first = page_token.data() + 1;
    const char* last = page_token.data() + page_token.size();
    const bool digits = page_token.size() > 1 && std::all_of(first, last, [](char c) { return c >= '0' && c <= '9'; });
    const auto [end, ec] = digits ? std::from_chars(first, last, page.cursor) : std::from_chars_result{first, std::errc::invalid_argument};
    if (page_token[0] != tag || ec != std::errc() || end != last)
      return Error::InvalidArgument("page_token", "is not a token this list returned");
  }
  return page;
}

std::string PageToken(char tag, std::uint64_t cursor) { return std::string(1, tag) + std::to_string(cursor); }

domain::MaybeError ValidateToken(const std::string& value, std::size_t max_length, const std::string& field) {
  if (value.empty()) return Error::InvalidArgument(field, "is required");
  if (value.size() > max_length)
    return Error::InvalidArgument(field, "must be at most " + std::to_string(max_length) + " characters");
  if (!std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    return Error::InvalidArgument(field, "must be printable ASCII without spaces");
  return std::nullopt;
}

domain::Result<domain::Date> MonthFromProto(const v1::YearMonth& m, const std::string& field) {
  const domain::Date d{m.year(), m.month(), 1};
  if (!d.IsValid()) return domain::Error::InvalidArgument(field, "is required: a year and a month 1-12");
  return d;
}

void ToProto(const domain::Date& month, v1::YearMonth* out) {
  out->set_year(month.year);
  out->set_month(month.month);
}

void ToProto(const domain::ScorecardMonth& m, v1::ScorecardMonth* out) {
  ToProto(m.month, out->mutable_month());
  out->set_records_received(m.received);
  out->set_records_accepted(m.accepted);
  out->set_records_refused(m.refused);
  for (const auto& [reason, n] : m.refused_by_reason) {
    auto* c = out->add_refused_by_reason();
    c->set_key(reason);
    c->set_records(n);
  }
  for (const auto& [rule, n] : m.warnings_by_rule) {
    auto* c = out->add_warnings_by_rule();
    c->set_key(std::string(domain::ToString(rule)));
    c->set_records(n);
  }
  out->set_accepted_with_warnings(m.accepted_with_warnings);
  if (m.has_timeliness) {
    out->mutable_timeliness()->set_median_days(m.timeliness_median_days);
    out->mutable_timeliness()->set_p95_days(m.timeliness_p95_days);
  }
  ToProto(m.freshness_on, out->mutable_freshness_date());
  out->set_open_lines(m.open_lines);
  out->set_fresh_lines(m.fresh_lines);
  out->set_application_inquiries(m.application_inquiries);
  out->set_inquiries_booked(m.inquiries_booked);
  out->set_inquiries_not_booked(m.inquiries_not_booked);
  out->set_inquiries_pending(m.inquiries_pending);
}

}  // namespace creditshare::api
