#pragma once

#include "api/service_deps.h"
#include "creditshare/v1/credit_service.grpc.pb.h"

namespace creditshare::api {

class CreditServiceImpl final : public v1::CreditService::Service {
 public:
  explicit CreditServiceImpl(const ServiceDeps& deps) : deps_(deps) {}

  grpc::Status ReserveCredit(grpc::ServerContext* context, const v1::ReserveCreditRequest* request,
                             v1::ReserveCreditResponse* response) override;
  grpc::Status ReleaseReservation(grpc::ServerContext* context, const v1::ReleaseReservationRequest* request,
                                  v1::ReleaseReservationResponse* response) override;

 private:
  const ServiceDeps& deps_;
};

}  // namespace creditshare::api
