#include "api/credit_service.h"

#include <algorithm>

#include "api/proto_mapping.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {

void RecordReserve(metrics::Metrics& m, const CallContext&, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) m.ReservationEvent("created");
  if (code == grpc::StatusCode::FAILED_PRECONDITION) m.ReservationEvent("refused_cap");
}
void RecordRelease(metrics::Metrics& m, const CallContext&, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) m.ReservationEvent("released");
}

constexpr MethodPolicy kReserveCredit{"ReserveCredit", /*lenders=*/true, /*regulators=*/false, RecordReserve,
                                      kMaxUnaryRequestBytes, RateClass::kInquiry};
constexpr MethodPolicy kReleaseReservation{"ReleaseReservation", /*lenders=*/true, /*regulators=*/false, RecordRelease};
}  // namespace

grpc::ServerUnaryReactor* CreditServiceImpl::ReserveCredit(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::ReserveCreditRequest, v1::ReserveCreditResponse>(
      context, raw_request, raw_response, kReserveCredit,
      [this](CallContext& call, const v1::ReserveCreditRequest* request, v1::ReserveCreditResponse* response) -> domain::MaybeError {
    using domain::Error;
    if (request->purpose() >= 0 && request->purpose() <= domain::kMaxPurpose) call.audit.purpose = request->purpose();
    call.audit.consent_reference = request->consent_reference().substr(0, kMaxConsentReferenceLength);
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    auto id = domain::ResidentId::Parse(request->resident_id(), deps_.clock.Today(), "resident_id");
    if (!id.ok()) return id.error();
    auto purpose = PurposeFromProto(request->purpose(), "purpose");
    if (!purpose.ok()) return purpose.error();
    if (auto e = ValidateToken(request->consent_reference(), kMaxConsentReferenceLength, "consent_reference")) return e;
    auto credit = NewCreditFromProto(request->product_type(), request->currency(), request->amount_minor(), "amount_minor");
    if (!credit.ok()) return credit.error();
    if (!request->account_reference().empty())
      if (auto e = ValidateToken(request->account_reference(), domain::kMaxAccountReferenceLength, "account_reference"))
        return e;
    std::chrono::seconds ttl = deps_.policy.reservation_default_ttl;
    if (request->ttl_seconds() < 0) return Error::InvalidArgument("ttl_seconds", "must not be negative (the expiry would be in the past)");
    if (request->ttl_seconds() > 0) ttl = std::chrono::seconds(request->ttl_seconds());
    if (ttl > deps_.policy.reservation_max_ttl)
      return Error::InvalidArgument("ttl_seconds", "must be at most " +
                                                       std::to_string(deps_.policy.reservation_max_ttl.count()) + " s");

    const storage::BorrowerIdentity borrower{deps_.keyer.BorrowerKey(id.value()), id.value().region_code(),
                                             id.value().birth_date().year};
    call.audit.set_borrower(borrower.key);
    v1::ReserveCreditRequest canonical = *request;
    canonical.clear_request_id();
    canonical.set_resident_id(id.value().normalized());
    const storage::IdempotencyKey idempotency{request->request_id(),
                                              deps_.keyer.RequestFingerprint(CanonicalBytes(canonical))};
    const std::int64_t now = deps_.clock.NowMicros();
    const storage::ReservationRequest reservation{credit.value(),
                                                  purpose.value(),
                                                  request->account_reference(),
                                                  now,
                                                  now + std::chrono::duration_cast<std::chrono::microseconds>(ttl).count()};
    bool replayed = false;
    auto result = deps_.reservations.Reserve(call.member.id, idempotency, borrower, reservation, deps_.policy,
                                             [&call] { return call.AuditForTransaction(); }, &replayed);
    if (!result.ok()) return result.error();
    response->set_reservation_id(result.value().reservation_id);
    response->set_expires_at_unix_seconds(result.value().expires_at_us / 1'000'000);
    if (auto no_cap = domain::NoCapForCurrency(deps_.policy, credit.value().currency)) response->add_warnings(*no_cap);
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* CreditServiceImpl::ReleaseReservation(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::ReleaseReservationRequest, v1::ReleaseReservationResponse>(
      context, raw_request, raw_response, kReleaseReservation,
      [this](CallContext& call, const v1::ReleaseReservationRequest* request, v1::ReleaseReservationResponse* response) -> domain::MaybeError {
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    if (auto e = ValidateToken(request->reservation_id(), 64, "reservation_id")) return e;
    v1::ReleaseReservationRequest canonical = *request;
    canonical.clear_request_id();
    const storage::IdempotencyKey idempotency{request->request_id(),
                                              deps_.keyer.RequestFingerprint(CanonicalBytes(canonical))};
    bool replayed = false;
    auto released = deps_.reservations.Release(call.member.id, idempotency, request->reservation_id(),
                                               deps_.clock.NowMicros(), [&call] { return call.AuditForTransaction(); },
                                               &replayed);
    if (!released.ok()) return released.error();
    response->set_reservation_id(released.value());
    return std::nullopt;
  });
}

}  // namespace creditshare::api
