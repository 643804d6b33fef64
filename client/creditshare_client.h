#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "creditshare/v1/alert_service.grpc.pb.h"
#include "creditshare/v1/credit_service.grpc.pb.h"
#include "creditshare/v1/dispute_service.grpc.pb.h"
#include "creditshare/v1/inquiry_service.grpc.pb.h"
#include "creditshare/v1/regulator_service.grpc.pb.h"
#include "creditshare/v1/reporting_service.grpc.pb.h"

namespace creditshare::client {

struct ClientOptions {
  std::string target = "localhost:7443";
  std::string ca_file;    // CA that signed the server certificate (PEM)
  std::string cert_file;  // this member's client certificate (PEM)
  std::string key_file;   // this member's private key (PEM)
  std::string server_name_override;  // TLS name to verify when it differs from the target host
  std::chrono::milliseconds deadline{5000};
  // Regulator reports aggregate a whole month's records: minutes, not seconds, on a large book.
  // The server stops the report's query when this passes.
  std::chrono::milliseconds report_deadline{std::chrono::minutes(10)};
};

// One object per member identity: owns the mTLS channel and gives typed calls with a deadline.
// Thread-safe; share one instance.
class Client {
 public:
  // Throws std::runtime_error when a certificate file cannot be read.
  explicit Client(const ClientOptions& options);

  grpc::Status ReportCreditLine(const v1::ReportCreditLineRequest& request, v1::ReportCreditLineResponse* response);
  grpc::Status RestructureCreditLine(const v1::RestructureCreditLineRequest& request,
                                     v1::RestructureCreditLineResponse* response);
  grpc::Status GetMemberScorecard(const v1::GetMemberScorecardRequest& request, v1::MemberScorecard* response);
  grpc::Status GetBorrowerExposure(const v1::GetBorrowerExposureRequest& request,
                                   v1::GetBorrowerExposureResponse* response);
  grpc::Status CheckNewCredit(const v1::CheckNewCreditRequest& request, v1::CheckNewCreditResponse* response);
  grpc::Status ListMyInquiries(const v1::ListMyInquiriesRequest& request, v1::ListMyInquiriesResponse* response);
  grpc::Status ReserveCredit(const v1::ReserveCreditRequest& request, v1::ReserveCreditResponse* response);
  grpc::Status ReleaseReservation(const v1::ReleaseReservationRequest& request,
                                  v1::ReleaseReservationResponse* response);
  grpc::Status FileDispute(const v1::FileDisputeRequest& request, v1::FileDisputeResponse* response);
  grpc::Status ResolveDispute(const v1::ResolveDisputeRequest& request, v1::ResolveDisputeResponse* response);
  grpc::Status ListDisputes(const v1::ListDisputesRequest& request, v1::ListDisputesResponse* response);
  // Streams records through BulkReportCreditLines in chunks of `chunk_size`, several chunks in
  // flight. `next` fills the next record and returns false at the end; `on_result` gets every
  // acknowledged record's result (after the server committed it). Returns the stream's status.
  grpc::Status BulkReportCreditLines(const std::function<bool(v1::BulkLineRecord*)>& next, int chunk_size,
                                     const std::function<void(const v1::BulkRecordResult&)>& on_result);

  // Regulator reports: the whole stream, collected.
  grpc::Status GetAggregateReport(const v1::GetAggregateReportRequest& request,
                                  std::vector<v1::GetAggregateReportResponse>* responses);
  grpc::Status GetMultiLendingReport(const v1::GetMultiLendingReportRequest& request,
                                     std::vector<v1::GetMultiLendingReportResponse>* responses);

  // Post-loan alerts. WatchAlerts runs one stream on `context` (the caller may TryCancel it from
  // another thread) and hands every message to `on_message` (a batch of alerts, or a heartbeat
  // with the cursor); returning false cancels the stream. Returns the stream's status.
  grpc::Status WatchAlerts(grpc::ClientContext& context, const v1::WatchAlertsRequest& request,
                           const std::function<bool(const v1::WatchAlertsResponse&)>& on_message);
  // Follows alerts from `request.cursor()` until `on_message` returns false (then OK) or the
  // stream fails for good. A stream that ends UNAVAILABLE (server restart, shutdown, network) or
  // ABORTED (fell behind) is resumed from the last cursor received, backing off up to 5 s;
  // `on_resume` (optional) hears of each such end.
  grpc::Status FollowAlerts(v1::WatchAlertsRequest request,
                            const std::function<bool(const v1::WatchAlertsResponse&)>& on_message,
                            const std::function<void(const grpc::Status&)>& on_resume = {});
  grpc::Status ListAlerts(const v1::ListAlertsRequest& request, v1::ListAlertsResponse* response);
  grpc::Status GetAlertSettings(v1::AlertSettings* response);
  grpc::Status UpdateAlertSettings(const v1::UpdateAlertSettingsRequest& request, v1::AlertSettings* response);

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  // Reads a whole server stream with this client's deadline.
  template <typename Reader, typename Response>
  static grpc::Status Collect(Reader& reader, std::vector<Response>* out) {
    Response r;
    while (reader.Read(&r)) out->push_back(r);
    return reader.Finish();
  }

  // Calls one unary method of `stub` with this client's deadline.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) const {
    grpc::ClientContext context;
    Prepare(context, deadline_);
    return (stub.*method)(&context, request, response);
  }
  // Sets the deadline (none when zero) and an x-request-id. gRPC resends the same metadata on
  // each retry, so the server's audit log files every attempt of one call under one id.
  static void Prepare(grpc::ClientContext& context, std::chrono::milliseconds deadline);

  std::chrono::milliseconds deadline_;
  std::chrono::milliseconds report_deadline_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportingService::Stub> reporting_;
  std::unique_ptr<v1::InquiryService::Stub> inquiry_;
  std::unique_ptr<v1::CreditService::Stub> credit_;
  std::unique_ptr<v1::DisputeService::Stub> dispute_;
  std::unique_ptr<v1::RegulatorService::Stub> regulator_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;
};

}  // namespace creditshare::client
