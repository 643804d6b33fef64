#include "server.h"

#include <unistd.h>

#include <atomic>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "api/alert_feed.h"
#include "api/alert_service.h"
#include "api/call_guard.h"
#include "api/scheduler.h"
#include "audit/audit_chain.h"
#include "metrics/metrics.h"
#include "storage/audit_repository.h"
#include "storage/group_commit.h"
#include "storage/member_directory.h"
#include "storage/member_repository.h"
#include "storage/transaction.h"
#include "api/credit_service.h"
#include "api/dispute_service.h"
#include "api/inquiry_service.h"
#include "api/regulator_service.h"
#include "api/reporting_service.h"
#include "policy_file.h"
#include "log.h"
#include "security/borrower_keyer.h"
#include "storage/key_rotation_repository.h"
#include "storage/credit_line_repository.h"
#include "storage/credential_repository.h"
#include "storage/privacy_budget_repository.h"
#include "storage/report_summary_repository.h"
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

namespace {
// Report connections: as many as reports and summary builds may run at once, and a read timeout
// long enough for a summary build's reads.
storage::DbConfig ReportPoolConfig(storage::DbConfig db, int connections, std::chrono::milliseconds queue_timeout) {
  db.pool_size = connections;
  db.read_timeout_seconds = storage::DbConfig::kBatchReadTimeoutSeconds;
  db.acquire_timeout = queue_timeout;  // a report queues briefly behind another
  return db;
}

// The alert feed's sequencer and the watchers read on connections of their own, so delivery
// never waits for a busy worker's connection, and the sequencer never for a reader's.
storage::DbConfig AlertPoolConfig(storage::DbConfig db, int connections) {
  db.pool_size = connections;
  return db;
}

api::GuardOptions GuardOptionsOf(const ServerConfig& config) {
  api::GuardOptions options;
  options.limits.defaults = {config.member_max_calls, config.member_max_queued, config.member_max_streams,
                             config.member_inquiries_per_minute, config.member_reports_per_minute};
  for (const auto& spec : config.member_limits)
    if (auto error = api::AddMemberLimit(spec, options.limits)) throw std::runtime_error("--member-limit: " + error->message);
  auto check = [&](const api::MemberBounds& b, const std::string& who) {
    if (b.running > config.workers)
      throw std::runtime_error("--member-limit " + who + ": calls=" + std::to_string(b.running) +
                               " exceeds --workers (" + std::to_string(config.workers) + ")");
  };
  for (const auto& [type, b] : options.limits.by_type) check(b, std::string(domain::ToString(type)));
  for (const auto& [code, b] : options.limits.by_member) check(b, "member=" + code);
  options.max_streams = config.max_streams;
  options.stream_write_timeout = config.stream_idle_timeout;
  return options;
}

struct SchedulerMetrics final : api::Scheduler::Observer {
  explicit SchedulerMetrics(metrics::Metrics& m) : metrics(m) {}
  void OnQueueDepth(int depth) override { metrics.SetQueueDepth(depth); }
  void OnQueueWait(std::chrono::steady_clock::duration waited) override { metrics.QueueWaited(waited); }
  metrics::Metrics& metrics;
};

// Half the pool for bulk chunks (all streams together; one stream alone may use them all) leaves
// the rest for other calls.
int BulkSlots(const storage::DbConfig& db) { return std::max(1, db.pool_size / 2); }
}  // namespace

