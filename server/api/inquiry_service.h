#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/inquiry_service.grpc.pb.h"

namespace creditshare::api {

class InquiryServiceImpl final : public v1::InquiryService::Service {
 public:
  explicit InquiryServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::Status GetBorrowerExposure(grpc::ServerContext* context, const v1::GetBorrowerExposureRequest* request,
                                   v1::GetBorrowerExposureResponse* response) override;
  grpc::Status CheckNewCredit(grpc::ServerContext* context, const v1::CheckNewCreditRequest* request,
                              v1::CheckNewCreditResponse* response) override;
  grpc::Status ListMyInquiries(grpc::ServerContext* context, const v1::ListMyInquiriesRequest* request,
                               v1::ListMyInquiriesResponse* response) override;

 private:
  struct Query {
    std::string resident_id;
    int purpose = 0;
    std::string consent_reference;
  };
  // Validates the borrower query shared by both inquiry methods, records it with its audit
  // record, and returns what the borrower's exposure is made of.
  domain::Result<storage::BorrowerSnapshot> Inquire(CallContext& call, const Query& query);

  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
