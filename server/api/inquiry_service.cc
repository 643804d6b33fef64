#include "api/inquiry_service.h"

#include <algorithm>

#include "api/proto_mapping.h"
#include "domain/alert.h"
#include "domain/clock.h"
#include "domain/protection.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {

void RecordInquiry(metrics::Metrics& m, const CallContext& call, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) m.Inquiry(domain::ToString(static_cast<domain::Purpose>(call.audit.purpose)));
}

void RecordCheck(metrics::Metrics& m, const CallContext& call, grpc::StatusCode code) {
  RecordInquiry(m, call, code);
  if (code == grpc::StatusCode::OK)
    for (const auto& signal : call.signals) m.SignalRaised(signal);
}

constexpr MethodPolicy kGetBorrowerExposure{"GetBorrowerExposure", /*lenders=*/true, /*regulators=*/false,
                                            RecordInquiry, kMaxUnaryRequestBytes, RateClass::kInquiry};
constexpr MethodPolicy kCheckNewCredit{"CheckNewCredit", /*lenders=*/true, /*regulators=*/false, RecordCheck,
                                       kMaxUnaryRequestBytes, RateClass::kInquiry};
constexpr MethodPolicy kListMyInquiries{"ListMyInquiries", /*lenders=*/true, /*regulators=*/false};

std::string_view SignalName(domain::SignalCode code) {
  switch (code) {
    case domain::SignalCode::kProductCapExceeded: return "product_cap_exceeded";
    case domain::SignalCode::kTotalCapExceeded: return "total_cap_exceeded";
    case domain::SignalCode::kLenderCountExceeded: return "lender_count_exceeded";
    case domain::SignalCode::kDuplicateSuspected: return "duplicate_suspected";
    case domain::SignalCode::kCurrentlyDelinquent: return "currently_delinquent";
    case domain::SignalCode::kRestructured: return "restructured";
    case domain::SignalCode::kInCollections: return "in_collections";
    case domain::SignalCode::kChargedOff: return "charged_off";
    case domain::SignalCode::kMultiLenderApplications: return "multi_lender_applications";
    case domain::SignalCode::kDisputedRecord: return "disputed_record";
    case domain::SignalCode::kNoCapForCurrency: return "no_cap_for_currency";
    case domain::SignalCode::kFraudAlert: return "fraud_alert";
  }
  return "unknown";
}
}  // namespace

domain::Result<storage::BorrowerSnapshot> InquiryServiceImpl::Inquire(CallContext& call, const Query& q) {
  // Audited as given, even when the request is refused below.
  if (q.purpose >= 0 && q.purpose <= domain::kMaxPurpose) call.audit.purpose = q.purpose;
  call.audit.consent_reference = q.consent_reference.substr(0, kMaxConsentReferenceLength);
  auto id = domain::ResidentId::Parse(q.resident_id, deps_.clock.Today(), "resident_id");
  if (!id.ok()) return id.error();
  auto purpose = PurposeFromProto(q.purpose, "purpose");
  if (!purpose.ok()) return purpose.error();
  if (deps_.reciprocity != nullptr)
    if (auto lapsed = deps_.reciprocity->Check(call.member.id, purpose.value())) return *lapsed;
  if (auto e = ValidateToken(q.consent_reference, kMaxConsentReferenceLength, "consent_reference")) return *e;
  const auto borrower_key = deps_.keyer.BorrowerKey(id.value());
  call.audit.set_borrower(borrower_key);

  const storage::InquiryRecord inquiry{borrower_key, call.member.id,    purpose.value(),
                                       q.consent_reference,     call.audit.method, deps_.clock.NowMicros(), {}, {}};
  const auto permit = [&](const storage::BorrowerSnapshot& s) -> domain::MaybeError {
    if (purpose.value() == domain::Purpose::kPostLoanManagement &&
        std::none_of(s.lines.begin(), s.lines.end(), [&](const auto& l) { return l.member_id == call.member.id; }))
      return domain::Error{domain::ErrorCode::kPermissionDenied, "purpose",
                           "post_loan_management needs a credit line of yours with this borrower"};
    return domain::FreezeRefusal(
        domain::Shown(s.protections, domain::BusinessDate(inquiry.at_us)), purpose.value(),
        domain::HasRelationship(domain::RelationsOf(s.lines, s.reservations), call.member.id));
  };
  auto prepared = deps_.inquiries.Prepare(inquiry, permit);
  if (!prepared.ok()) return prepared.error();
  call.inquiry = std::make_unique<storage::InquiryRecord>(std::move(prepared.value().record));
  return std::move(prepared.value().snapshot);
}

