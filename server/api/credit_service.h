#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/credit_service.grpc.pb.h"

namespace creditshare::api {

// Every method raw (bytes in, bytes out): the call guard parses, so a malformed request is
// answered like any other bad request.
using RawCreditService = v1::CreditService::WithRawCallbackMethod_ReserveCredit<v1::CreditService::WithRawCallbackMethod_ReleaseReservation<v1::CreditService::Service>>;

class CreditServiceImpl final : public RawCreditService {
 public:
  explicit CreditServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* ReserveCredit(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* ReleaseReservation(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;

 private:
  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
