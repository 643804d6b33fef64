#include "server.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/call_guard.h"
#include "api/inquiry_service.h"
#include "api/reporting_service.h"
#include "log.h"
#include "security/borrower_keyer.h"
#include "storage/credit_line_repository.h"
#include "storage/credential_repository.h"
#include "storage/migrations.h"

namespace creditshare {

std::string ReadFileOrThrow(const std::string& path, const char* what) {
  if (path.empty()) throw std::runtime_error(std::string(what) + " is not configured");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

struct Server::Components {
  Components(const ServerConfig& config, const domain::Clock& clock)
      : keyer(security::BorrowerKeyer::FromFile(config.hmac_key_file)),
        pool(config.db),
        credentials(pool),
        lines(pool),
        authenticator(credentials, clock, config.auth_cache_ttl),
        guard(authenticator),
        reporting(guard, clock, keyer, lines),
        inquiry(guard, clock, keyer, lines) {}

  security::BorrowerKeyer keyer;
  storage::ConnectionPool pool;
  storage::CredentialRepository credentials;
  storage::CreditLineRepository lines;
  api::Authenticator authenticator;
  api::CallGuard guard;
  api::ReportingServiceImpl reporting;
  api::InquiryServiceImpl inquiry;
};

Server::Server(ServerConfig config, std::shared_ptr<const domain::Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  components_ = std::make_unique<Components>(config_, *clock_);
  auto lease = components_->pool.Acquire();
  if (auto error = storage::CheckSchemaVersion(*lease)) throw std::runtime_error(error->message);
}

Server::~Server() {
  if (server_) Shutdown(std::chrono::milliseconds(0));
}

void Server::Start() {
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = ReadFileOrThrow(config_.client_ca_file, "client CA file");
  tls.pem_key_cert_pairs.push_back(
      {ReadFileOrThrow(config_.tls_key_file, "TLS key file"), ReadFileOrThrow(config_.tls_cert_file, "TLS certificate file")});

  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("creditshare");
  quota.SetMaxThreads(config_.max_threads);
  builder.SetResourceQuota(quota);
  builder.AddListeningPort(config_.listen_address, grpc::SslServerCredentials(tls), &port_);
  builder.RegisterService(&components_->reporting);
  builder.RegisterService(&components_->inquiry);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) throw std::runtime_error("cannot listen on " + config_.listen_address);
  log::Info("server_started", {{"address", config_.listen_address}, {"port", std::to_string(port_)}});
}

void Server::Shutdown(std::chrono::milliseconds drain) {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + drain);
  server_->Wait();
  server_.reset();
  log::Info("server_stopped");
}

void Server::Wait() {
  if (server_) server_->Wait();
}

}  // namespace creditshare
