#include "api/call_guard.h"

#include <cppconn/exception.h>

#include "log.h"
#include "storage/connection_pool.h"

namespace creditshare::api {

using domain::Error;
using domain::ErrorCode;

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

domain::Result<Caller> CallGuard::Authenticate(grpc::ServerContext* context) {
  // The TLS layer has already verified the chain against the member CA.
  auto auth = context->auth_context();
  if (!auth || !auth->IsPeerAuthenticated())
    return Error{ErrorCode::kUnauthenticated, "", "a client certificate issued by the creditshare CA is required"};
  const auto names = auth->FindPropertyValues("x509_common_name");
  const auto certs = auth->FindPropertyValues("x509_pem_cert");
  if (names.size() != 1 || certs.size() != 1)
    return Error{ErrorCode::kUnauthenticated, "", "the client certificate has no single common name"};
  auto member = authenticator_.Authenticate(std::string(certs.front().data(), certs.front().size()),
                                            std::string(names.front().data(), names.front().size()));
  if (!member.ok()) return member.error();
  return Caller{std::move(member).value()};
}

grpc::Status CallGuard::Run(grpc::ServerContext* context, const MethodPolicy& policy, const Handler& handler) {
  const auto started = std::chrono::steady_clock::now();
  std::string member_code = "-";
  std::string detail;
  grpc::Status status;
  try {
    auto caller = Authenticate(context);
    if (!caller.ok()) {
      status = ToStatus(caller.error());
    } else {
      member_code = caller.value().member.code;
      const auto type = caller.value().member.type;
      const bool allowed = domain::IsLender(type) ? policy.lenders : (type == domain::MemberType::kRegulator && policy.regulators);
      if (!allowed) {
        status = ToStatus({ErrorCode::kPermissionDenied, "",
                           std::string("members of type ") + std::string(domain::ToString(type)) + " may not call " +
                               std::string(policy.name)});
      } else if (auto error = handler(caller.value())) {
        status = ToStatus(*error);
      }
    }
  } catch (const storage::UnavailableError& e) {
    detail = e.what();
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the database is unavailable; retry later");
  } catch (const std::exception& e) {
    detail = e.what();
    status = grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  const std::string code_name = std::to_string(static_cast<int>(status.error_code()));
  const std::string latency = std::to_string(micros);
  if (detail.empty()) {
    log::Info("rpc", {{"method", policy.name}, {"member", member_code}, {"code", code_name}, {"latency_us", latency}});
  } else {
    log::Error("rpc", {{"method", policy.name}, {"member", member_code}, {"code", code_name}, {"latency_us", latency},
                       {"detail", detail}});
  }
  return status;
}

}  // namespace creditshare::api
