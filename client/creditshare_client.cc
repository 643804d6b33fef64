#include "creditshare_client.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace creditshare::client {

namespace {
std::string ReadFile(const std::string& path, const char* what) {
  if (path.empty()) throw std::runtime_error(std::string(what) + " is not set");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}
}  // namespace

void Client::Prepare(grpc::ClientContext& context, std::chrono::milliseconds deadline) {
  if (deadline.count() > 0) context.set_deadline(std::chrono::system_clock::now() + deadline);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char id[33];
  std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  context.AddMetadata("x-request-id", id);
}

Client::Client(const ClientOptions& options) : deadline_(options.deadline), report_deadline_(options.report_deadline) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(options.ca_file, "CA certificate file");
  tls.pem_cert_chain = ReadFile(options.cert_file, "client certificate file");
  tls.pem_private_key = ReadFile(options.key_file, "client key file");
  grpc::ChannelArguments args;
  if (!options.server_name_override.empty()) args.SetSslTargetNameOverride(options.server_name_override);
  // Every creditshare call is safe to retry (writes carry idempotency keys): retry UNAVAILABLE
  // with exponential backoff.
  args.SetServiceConfigJSON(R"({"methodConfig": [{"name": [{"service": "creditshare.v1.ReportingService"},
      {"service": "creditshare.v1.InquiryService"}, {"service": "creditshare.v1.CreditService"},
      {"service": "creditshare.v1.DisputeService"}, {"service": "creditshare.v1.RegulatorService"},
      {"service": "creditshare.v1.AlertService"}],
    "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.2s", "maxBackoff": "2s", "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]}}]})");
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  channel_ = grpc::CreateCustomChannel(options.target, grpc::SslCredentials(tls), args);
  reporting_ = v1::ReportingService::NewStub(channel_);
  inquiry_ = v1::InquiryService::NewStub(channel_);
  credit_ = v1::CreditService::NewStub(channel_);
  dispute_ = v1::DisputeService::NewStub(channel_);
  regulator_ = v1::RegulatorService::NewStub(channel_);
  alerts_ = v1::AlertService::NewStub(channel_);
}

grpc::Status Client::WatchAlerts(grpc::ClientContext& context, const v1::WatchAlertsRequest& request,
                                 const std::function<bool(const v1::WatchAlertsResponse&)>& on_message) {
  Prepare(context, std::chrono::milliseconds(0));  // a watch has no deadline
  auto reader = alerts_->WatchAlerts(&context, request);
  v1::WatchAlertsResponse message;
  while (reader->Read(&message)) {
    if (!on_message(message)) {
      context.TryCancel();
      while (reader->Read(&message)) {
      }
      break;
    }
  }
  return reader->Finish();
}

