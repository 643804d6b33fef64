#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/inquiry_service.grpc.pb.h"

namespace creditshare::api {

// Every method raw (bytes in, bytes out): the call guard parses, so a malformed request is
// answered like any other bad request.
using RawInquiryService = v1::InquiryService::WithRawCallbackMethod_GetBorrowerExposure<v1::InquiryService::WithRawCallbackMethod_CheckNewCredit<v1::InquiryService::WithRawCallbackMethod_ListMyInquiries<v1::InquiryService::Service>>>;

class InquiryServiceImpl final : public RawInquiryService {
 public:
  explicit InquiryServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* GetBorrowerExposure(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* CheckNewCredit(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* ListMyInquiries(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                      grpc::ByteBuffer* raw_response) override;

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
