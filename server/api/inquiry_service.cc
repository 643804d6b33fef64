#include "api/inquiry_service.h"

#include <algorithm>

#include "api/proto_mapping.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {
void RecordInquiry(metrics::Metrics& m, const CallContext& call, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) m.Inquiry(domain::ToString(static_cast<domain::Purpose>(call.audit.purpose)));
}

constexpr MethodPolicy kGetBorrowerExposure{"GetBorrowerExposure", /*lenders=*/true, /*regulators=*/false,
                                            RecordInquiry};
constexpr std::size_t kMaxConsentReferenceLength = 128;
}  // namespace

grpc::Status InquiryServiceImpl::GetBorrowerExposure(grpc::ServerContext* context,
                                                     const v1::GetBorrowerExposureRequest* request,
                                                     v1::GetBorrowerExposureResponse* response) {
  return guard_.Run(context, kGetBorrowerExposure, [&](CallContext& call) -> domain::MaybeError {
    // Audited as given, even when the request is refused below.
    if (request->purpose() >= 0 && request->purpose() <= domain::kMaxPurpose) call.audit.purpose = request->purpose();
    call.audit.consent_reference = request->consent_reference().substr(0, kMaxConsentReferenceLength);
    auto id = domain::ResidentId::Parse(request->resident_id(), clock_.Today(), "resident_id");
    if (!id.ok()) return id.error();
    auto purpose = PurposeFromProto(request->purpose(), "purpose");
    if (!purpose.ok()) return purpose.error();
    if (auto e = ValidateToken(request->consent_reference(), kMaxConsentReferenceLength, "consent_reference")) return e;
    call.audit.borrower_key = keyer_.BorrowerKey(id.value());

    auto lines = lines_.LinesOfBorrower(call.audit.borrower_key);
    if (purpose.value() == domain::Purpose::kPostLoanManagement &&
        std::none_of(lines.begin(), lines.end(), [&](const auto& l) { return l.member_id == call.member.id; }))
      return domain::Error{domain::ErrorCode::kPermissionDenied, "purpose",
                           "post_loan_management needs a credit line of yours with this borrower"};
    ToProto(domain::BuildExposure(std::move(lines), call.member.id), response);
    return std::nullopt;
  });
}

}  // namespace creditshare::api