struct Server::Components {
  Components(const ServerConfig& config, const domain::Clock& clock)
      : keyer(security::BorrowerKeyer::FromFile(config.hmac_key_file)),
        policy(config.policy_file.empty() ? domain::CreditPolicy{} : LoadCreditPolicy(config.policy_file)),
        metrics(config.db.pool_size),
        pool(config.db),
        writer(config.db, {config.group_commit_writers, 64}, [this](int n) { metrics.GroupCommitted(n); }),
        report_pool(ReportPoolConfig(config.db, config.report_connections, config.report_queue_timeout)),
        credentials(pool),
        lines(pool, &policy.quality),
        states(config.db, clock),
        inquiries(pool, members, writer, &states),
        reservations(pool),
        disputes(pool),
        summaries(report_pool, policy.privacy, clock,
                  [this](bool ok, double seconds) { metrics.SummaryBuilt(ok, seconds); }),
        budgets(pool),
        scorecard(pool, report_pool),
        member_records(pool),
        reciprocity(member_records, policy.reciprocity, clock, config.auth_cache_ttl),
        alert_pool(AlertPoolConfig(config.db, config.alert_connections)),
        alerts(alert_pool),
        feed_pool(AlertPoolConfig(config.db, 1)),
        feed_alerts(feed_pool),
        alert_feed(feed_alerts, clock, {config.alert_poll, 1000},
                   [this](const storage::AlertRepository::Sequenced& s) {
                     for (const auto& [kind, n] : s.by_kind) metrics.AlertsWritten(domain::ToString(kind), n);
                   }),
        sealer(pool),
        authenticator(credentials, clock, config.auth_cache_ttl),
        scheduler_metrics{metrics},
        guard(authenticator, writer, metrics, clock, scheduler, GuardOptionsOf(config)),
        bulk_slots(static_cast<unsigned>(BulkSlots(config.db))),
        deps{guard,     clock,       keyer, policy, lines, inquiries, reservations, disputes, scorecard,
             BulkSlots(config.db),
             &bulk_slots, &draining, config.stream_idle_timeout, &reciprocity},
        reporting(deps),
        inquiry(deps),
        credit(deps),
        dispute(deps),
        regulator(guard, summaries, budgets, member_records, keyer, clock,
                  {config.report_min_borrowers, policy.privacy, config.report_summary_max_age}),
        alert_service(guard, alerts, alert_feed, metrics, clock, &draining,
                      {config.alert_heartbeat, config.alert_max_lag, 100}),
        scheduler({config.workers, config.queue_capacity}, &scheduler_metrics) {}

  security::BorrowerKeyer keyer;
  domain::CreditPolicy policy;
  metrics::Metrics metrics;
  storage::ConnectionPool pool;
  storage::MemberDirectory members;
  storage::GroupCommitWriter writer;  // after the pool's users are gone it drains, then stops
  storage::ConnectionPool report_pool;
  storage::CredentialRepository credentials;
  storage::CreditLineRepository lines;
  storage::BorrowerStateBuilder states;  // its own connection
  storage::InquiryRepository inquiries;
  storage::ReservationRepository reservations;
  storage::DisputeRepository disputes;
  storage::ReportSummaryRepository summaries;
  storage::PrivacyBudgetRepository budgets;
  storage::ScorecardRepository scorecard;
  storage::MemberRepository member_records;
  api::ReciprocityGate reciprocity;
  storage::ConnectionPool alert_pool;
  storage::AlertRepository alerts;  // watchers' reads and settings
  storage::ConnectionPool feed_pool;  // the sequencer's one connection: it never waits behind readers
  storage::AlertRepository feed_alerts;
  api::AlertFeed alert_feed;
  audit::Sealer sealer;
  api::Authenticator authenticator;
  SchedulerMetrics scheduler_metrics;
  api::CallGuard guard;
  Semaphore bulk_slots;
  std::atomic<bool> draining{false};  // set on Shutdown: streams stop taking new work
  api::ServiceDeps deps;
  api::ReportingServiceImpl reporting;
  api::InquiryServiceImpl inquiry;
  api::CreditServiceImpl credit;
  api::DisputeServiceImpl dispute;
  api::RegulatorServiceImpl regulator;
  api::AlertServiceImpl alert_service;
  // Last: destroyed first, so no worker runs a call once the parts it uses are gone.
  api::Scheduler scheduler;
};

namespace {
constexpr int kSyncThreads = 4;
constexpr const char* kServiceNames[] = {"", "creditshare.v1.ReportingService", "creditshare.v1.InquiryService",
                                         "creditshare.v1.CreditService", "creditshare.v1.DisputeService",
                                         "creditshare.v1.RegulatorService", "creditshare.v1.AlertService"};
}  // namespace

