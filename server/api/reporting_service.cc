#include "api/reporting_service.h"

#include "api/proto_mapping.h"
#include "domain/resident_id.h"

namespace creditshare::api {

namespace {
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
  }
  return "unknown";
}

constexpr MethodPolicy kReportCreditLine{"ReportCreditLine", /*lenders=*/true, /*regulators=*/false, RecordReport};
constexpr std::size_t kMaxRequestIdLength = 128;
}  // namespace

grpc::Status ReportingServiceImpl::ReportCreditLine(grpc::ServerContext* context,
                                                    const v1::ReportCreditLineRequest* request,
                                                    v1::ReportCreditLineResponse* response) {
  return guard_.Run(context, kReportCreditLine, [&](CallContext& call) -> domain::MaybeError {
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    if (!request->has_line()) return domain::Error::InvalidArgument("line", "is required");
    const domain::Date today = clock_.Today();
    auto id = domain::ResidentId::Parse(request->line().resident_id(), today, "line.resident_id");
    if (!id.ok()) return id.error();
    auto report = FromProto(request->line(), "line.");
    if (!report.ok()) return report.error();
    if (auto e = domain::ValidateLineReport(report.value(), today, "line.")) return e;

    const storage::BorrowerIdentity borrower{keyer_.BorrowerKey(id.value()), id.value().region_code(),
                                             id.value().birth_date().year};
    call.audit.borrower_key = borrower.key;
    const storage::IdempotencyKey idempotency{
        request->request_id(),
        keyer_.RequestFingerprint(domain::CanonicalEncoding(report.value(), id.value().normalized()))};
    bool replayed = false;
    auto result = lines_.ApplyReport(call.member.id, idempotency, borrower, report.value(),
                                     [&call] { return call.AuditForTransaction(); }, &replayed);
    if (!result.ok()) return result.error();
    call.outcome = OutcomeName(result.value().outcome, replayed);
    ToProto(result.value(), report.value().account_reference, response);
    return std::nullopt;
  });
}

}  // namespace creditshare::api
