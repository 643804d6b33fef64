#pragma once

#include "api/call_guard.h"
#include "creditshare/v1/regulator_service.grpc.pb.h"
#include "storage/report_repository.h"

namespace creditshare::api {

// Every method raw (bytes in, bytes out): the call guard parses, so a malformed request is
// answered like any other bad request.
using RawRegulatorService = v1::RegulatorService::WithRawCallbackMethod_GetAggregateReport<v1::RegulatorService::WithRawCallbackMethod_GetMultiLendingReport<v1::RegulatorService::Service>>;

class RegulatorServiceImpl final : public RawRegulatorService {
 public:
  RegulatorServiceImpl(CallGuard& guard, storage::ReportRepository& reports, int min_borrowers_per_cell)
      : guard_(guard), reports_(reports), min_borrowers_(min_borrowers_per_cell) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* GetAggregateReport(grpc::CallbackServerContext* context,
                                                                 const grpc::ByteBuffer* raw_request) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* GetMultiLendingReport(grpc::CallbackServerContext* context,
                                                                    const grpc::ByteBuffer* raw_request) override;

 private:
  CallGuard& guard_;
  storage::ReportRepository& reports_;
  const int min_borrowers_;
};

}  // namespace creditshare::api