Server::Server(ServerConfig config, std::shared_ptr<const domain::Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  if (config_.member_max_calls > config_.workers)
    throw std::runtime_error("--member-max-calls (" + std::to_string(config_.member_max_calls) +
                             ") must not exceed --workers (" + std::to_string(config_.workers) + ")");
  components_ = std::make_unique<Components>(config_, *clock_);
  components_->pool.set_observer(&components_->metrics);
  {
    auto lease = components_->pool.Acquire();
    if (auto error = storage::CheckSchemaVersion(*lease)) throw std::runtime_error(error->message);
  }
  AdmitKeySet(components_->keyer.current_version(), components_->keyer.versions());
  {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    server_id_ = std::string(host).substr(0, 64) + ":" + std::to_string(::getpid()) + ":" +
                 std::to_string(clock_->NowMicros() / 1'000'000);
  }
  ReportKeySet();
  if (config_.policy_file.empty())
    log::Warn("no_credit_policy", {{"detail", "no --policy-file: cap and lender-count checks are off"}});
}

void Server::AdmitKeySet(int current, const std::vector<int>& versions) {
  storage::KeyVersionRepository repo(components_->pool);
  if (auto problem = domain::KeySetProblem(repo.Read(), current, versions))
    throw std::runtime_error("key set file " + config_.hmac_key_file + ": " + *problem);
  repo.MarkInUse(current);
}

void Server::ReportKeySet() {
  storage::KeyVersionRepository repo(components_->pool);
  const int current = components_->keyer.current_version();
  const auto versions = components_->keyer.versions();
  components_->metrics.SetKeySet(current, static_cast<int>(versions.size()));
  repo.ReportServer(server_id_, current, versions);
  // A set that was fine when read can be overtaken by a rotation (its current version retired).
  if (auto problem = domain::KeySetProblem(repo.Read(), current, versions))
    log::Error("key_set_out_of_date", {{"detail", *problem}});
}

void Server::ReloadKeySet() {
  try {
    if (components_->keyer.Reload([this](const security::KeySet& next) {
          std::vector<int> versions;
          for (const auto& v : next.versions) versions.push_back(v.version);
          AdmitKeySet(next.current, versions);
        }))
      log::Info("key_set_reloaded", {{"current_version", std::to_string(components_->keyer.current_version())},
                                     {"versions", std::to_string(components_->keyer.versions().size())}});
  } catch (const std::exception& e) {
    log::Warn("key_set_reload_refused", {{"detail", e.what()}});
  }
  try {
    ReportKeySet();
  } catch (const std::exception& e) {
    log::Warn("key_set_report_failed", {{"detail", e.what()}});
  }
}

int Server::metrics_port() const { return components_->metrics.exposer_port(); }

void Server::BuildBorrowerStates(StateCounts& seen) {
  auto& c = *components_;
  c.states.RunOnce();  // failures are counted, not thrown: a state is a copy of the tables
  const auto built = c.states.stats();
  const StateCounts now{c.inquiries.state_hits(), c.inquiries.state_misses(), built.built, built.failed};
  c.metrics.BorrowerStateReads("built", now.hits - seen.hits);
  c.metrics.BorrowerStateReads("missing", now.misses - seen.misses);
  c.metrics.BorrowerStatesBuilt(now.built - seen.built, now.failed - seen.failed);
  if (now.failed > seen.failed)
    log::Warn("borrower_state_build_failed",
              {{"transactions", std::to_string(now.failed - seen.failed)}, {"detail", built.last_error}});
  seen = now;
}