grpc::Status Client::FollowAlerts(v1::WatchAlertsRequest request,
                                  const std::function<bool(const v1::WatchAlertsResponse&)>& on_message,
                                  const std::function<void(const grpc::Status&)>& on_resume) {
  auto backoff = std::chrono::milliseconds(200);
  for (;;) {
    bool stopped = false, progressed = false;
    grpc::ClientContext context;
    const auto status = WatchAlerts(context, request, [&](const v1::WatchAlertsResponse& m) {
      if (!m.cursor().empty()) request.set_cursor(m.cursor());
      progressed = true;
      stopped = !on_message(m);
      return !stopped;
    });
    if (stopped) return grpc::Status::OK;
    const auto code = status.error_code();
    if (code != grpc::StatusCode::UNAVAILABLE && code != grpc::StatusCode::ABORTED) return status;
    if (on_resume) on_resume(status);
    if (progressed) backoff = std::chrono::milliseconds(200);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

grpc::Status Client::GetMemberScorecard(const v1::GetMemberScorecardRequest& r, v1::MemberScorecard* out) {
  return Call(*reporting_, &v1::ReportingService::Stub::GetMemberScorecard, r, out);
}
grpc::Status Client::ListAlerts(const v1::ListAlertsRequest& r, v1::ListAlertsResponse* out) {
  return Call(*alerts_, &v1::AlertService::Stub::ListAlerts, r, out);
}
grpc::Status Client::GetAlertSettings(v1::AlertSettings* out) {
  return Call(*alerts_, &v1::AlertService::Stub::GetAlertSettings, v1::GetAlertSettingsRequest(), out);
}
grpc::Status Client::UpdateAlertSettings(const v1::UpdateAlertSettingsRequest& r, v1::AlertSettings* out) {
  return Call(*alerts_, &v1::AlertService::Stub::UpdateAlertSettings, r, out);
}

grpc::Status Client::ReportCreditLine(const v1::ReportCreditLineRequest& r, v1::ReportCreditLineResponse* out) {
  return Call(*reporting_, &v1::ReportingService::Stub::ReportCreditLine, r, out);
}
grpc::Status Client::RestructureCreditLine(const v1::RestructureCreditLineRequest& r,
                                           v1::RestructureCreditLineResponse* out) {
  return Call(*reporting_, &v1::ReportingService::Stub::RestructureCreditLine, r, out);
}
grpc::Status Client::GetBorrowerExposure(const v1::GetBorrowerExposureRequest& r, v1::GetBorrowerExposureResponse* out) {
  return Call(*inquiry_, &v1::InquiryService::Stub::GetBorrowerExposure, r, out);
}
grpc::Status Client::CheckNewCredit(const v1::CheckNewCreditRequest& r, v1::CheckNewCreditResponse* out) {
  return Call(*inquiry_, &v1::InquiryService::Stub::CheckNewCredit, r, out);
}
grpc::Status Client::ListMyInquiries(const v1::ListMyInquiriesRequest& r, v1::ListMyInquiriesResponse* out) {
  return Call(*inquiry_, &v1::InquiryService::Stub::ListMyInquiries, r, out);
}
grpc::Status Client::ReserveCredit(const v1::ReserveCreditRequest& r, v1::ReserveCreditResponse* out) {
  return Call(*credit_, &v1::CreditService::Stub::ReserveCredit, r, out);
}
grpc::Status Client::ReleaseReservation(const v1::ReleaseReservationRequest& r, v1::ReleaseReservationResponse* out) {
  return Call(*credit_, &v1::CreditService::Stub::ReleaseReservation, r, out);
}
grpc::Status Client::FileDispute(const v1::FileDisputeRequest& r, v1::FileDisputeResponse* out) {
  return Call(*dispute_, &v1::DisputeService::Stub::FileDispute, r, out);
}
grpc::Status Client::ResolveDispute(const v1::ResolveDisputeRequest& r, v1::ResolveDisputeResponse* out) {
  return Call(*dispute_, &v1::DisputeService::Stub::ResolveDispute, r, out);
}
grpc::Status Client::ListDisputes(const v1::ListDisputesRequest& r, v1::ListDisputesResponse* out) {
  return Call(*dispute_, &v1::DisputeService::Stub::ListDisputes, r, out);
}

grpc::Status Client::BulkReportCreditLines(const std::function<bool(v1::BulkLineRecord*)>& next, int chunk_size,
                                           const std::function<void(const v1::BulkRecordResult&)>& on_result) {
  grpc::ClientContext context;
  Prepare(context, std::chrono::milliseconds(0));  // no deadline: a month's book takes as long as it takes
  auto stream = reporting_->BulkReportCreditLines(&context);
  // The writer runs ahead of the acknowledgements; gRPC flow control bounds how far.
  std::thread writer([&] {
    bool more = true;
    while (more) {
      v1::BulkReportCreditLinesRequest chunk;
      while (chunk.records_size() < chunk_size && (more = next(chunk.add_records()))) {
      }
      if (!more) chunk.mutable_records()->RemoveLast();
      if (chunk.records_size() > 0 && !stream->Write(chunk)) break;
    }
    stream->WritesDone();
  });
  v1::BulkReportCreditLinesResponse response;
  while (stream->Read(&response))
    for (const auto& result : response.results()) on_result(result);
  writer.join();
  return stream->Finish();
}

grpc::Status Client::GetAggregateReport(const v1::GetAggregateReportRequest& r,
                                        std::vector<v1::GetAggregateReportResponse>* out) {
  grpc::ClientContext context;
  Prepare(context, report_deadline_);
  auto reader = regulator_->GetAggregateReport(&context, r);
  return Collect(*reader, out);
}

grpc::Status Client::GetMultiLendingReport(const v1::GetMultiLendingReportRequest& r,
                                           std::vector<v1::GetMultiLendingReportResponse>* out) {
  grpc::ClientContext context;
  Prepare(context, report_deadline_);
  auto reader = regulator_->GetMultiLendingReport(&context, r);
  return Collect(*reader, out);
}

}  // namespace creditshare::client
