#pragma once

#include <chrono>

#include "api/call_guard.h"
#include "creditshare/v1/regulator_service.grpc.pb.h"
#include "domain/privacy.h"
#include "security/borrower_keyer.h"
#include "storage/member_repository.h"
#include "storage/privacy_budget_repository.h"
#include "storage/report_summary_repository.h"

namespace creditshare::api {

// Every method raw (bytes in, bytes out): the call guard parses, so a malformed request is
// answered like any other bad request.
using RawRegulatorService = v1::RegulatorService::WithRawCallbackMethod_GetAggregateReport<v1::RegulatorService::WithRawCallbackMethod_GetMultiLendingReport<v1::RegulatorService::Service>>;

struct RegulatorReportOptions {
  int min_borrowers_per_cell = 10;  // k: cells whose noisy borrower count is under it are withheld
  domain::PrivacyPolicy privacy;
  std::chrono::seconds summary_max_age{900};  // a report rebuilds a summary older than this first
};

class RegulatorServiceImpl final : public RawRegulatorService {
 public:
  RegulatorServiceImpl(CallGuard& guard, storage::ReportSummaryRepository& summaries,
                       storage::PrivacyBudgetRepository& budgets, storage::MemberRepository& members,
                       const security::BorrowerKeyer& keyer, const domain::Clock& clock, RegulatorReportOptions options)
      : guard_(guard), summaries_(summaries), budgets_(budgets), members_(members), keyer_(keyer), clock_(clock),
        options_(options) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* GetAggregateReport(grpc::CallbackServerContext* context,
                                                                 const grpc::ByteBuffer* raw_request) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* GetMultiLendingReport(grpc::CallbackServerContext* context,
                                                                    const grpc::ByteBuffer* raw_request) override;

 private:
  CallGuard& guard_;
  storage::ReportSummaryRepository& summaries_;
  storage::PrivacyBudgetRepository& budgets_;
  storage::MemberRepository& members_;
  const security::BorrowerKeyer& keyer_;
  const domain::Clock& clock_;
  const RegulatorReportOptions options_;
};

}  // namespace creditshare::api