// Probes the database and publishes the answer through both health services and a metric.
void Server::CheckHealth() {
  bool up = false;
  try {
    // The count of active reservations doubles as the probe query.
    const auto now_us = clock_->NowMicros();
    const auto active = storage::WithConnection(components_->pool, [now_us](storage::Connection& conn) {
      auto& stmt = conn.Prepare("SELECT COUNT(*) FROM reservations WHERE status = ? AND expires_at_us > ?");
      stmt.setInt(1, static_cast<int>(domain::ReservationStatus::kActive));
      stmt.setInt64(2, now_us);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      rs->next();
      return rs->getInt64(1);
    });
    components_->metrics.SetActiveReservations(active);
    up = true;
    last_healthy_ = std::chrono::steady_clock::now().time_since_epoch().count();
  } catch (const std::exception& e) {
    log::Warn("health_check_failed", {{"detail", e.what()}});
  }
  SetServing(up);
}

void Server::WatchHealth() {
  // A database that hangs (stopped, not gone) holds the probe until its read timeout; the
  // service turns NOT_SERVING once no probe has succeeded for two intervals.
  const auto since = std::chrono::steady_clock::now() -
                     std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_healthy_.load()));
  if (since > 2 * config_.health_check_interval) SetServing(false);
}

void Server::SetServing(bool up) {
  components_->metrics.SetDatabaseUp(up);
  for (auto* server : {server_.get(), health_server_.get()}) {
    if (server == nullptr || server->GetHealthCheckService() == nullptr) continue;
    for (const char* service : kServiceNames) server->GetHealthCheckService()->SetServingStatus(service, up);
  }
}

Server::~Server() {
  if (server_) Shutdown(std::chrono::milliseconds(0));
}

void Server::Start() {
  // Read here first, so that a missing or unreadable file stops the start with its name.
  const std::string client_ca = ReadFileOrThrow(config_.client_ca_file, "client CA file");
  const std::string key = ReadFileOrThrow(config_.tls_key_file, "TLS key file");
  const std::string cert = ReadFileOrThrow(config_.tls_cert_file, "TLS certificate file");
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (config_.tls_reload_interval.count() > 0) {
    // gRPC's file watcher reads the files again every interval; a handshake uses the latest
    // good set, so replacing them (atomically: write elsewhere, then rename) rotates the server
    // certificate or the client CA for new connections, while open ones go on.
    auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        config_.tls_key_file, config_.tls_cert_file, config_.client_ca_file,
        static_cast<unsigned>(config_.tls_reload_interval.count()));
    grpc::experimental::TlsServerCredentialsOptions tls(provider);
    tls.watch_root_certs();
    tls.watch_identity_key_cert_pairs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    credentials = grpc::experimental::TlsServerCredentials(tls);
  } else {
    grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = client_ca;
    tls.pem_key_cert_pairs.push_back({key, cert});
    credentials = grpc::SslServerCredentials(tls);
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  if (!config_.metrics_listen_address.empty()) components_->metrics.StartExposer(config_.metrics_listen_address);

  grpc::ServerBuilder builder;
  // Every API method is a callback method: gRPC's own threads only move bytes, the scheduler's
  // workers and the stream threads do the work. The few sync threads left serve health and
  // reflection.
  grpc::ResourceQuota quota("creditshare");
  quota.SetMaxThreads(kSyncThreads);
  // What gRPC may buffer, all calls together: a message is buffered whole before the size limit
  // refuses it, so without this six 100 MB messages at once took 600 MB.
  quota.Resize(static_cast<std::size_t>(config_.grpc_memory_mb) << 20);
  builder.SetMaxReceiveMessageSize(api::kMaxMessageBytes);
  // A connection quiet for the keepalive time is pinged; one that does not answer within the
  // timeout is closed and its calls cancelled (a client gone without a FIN holds no stream).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(config_.keepalive.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(config_.keepalive_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // The client library pings every 30 s: accept pings that often without calling them abuse.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.SetResourceQuota(quota);
  builder.AddListeningPort(config_.listen_address, credentials, &port_);
  builder.RegisterService(&components_->reporting);
  builder.RegisterService(&components_->inquiry);
  builder.RegisterService(&components_->credit);
  builder.RegisterService(&components_->dispute);
  builder.RegisterService(&components_->regulator);
  builder.RegisterService(&components_->alert_service);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) throw std::runtime_error("cannot listen on " + config_.listen_address);

  // Kubernetes gRPC probes cannot present client certificates: health alone is also served
  // in plaintext on its own port, never the API.
  if (!config_.health_listen_address.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(config_.health_listen_address, grpc::InsecureServerCredentials(), &health_port_);
    health_server_ = health_builder.BuildAndStart();
    if (!health_server_ || health_port_ == 0)
      throw std::runtime_error("cannot listen on " + config_.health_listen_address);
  }
  last_healthy_ = std::chrono::steady_clock::now().time_since_epoch().count();
  health_task_ = std::make_unique<PeriodicTask>("cs-health", config_.health_check_interval, [this] { CheckHealth(); });
  health_watchdog_ =
      std::make_unique<PeriodicTask>("cs-watchdog", config_.health_check_interval, [this] { WatchHealth(); });
  seal_task_ = std::make_unique<PeriodicTask>("cs-audit-seal", config_.audit_seal_interval, [this] {
    try {
      components_->metrics.AuditRecordsSealed(static_cast<int>(components_->sealer.SealAll()));
    } catch (const std::exception& e) {
      log::Warn("audit_seal_failed", {{"detail", e.what()}});
    }
  });
  // The first checkpoint one interval after start: a record per start would only add noise.
  checkpoint_task_ = std::make_unique<PeriodicTask>(
      "cs-checkpoint", config_.audit_checkpoint_interval, [this, first = true]() mutable {
        if (std::exchange(first, false)) return;
        try {
          components_->sealer.Checkpoint();
        } catch (const std::exception& e) {
          log::Warn("audit_checkpoint_failed", {{"detail", e.what()}});
        }
      });
  if (config_.borrower_state_interval.count() > 0)
    state_task_ = std::make_unique<PeriodicTask>("cs-state-build", config_.borrower_state_interval,
                                                 [this, seen = StateCounts{}]() mutable { BuildBorrowerStates(seen); });
  if (config_.key_set_reload_interval.count() > 0)
    key_set_task_ =
        std::make_unique<PeriodicTask>("cs-key-set", config_.key_set_reload_interval, [this] { ReloadKeySet(); });
  if (config_.report_summary_interval.count() > 0)
    summary_task_ = std::make_unique<PeriodicTask>("cs-summary", config_.report_summary_interval, [this] {
      try {
        components_->summaries.RefreshRecent("CNY");
      } catch (const std::exception& e) {
        log::Warn("report_summary_failed", {{"detail", e.what()}});
      }
    });
  log::Info("server_started", {{"address", config_.listen_address},
                               {"port", std::to_string(port_)},
                               {"health_port", std::to_string(health_port_)},
                               {"metrics_port", std::to_string(metrics_port())}});
}