grpc::ServerUnaryReactor* InquiryServiceImpl::GetBorrowerExposure(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::GetBorrowerExposureRequest, v1::GetBorrowerExposureResponse>(
      context, raw_request, raw_response, kGetBorrowerExposure,
      [this](CallContext& call, const v1::GetBorrowerExposureRequest* request, v1::GetBorrowerExposureResponse* response) -> domain::MaybeError {
    auto snapshot = Inquire(call, {request->resident_id(), request->purpose(), request->consent_reference()});
    if (!snapshot.ok()) return snapshot.error();
    auto& s = snapshot.value();
    const auto today = deps_.clock.Today();
    auto exposure = domain::BuildExposure(std::move(s.lines), std::move(s.reservations), s.inquiries, call.member.id, today);
    exposure.protections = domain::Shown(s.protections, today);
    ToProto(exposure, response);
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* InquiryServiceImpl::CheckNewCredit(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::CheckNewCreditRequest, v1::CheckNewCreditResponse>(
      context, raw_request, raw_response, kCheckNewCredit,
      [this](CallContext& call, const v1::CheckNewCreditRequest* request, v1::CheckNewCreditResponse* response) -> domain::MaybeError {
    auto credit = NewCreditFromProto(request->product_type(), request->currency(), request->proposed_limit_minor(),
                                     "proposed_limit_minor");
    if (!credit.ok()) return credit.error();
    const domain::NewCredit& proposal = credit.value();

    auto snapshot = Inquire(call, {request->resident_id(), request->purpose(), request->consent_reference()});
    if (!snapshot.ok()) return snapshot.error();
    auto& s = snapshot.value();
    const auto projection = domain::Project(s.lines, s.reservations, call.member.id, proposal);
    const auto today = deps_.clock.Today();
    auto exposure =
        domain::BuildExposure(std::move(s.lines), std::move(s.reservations), s.inquiries, call.member.id, today);
    exposure.protections = domain::Shown(s.protections, today);
    const auto signals = domain::EvaluateNewCredit(exposure, projection, proposal, deps_.policy, today);
    for (const auto& signal : signals) call.signals.push_back(SignalName(signal.code));
    ToProto(exposure, response);
    ToProto(signals, response);
    const auto total = domain::ToApiAmount(projection.total_limit_minor);
    const auto product = domain::ToApiAmount(projection.product_limit_minor);
    response->set_projected_total_limit_minor(total.minor);
    response->set_projected_product_limit_minor(product.minor);
    response->set_projected_limits_saturated(total.saturated || product.saturated);
    response->set_projected_lender_count(projection.lender_count);
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* InquiryServiceImpl::ListMyInquiries(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::ListMyInquiriesRequest, v1::ListMyInquiriesResponse>(
      context, raw_request, raw_response, kListMyInquiries,
      [this](CallContext& call, const v1::ListMyInquiriesRequest* request, v1::ListMyInquiriesResponse* response) -> domain::MaybeError {
    auto page = ParsePage(request->page_size(), request->page_token(), 'i');
    if (!page.ok()) return page.error();
    const auto entries = deps_.inquiries.ListForMember(call.member.id, page.value().cursor, page.value().size + 1);
    const bool more = static_cast<int>(entries.size()) > page.value().size;
    for (int i = 0; i < static_cast<int>(entries.size()) && i < page.value().size; ++i) {
      const auto& e = entries[static_cast<size_t>(i)];
      auto* r = response->add_inquiries();
      r->set_inquiry_id("i" + std::to_string(e.id));
      r->set_at_unix_seconds(e.at_us / 1'000'000);
      r->set_purpose(static_cast<v1::Purpose>(e.purpose));
      r->set_consent_reference(e.consent_reference);
      r->set_method(e.method);
    }
    if (more) response->set_next_page_token(PageToken('i', entries[static_cast<size_t>(page.value().size) - 1].id));
    return std::nullopt;
  });
}

}  // namespace creditshare::api
