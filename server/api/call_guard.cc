#include "api/call_guard.h"

#include <random>

#include "log.h"
#include "security/borrower_keyer.h"
#include "storage/connection_pool.h"

namespace creditshare::api {

using domain::Error;
using domain::ErrorCode;

namespace {
constexpr std::size_t kMaxRequestIdLength = 128;

std::int64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
}

// The caller's x-request-id when it is a sane token, else a fresh random one.
std::string RequestId(const grpc::ServerContext& context) {
  const auto& md = context.client_metadata();
  if (auto it = md.find("x-request-id"); it != md.end()) {
    const std::string_view v(it->second.data(), it->second.size());
    if (!v.empty() && v.size() <= kMaxRequestIdLength &&
        std::all_of(v.begin(), v.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
      return std::string(v);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng(), b = rng();
  return security::ToHex(std::string_view(reinterpret_cast<const char*>(&a), 8)) +
         security::ToHex(std::string_view(reinterpret_cast<const char*>(&b), 8));
}
}  // namespace

domain::AuditEvent CallContext::AuditForTransaction() {
  audit_written = true;
  domain::AuditEvent e = audit;
  e.result_code = 0;
  e.latency_us = MicrosSince(started);
  return e;
}

grpc::Status ToStatus(const Error& e) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (e.code) {
    case ErrorCode::kInvalidArgument: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case ErrorCode::kNotFound: code = grpc::StatusCode::NOT_FOUND; break;
    case ErrorCode::kAlreadyExists: code = grpc::StatusCode::ALREADY_EXISTS; break;
    case ErrorCode::kFailedPrecondition: code = grpc::StatusCode::FAILED_PRECONDITION; break;
    case ErrorCode::kPermissionDenied: code = grpc::StatusCode::PERMISSION_DENIED; break;
    case ErrorCode::kUnauthenticated: code = grpc::StatusCode::UNAUTHENTICATED; break;
    case ErrorCode::kResourceExhausted: code = grpc::StatusCode::RESOURCE_EXHAUSTED; break;
    case ErrorCode::kUnavailable: code = grpc::StatusCode::UNAVAILABLE; break;
    case ErrorCode::kInternal: code = grpc::StatusCode::INTERNAL; break;
  }
  return grpc::Status(code, e.field.empty() ? e.message : e.field + ": " + e.message);
}

std::string_view CodeName(grpc::StatusCode code) {
  static constexpr std::string_view kNames[] = {
      "OK",      "CANCELLED",         "UNKNOWN",      "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "UNKNOWN";
}

domain::MaybeError CallGuard::Authenticate(grpc::ServerContext* context, CallContext& call) {
  // The TLS layer has already verified the chain against the member CA.
  auto auth = context->auth_context();
  if (!auth || !auth->IsPeerAuthenticated())
    return Error{ErrorCode::kUnauthenticated, "", "a client certificate issued by the creditshare CA is required"};
  const auto names = auth->FindPropertyValues("x509_common_name");
  const auto certs = auth->FindPropertyValues("x509_pem_cert");
  if (names.size() != 1 || certs.size() != 1)
    return Error{ErrorCode::kUnauthenticated, "", "the client certificate has no single common name"};
  auto result = authenticator_.Authenticate(std::string(certs.front().data(), certs.front().size()),
                                            std::string(names.front().data(), names.front().size()));
  call.audit.cert_fingerprint = result.fingerprint;
  if (!result.member.ok()) return result.member.error();
  call.member = std::move(result.member).value();
  call.audit.principal = call.member.code;
  return std::nullopt;
}

grpc::Status CallGuard::Run(grpc::ServerContext* context, const MethodPolicy& policy, const Handler& handler) {
  CallContext call;
  call.started = std::chrono::steady_clock::now();
  call.audit.at_us =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count();
  call.audit.method = std::string(policy.name);
  call.audit.request_id = RequestId(*context);
  // In the trailers: gRPC clients retry only answers that came without response headers, so an
  // id sent as initial metadata made every UNAVAILABLE from here final.
  context->AddTrailingMetadata("x-request-id", call.audit.request_id);
  metrics_.CallStarted(policy.name);

  std::string detail;
  grpc::Status status;
  try {
    if (auto refused = Authenticate(context, call)) {
      status = ToStatus(*refused);
    } else {
      const auto type = call.member.type;
      const bool allowed =
          domain::IsLender(type) ? policy.lenders : (type == domain::MemberType::kRegulator && policy.regulators);
      if (!allowed) {
        status = ToStatus({ErrorCode::kPermissionDenied, "",
                           "members of type " + std::string(domain::ToString(type)) + " may not call " +
                               std::string(policy.name)});
      } else if (const auto admitted = admission_.TryAdmit(call.member.id, policy.stream); !admitted) {
        // (`admitted` stays in scope, holding the member's slot, through the handler below.)
        metrics_.CallThrottled(policy.name, policy.stream ? "streams" : "calls");
        status = ToStatus({ErrorCode::kResourceExhausted, "",
                           "member " + call.member.code + " already has " +
                               std::to_string(admission_.LimitFor(policy.stream)) +
                               (policy.stream ? " streams open" : " calls in flight") +
                               ", the most one member may hold; retry when one ends"});
      } else if (auto error = handler(call)) {
        status = ToStatus(*error);
      }
    }
  } catch (const storage::PoolExhaustedError& e) {
    detail = e.what();
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is busy: no database connection came free in time; retry later");
  } catch (const storage::UnavailableError& e) {
    detail = e.what();
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the database is unavailable; retry later");
  } catch (const storage::DeadlineExceededError& e) {
    detail = e.what();
    status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the call's deadline passed before it finished");
  } catch (const std::exception& e) {
    detail = e.what();
    status = grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }

  // A record written inside a change's transaction stands only if the change succeeded; any
  // other outcome is recorded here. Without a durable record the caller gets no data.
  if (!status.ok()) call.audit_written = false;
  if (call.audit_written) {
    metrics_.AuditRecordsWritten(1);
  } else {
    call.audit.result_code = static_cast<int>(status.error_code());
    call.audit.latency_us = MicrosSince(call.started);
    try {
      audit_.Write(call.audit);
      metrics_.AuditRecordsWritten(1);
    } catch (const std::exception& e) {
      detail += std::string(detail.empty() ? "" : "; ") + "audit write failed: " + e.what();
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the call could not be recorded; retry later");
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - call.started).count();
  metrics_.CallFinished(policy.name, CodeName(status.error_code()), seconds);
  if (policy.record_business != nullptr) policy.record_business(metrics_, call, status.error_code());

  const std::string latency = std::to_string(MicrosSince(call.started));
  std::vector<log::Field> fields = {{"request_id", call.audit.request_id},
                                    {"method", policy.name},
                                    {"member", call.audit.principal},
                                    {"code", CodeName(status.error_code())},
                                    {"latency_us", latency}};
  if (detail.empty()) {
    log::Info("rpc", fields);
  } else {
    fields.emplace_back("detail", detail);
    log::Error("rpc", fields);
  }
  return status;
}

}  // namespace creditshare::api
