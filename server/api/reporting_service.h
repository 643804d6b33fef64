#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/reporting_service.grpc.pb.h"

namespace creditshare::api {

class ReportingServiceImpl final : public v1::ReportingService::Service {
 public:
  explicit ReportingServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::Status ReportCreditLine(grpc::ServerContext* context, const v1::ReportCreditLineRequest* request,
                                v1::ReportCreditLineResponse* response) override;
  grpc::Status RestructureCreditLine(grpc::ServerContext* context, const v1::RestructureCreditLineRequest* request,
                                     v1::RestructureCreditLineResponse* response) override;
  grpc::Status BulkReportCreditLines(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::BulkReportCreditLinesResponse, v1::BulkReportCreditLinesRequest>* stream) override;

 private:
  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
