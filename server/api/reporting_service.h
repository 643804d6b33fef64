#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/reporting_service.grpc.pb.h"

namespace creditshare::api {

// Every method raw (bytes in, bytes out): the call guard parses, so a malformed request is
// answered like any other bad request.
using RawReportingService = v1::ReportingService::WithRawCallbackMethod_ReportCreditLine<
    v1::ReportingService::WithRawCallbackMethod_RestructureCreditLine<
        v1::ReportingService::WithRawCallbackMethod_BulkReportCreditLines<
            v1::ReportingService::WithRawCallbackMethod_GetMemberScorecard<v1::ReportingService::Service>>>>;

class ReportingServiceImpl final : public RawReportingService {
 public:
  explicit ReportingServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* ReportCreditLine(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* RestructureCreditLine(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* BulkReportCreditLines(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* GetMemberScorecard(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                               grpc::ByteBuffer* raw_response) override;

 private:
  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
