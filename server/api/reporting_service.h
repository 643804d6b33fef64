#pragma once

#include "api/call_guard.h"
#include "creditshare/v1/reporting_service.grpc.pb.h"
#include "domain/clock.h"
#include "security/borrower_keyer.h"
#include "storage/credit_line_repository.h"

namespace creditshare::api {

class ReportingServiceImpl final : public v1::ReportingService::Service {
 public:
  ReportingServiceImpl(CallGuard& guard, const domain::Clock& clock, const security::BorrowerKeyer& keyer,
                       storage::CreditLineRepository& lines)
      : guard_(guard), clock_(clock), keyer_(keyer), lines_(lines) {}

  grpc::Status ReportCreditLine(grpc::ServerContext* context, const v1::ReportCreditLineRequest* request,
                                v1::ReportCreditLineResponse* response) override;

 private:
  CallGuard& guard_;
  const domain::Clock& clock_;
  const security::BorrowerKeyer& keyer_;
  storage::CreditLineRepository& lines_;
};

}  // namespace creditshare::api
