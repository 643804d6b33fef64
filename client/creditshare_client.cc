#include "creditshare_client.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

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

Client::Client(const ClientOptions& options) : deadline_(options.deadline) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(options.ca_file, "CA certificate file");
  tls.pem_cert_chain = ReadFile(options.cert_file, "client certificate file");
  tls.pem_private_key = ReadFile(options.key_file, "client key file");
  grpc::ChannelArguments args;
  if (!options.server_name_override.empty()) args.SetSslTargetNameOverride(options.server_name_override);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  channel_ = grpc::CreateCustomChannel(options.target, grpc::SslCredentials(tls), args);
  reporting_ = v1::ReportingService::NewStub(channel_);
  inquiry_ = v1::InquiryService::NewStub(channel_);
}

void Client::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
}

grpc::Status Client::ReportCreditLine(const v1::ReportCreditLineRequest& request,
                                      v1::ReportCreditLineResponse* response) {
  grpc::ClientContext context;
  Prepare(context);
  return reporting_->ReportCreditLine(&context, request, response);
}

grpc::Status Client::GetBorrowerExposure(const v1::GetBorrowerExposureRequest& request,
                                         v1::GetBorrowerExposureResponse* response) {
  grpc::ClientContext context;
  Prepare(context);
  return inquiry_->GetBorrowerExposure(&context, request, response);
}

}  // namespace creditshare::client
