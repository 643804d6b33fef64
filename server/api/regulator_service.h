#pragma once

#include "api/call_guard.h"
#include "creditshare/v1/regulator_service.grpc.pb.h"
#include "storage/report_repository.h"

namespace creditshare::api {

class RegulatorServiceImpl final : public v1::RegulatorService::Service {
 public:
  RegulatorServiceImpl(CallGuard& guard, storage::ReportRepository& reports, int min_borrowers_per_cell)
      : guard_(guard), reports_(reports), min_borrowers_(min_borrowers_per_cell) {}

  grpc::Status GetAggregateReport(grpc::ServerContext* context, const v1::GetAggregateReportRequest* request,
                                  grpc::ServerWriter<v1::GetAggregateReportResponse>* writer) override;
  grpc::Status GetMultiLendingReport(grpc::ServerContext* context, const v1::GetMultiLendingReportRequest* request,
                                     grpc::ServerWriter<v1::GetMultiLendingReportResponse>* writer) override;

 private:
  CallGuard& guard_;
  storage::ReportRepository& reports_;
  const int min_borrowers_;
};

}  // namespace creditshare::api