void Server::Shutdown(std::chrono::milliseconds drain) {
  if (!server_) return;
  // Report NOT_SERVING first so load balancers stop sending new calls during the drain.
  for (auto* server : {server_.get(), health_server_.get()})
    if (server != nullptr && server->GetHealthCheckService() != nullptr) server->GetHealthCheckService()->Shutdown();
  health_watchdog_.reset();
  health_task_.reset();
  summary_task_.reset();  // a build in progress finishes first
  key_set_task_.reset();
  try {
    storage::KeyVersionRepository(components_->pool).ForgetServer(server_id_);
  } catch (const std::exception& e) {
    log::Warn("key_set_report_failed", {{"detail", e.what()}});
  }
  components_->draining = true;
  server_->Shutdown(std::chrono::system_clock::now() + drain);
  server_->Wait();
  components_->guard.WaitForStreams();
  server_.reset();
  if (health_server_) {
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_.reset();
  }
  state_task_.reset();
  seal_task_.reset();  // after the last call, so its audit records are chained before exit
  checkpoint_task_.reset();
  try {
    components_->sealer.SealAll();
    components_->sealer.Checkpoint();  // this process's lanes' ends
  } catch (const std::exception& e) {
    log::Warn("audit_seal_failed", {{"detail", e.what()}});
  }
  log::Info("server_stopped");
}

void Server::Wait() {
  if (server_) server_->Wait();
}

}  // namespace creditshare
