#include "api/dispute_service.h"

#include "api/proto_mapping.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {
constexpr std::size_t kMaxTextLength = 500;

constexpr MethodPolicy kFileDispute{"FileDispute", /*lenders=*/true, /*regulators=*/false};
constexpr MethodPolicy kResolveDispute{"ResolveDispute", /*lenders=*/true, /*regulators=*/false};
constexpr MethodPolicy kListDisputes{"ListDisputes", /*lenders=*/true, /*regulators=*/false};

// The stored response of a dispute write is the Dispute message itself.
storage::DisputeRepository::Encoder Encoder(std::int64_t now_us) {
  return [now_us](const domain::DisputeRecord& d) {
    v1::Dispute out;
    ToProto(d, now_us, &out);
    return out.SerializeAsString();
  };
}

domain::MaybeError Decode(const std::string& bytes, v1::Dispute* out) {
  if (!out->ParseFromString(bytes)) return domain::Error{domain::ErrorCode::kInternal, "", "stored response is unreadable"};
  return std::nullopt;
}
}  // namespace

grpc::ServerUnaryReactor* DisputeServiceImpl::FileDispute(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::FileDisputeRequest, v1::FileDisputeResponse>(
      context, raw_request, raw_response, kFileDispute,
      [this](CallContext& call, const v1::FileDisputeRequest* request, v1::FileDisputeResponse* response) -> domain::MaybeError {
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    auto id = domain::ResidentId::Parse(request->resident_id(), deps_.clock.Today(), "resident_id");
    if (!id.ok()) return id.error();
    if (auto e = ValidateToken(request->line_id(), 64, "line_id")) return e;
    if (request->reason().empty() || request->reason().size() > kMaxTextLength)
      return domain::Error::InvalidArgument("reason", "must be 1-500 characters");
    const auto borrower_key = deps_.keyer.BorrowerKey(id.value());
    call.audit.set_borrower(borrower_key);
    v1::FileDisputeRequest canonical = *request;
    canonical.clear_request_id();
    canonical.set_resident_id(id.value().normalized());
    const storage::IdempotencyKey idempotency{request->request_id(),
                                              deps_.keyer.RequestFingerprint(CanonicalBytes(canonical))};
    const auto now = deps_.clock.NowMicros();
    auto outcome = deps_.disputes.File(call.member.id, idempotency, borrower_key, request->line_id(),
                                       request->reason(), now, [&call] { return call.AuditForTransaction(); },
                                       Encoder(now));
    if (!outcome.ok()) return outcome.error();
    return Decode(outcome.value().response, response->mutable_dispute());
  });
}

grpc::ServerUnaryReactor* DisputeServiceImpl::ResolveDispute(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::ResolveDisputeRequest, v1::ResolveDisputeResponse>(
      context, raw_request, raw_response, kResolveDispute,
      [this](CallContext& call, const v1::ResolveDisputeRequest* request, v1::ResolveDisputeResponse* response) -> domain::MaybeError {
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    if (auto e = ValidateToken(request->dispute_id(), 64, "dispute_id")) return e;
    const int r = request->resolution();
    if (r != v1::DISPUTE_STATUS_CONFIRMED && r != v1::DISPUTE_STATUS_CORRECTED && r != v1::DISPUTE_STATUS_DELETED)
      return domain::Error::InvalidArgument("resolution", "must be CONFIRMED, CORRECTED or DELETED");
    if (request->note().size() > kMaxTextLength)
      return domain::Error::InvalidArgument("note", "must be at most 500 characters");
    v1::ResolveDisputeRequest canonical = *request;
    canonical.clear_request_id();
    const storage::IdempotencyKey idempotency{request->request_id(),
                                              deps_.keyer.RequestFingerprint(CanonicalBytes(canonical))};
    const auto now = deps_.clock.NowMicros();
    auto outcome = deps_.disputes.Resolve(call.member.id, idempotency, request->dispute_id(),
                                          static_cast<domain::DisputeStatus>(r), request->note(), now,
                                          [&call] { return call.AuditForTransaction(); }, Encoder(now));
    if (!outcome.ok()) return outcome.error();
    return Decode(outcome.value().response, response->mutable_dispute());
  });
}

grpc::ServerUnaryReactor* DisputeServiceImpl::ListDisputes(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::ListDisputesRequest, v1::ListDisputesResponse>(
      context, raw_request, raw_response, kListDisputes,
      [this](CallContext& call, const v1::ListDisputesRequest* request, v1::ListDisputesResponse* response) -> domain::MaybeError {
    auto page = ParsePage(request->page_size(), request->page_token(), 'd');
    if (!page.ok()) return page.error();
    using Filter = storage::DisputeRepository::Filter;
    Filter filter = Filter::kOpen;
    switch (request->filter()) {
      case v1::ListDisputesRequest::FILTER_UNSPECIFIED:
      case v1::ListDisputesRequest::FILTER_OPEN: filter = Filter::kOpen; break;
      case v1::ListDisputesRequest::FILTER_OVERDUE: filter = Filter::kOverdue; break;
      case v1::ListDisputesRequest::FILTER_ALL: filter = Filter::kAll; break;
      default: return domain::Error::InvalidArgument("filter", "unknown value " + std::to_string(request->filter()));
    }
    const auto now = deps_.clock.NowMicros();
    std::uint64_t last_id = 0;
    const auto disputes =
        deps_.disputes.ListForOwner(call.member.id, filter, now, page.value().cursor, page.value().size, &last_id);
    for (const auto& d : disputes) ToProto(d, now, response->add_disputes());
    if (static_cast<int>(disputes.size()) == page.value().size) response->set_next_page_token(PageToken('d', last_id));
    return std::nullopt;
  });
}

}  // namespace creditshare::api
