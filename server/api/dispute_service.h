#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/dispute_service.grpc.pb.h"

namespace creditshare::api {

// Every method raw (bytes in, bytes out): the call guard parses, so a malformed request is
// answered like any other bad request.
using RawDisputeService = v1::DisputeService::WithRawCallbackMethod_FileDispute<v1::DisputeService::WithRawCallbackMethod_ResolveDispute<v1::DisputeService::WithRawCallbackMethod_ListDisputes<v1::DisputeService::Service>>>;

class DisputeServiceImpl final : public RawDisputeService {
 public:
  explicit DisputeServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* FileDispute(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* ResolveDispute(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* ListDisputes(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;

 private:
  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
