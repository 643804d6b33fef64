#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "creditshare/v1/inquiry_service.grpc.pb.h"
#include "creditshare/v1/reporting_service.grpc.pb.h"

namespace creditshare::client {

struct ClientOptions {
  std::string target = "localhost:7443";
  std::string ca_file;    // CA that signed the server certificate (PEM)
  std::string cert_file;  // this member's client certificate (PEM)
  std::string key_file;   // this member's private key (PEM)
  std::string server_name_override;  // TLS name to verify when it differs from the target host
  std::chrono::milliseconds deadline{5000};
};

// One object per member identity: owns the mTLS channel and gives typed calls with a deadline.
// Thread-safe; share one instance.
class Client {
 public:
  // Throws std::runtime_error when a certificate file cannot be read.
  explicit Client(const ClientOptions& options);

  grpc::Status ReportCreditLine(const v1::ReportCreditLineRequest& request, v1::ReportCreditLineResponse* response);
  grpc::Status GetBorrowerExposure(const v1::GetBorrowerExposureRequest& request,
                                   v1::GetBorrowerExposureResponse* response);

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  void Prepare(grpc::ClientContext& context) const;

  std::chrono::milliseconds deadline_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportingService::Stub> reporting_;
  std::unique_ptr<v1::InquiryService::Stub> inquiry_;
};

}  // namespace creditshare::client
