#include "api/inquiry_service.h"

#include <algorithm>

#include "api/proto_mapping.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {
constexpr MethodPolicy kGetBorrowerExposure{"GetBorrowerExposure", /*lenders=*/true, /*regulators=*/false};
constexpr std::size_t kMaxConsentReferenceLength = 128;
}  // namespace

grpc::Status InquiryServiceImpl::GetBorrowerExposure(grpc::ServerContext* context,
                                                     const v1::GetBorrowerExposureRequest* request,
                                                     v1::GetBorrowerExposureResponse* response) {
  return guard_.Run(context, kGetBorrowerExposure, [&](const Caller& caller) -> domain::MaybeError {
    auto id = domain::ResidentId::Parse(request->resident_id(), clock_.Today(), "resident_id");
    if (!id.ok()) return id.error();
    auto purpose = PurposeFromProto(request->purpose(), "purpose");
    if (!purpose.ok()) return purpose.error();
    if (auto e = ValidateToken(request->consent_reference(), kMaxConsentReferenceLength, "consent_reference")) return e;

    auto lines = lines_.LinesOfBorrower(keyer_.BorrowerKey(id.value()));
    if (purpose.value() == domain::Purpose::kPostLoanManagement &&
        std::none_of(lines.begin(), lines.end(), [&](const auto& l) { return l.member_id == caller.member.id; }))
      return domain::Error{domain::ErrorCode::kPermissionDenied, "purpose",
                           "post_loan_management needs a credit line of yours with this borrower"};
    ToProto(domain::BuildExposure(std::move(lines), caller.member.id), response);
    return std::nullopt;
  });
}

}  // namespace creditshare::api
