#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/dispute_service.grpc.pb.h"

namespace creditshare::api {

class DisputeServiceImpl final : public v1::DisputeService::Service {
 public:
  explicit DisputeServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::Status FileDispute(grpc::ServerContext* context, const v1::FileDisputeRequest* request,
                           v1::FileDisputeResponse* response) override;
  grpc::Status ResolveDispute(grpc::ServerContext* context, const v1::ResolveDisputeRequest* request,
                              v1::ResolveDisputeResponse* response) override;
  grpc::Status ListDisputes(grpc::ServerContext* context, const v1::ListDisputesRequest* request,
                            v1::ListDisputesResponse* response) override;

 private:
  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
