#include "api/reporting_service.h"

#include "api/proto_mapping.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {
constexpr std::size_t kMaxRequestIdLength = 128;

void RecordReport(metrics::Metrics& m, const CallContext& call, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) {
    m.LineReported(call.outcome);
  } else if (code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::FAILED_PRECONDITION) {
    m.ReportRejected(CodeName(code));
  }
}

std::string_view OutcomeName(domain::ReportOutcome outcome, bool replayed) {
  if (replayed) return "replayed";
  switch (outcome) {
    case domain::ReportOutcome::kCreated: return "created";
    case domain::ReportOutcome::kUpdated: return "updated";
    case domain::ReportOutcome::kStaleIgnored: return "stale_ignored";
    case domain::ReportOutcome::kHistoryUpdated: return "history_updated";
  }
  return "unknown";
}

constexpr MethodPolicy kReportCreditLine{"ReportCreditLine", /*lenders=*/true, /*regulators=*/false, RecordReport};
constexpr MethodPolicy kRestructureCreditLine{"RestructureCreditLine", /*lenders=*/true, /*regulators=*/false};
}  // namespace

grpc::Status ReportingServiceImpl::ReportCreditLine(grpc::ServerContext* context,
                                                    const v1::ReportCreditLineRequest* request,
                                                    v1::ReportCreditLineResponse* response) {
  return deps_.guard.Run(context, kReportCreditLine, [&](CallContext& call) -> domain::MaybeError {
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    if (!request->has_line()) return domain::Error::InvalidArgument("line", "is required");
    const domain::Date today = deps_.clock.Today();
    auto id = domain::ResidentId::Parse(request->line().resident_id(), today, "line.resident_id");
    if (!id.ok()) return id.error();
    auto report = FromProto(request->line(), "line.");
    if (!report.ok()) return report.error();
    if (auto e = domain::ValidateLineReport(report.value(), today, "line.")) return e;

    const storage::BorrowerIdentity borrower{deps_.keyer.BorrowerKey(id.value()), id.value().region_code(),
                                             id.value().birth_date().year};
    call.audit.borrower_key = borrower.key;
    const storage::IdempotencyKey idempotency{
        request->request_id(),
        deps_.keyer.RequestFingerprint(domain::CanonicalEncoding(report.value(), id.value().normalized()))};
    bool replayed = false;
    auto result = deps_.lines.ApplyReport(call.member.id, idempotency, borrower, report.value(),
                                          deps_.clock.NowMicros(), [&call] { return call.AuditForTransaction(); },
                                          &replayed);
    if (!result.ok()) return result.error();
    call.outcome = OutcomeName(result.value().outcome, replayed);
    ToProto(result.value(), report.value().account_reference, response);
    return std::nullopt;
  });
}

grpc::Status ReportingServiceImpl::RestructureCreditLine(grpc::ServerContext* context,
                                                         const v1::RestructureCreditLineRequest* request,
                                                         v1::RestructureCreditLineResponse* response) {
  return deps_.guard.Run(context, kRestructureCreditLine, [&](CallContext& call) -> domain::MaybeError {
    using domain::Error;
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    if (auto e = ValidateToken(request->account_reference(), domain::kMaxAccountReferenceLength, "account_reference"))
      return e;
    storage::Restructuring r;
    r.account_reference = request->account_reference();
    r.restructure_date = FromProto(request->restructure_date());
    if (!r.restructure_date.IsValid()) return Error::InvalidArgument("restructure_date", "is required and must be a valid date");
    if (r.restructure_date > deps_.clock.Today())
      return Error::InvalidArgument("restructure_date", "must not be in the future");
    if (request->reason().empty() || request->reason().size() > 255)
      return Error::InvalidArgument("reason", "must be 1-255 characters");
    r.reason = request->reason();
    if (request->concessions().empty()) return Error::InvalidArgument("concessions", "at least one is required");
    for (int c : request->concessions()) {
      auto concession = EnumFromProto<domain::Concession>(c, domain::kMaxConcession, "concessions");
      if (!concession.ok()) return concession.error();
      if (concession.value() == domain::Concession::kUnspecified)
        return Error::InvalidArgument("concessions", "must not contain CONCESSION_UNSPECIFIED");
      r.concessions.push_back(concession.value());
    }
    r.new_maturity_date = OptionalFromProto(request->new_maturity_date());
    if (r.new_maturity_date && !r.new_maturity_date->IsValid())
      return Error::InvalidArgument("new_maturity_date", "must be a valid date");
    if (request->new_scheduled_payment_minor() < 0 || request->new_scheduled_payment_minor() > domain::kMaxAmountMinor)
      return Error::InvalidArgument("new_scheduled_payment_minor", "must be between 0 and the maximum amount");
    if (request->new_interest_rate_bps() < 0) return Error::InvalidArgument("new_interest_rate_bps", "must not be negative");
    if (request->principal_forgiven_minor() < 0 || request->principal_forgiven_minor() > domain::kMaxAmountMinor)
      return Error::InvalidArgument("principal_forgiven_minor", "must be between 0 and the maximum amount");
    r.new_scheduled_payment_minor = request->new_scheduled_payment_minor();
    r.new_interest_rate_bps = request->new_interest_rate_bps();
    r.principal_forgiven_minor = request->principal_forgiven_minor();

    v1::RestructureCreditLineRequest canonical = *request;
    canonical.clear_request_id();
    const storage::IdempotencyKey idempotency{request->request_id(),
                                              deps_.keyer.RequestFingerprint(CanonicalBytes(canonical))};
    bool replayed = false;
    auto count = deps_.lines.Restructure(call.member.id, idempotency, r, [&call] { return call.AuditForTransaction(); },
                                         &replayed);
    if (!count.ok()) return count.error();
    response->set_account_reference(r.account_reference);
    response->set_restructure_count(count.value());
    return std::nullopt;
  });
}

}  // namespace creditshare::api
