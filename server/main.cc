// creditshare-server: flags and environment -> ServerConfig -> Server; `migrate` applies the
// schema. Nothing else lives here.
#include <CLI/CLI.hpp>
#include <absl/synchronization/mutex.h>

#include <csignal>
#include <iostream>

#include "cli_options.h"
#include "log.h"
#include "server.h"
#include "storage/migrations.h"

namespace {

using creditshare::ServerConfig;

void AddServeOptions(CLI::App& app, ServerConfig& c, int& drain_seconds) {
  app.add_option("--listen", c.listen_address, "gRPC listen address")->envname("CREDITSHARE_LISTEN")->capture_default_str();
  app.add_option("--tls-cert", c.tls_cert_file, "Server certificate (PEM)")->envname("CREDITSHARE_TLS_CERT");
  app.add_option("--tls-key", c.tls_key_file, "Server private key (PEM)")->envname("CREDITSHARE_TLS_KEY");
  app.add_option("--tls-reload-interval-s", c.tls_reload_interval,
                 "Read the TLS key, certificate and client CA files again this often (0: only at start)")
      ->envname("CREDITSHARE_TLS_RELOAD_INTERVAL_S")->check(CLI::Range(0, 86400))->capture_default_str();
  app.add_option("--client-ca", c.client_ca_file, "CA certificate that issues member credentials (PEM)")
      ->envname("CREDITSHARE_CLIENT_CA");
  app.add_option("--hmac-key-file", c.hmac_key_file,
                 "Borrower key set (JSON, see creditshare-admin keys) or a bare key of >= 32 bytes")
      ->envname("CREDITSHARE_HMAC_KEY_FILE");
  app.add_option("--key-set-reload-interval-s", c.key_set_reload_interval,
                 "Read the key set file again this often, for rotations without a restart (0: only at start)")
      ->envname("CREDITSHARE_KEY_SET_RELOAD_INTERVAL_S")->check(CLI::Range(0, 86400))->capture_default_str();
  app.add_option("--policy-file", c.policy_file, "Credit policy JSON: caps, lender limit, windows (see config/)")
      ->envname("CREDITSHARE_POLICY_FILE");
  app.add_option("--report-min-borrowers", c.report_min_borrowers,
                 "k: regulator report cells whose noisy borrower count is under k are withheld")
      ->envname("CREDITSHARE_REPORT_MIN_BORROWERS")->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--report-summary-interval-s", c.report_summary_interval,
                 "Rebuild the regulator report summaries of the current and previous month this often (0: never)")
      ->envname("CREDITSHARE_REPORT_SUMMARY_INTERVAL_S")->check(CLI::Range(0, 86400))->capture_default_str();
  app.add_option("--report-summary-max-age-s", c.report_summary_max_age,
                 "A report rebuilds a summary older than this before reading it (0: always)")
      ->envname("CREDITSHARE_REPORT_SUMMARY_MAX_AGE_S")->check(CLI::Range(0, 86400 * 31))->capture_default_str();
  app.add_option("--workers", c.workers, "Threads that run unary calls' database work")
      ->envname("CREDITSHARE_WORKERS")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--queue-capacity", c.queue_capacity,
                 "Unary calls that may wait for a worker, all members together (beyond: RESOURCE_EXHAUSTED)")
      ->envname("CREDITSHARE_QUEUE_CAPACITY")->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--max-streams", c.max_streams, "Streams open at once, all members together (one thread each)")
      ->envname("CREDITSHARE_MAX_STREAMS")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--member-max-calls", c.member_max_calls,
                 "Unary calls of one member running at once; the rest wait in its queue")
      ->envname("CREDITSHARE_MEMBER_MAX_CALLS")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--member-max-queued", c.member_max_queued,
                 "Unary calls of one member waiting for a worker (beyond: RESOURCE_EXHAUSTED)")
      ->envname("CREDITSHARE_MEMBER_MAX_QUEUED")->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--member-max-streams", c.member_max_streams,
                 "Streams (bulk reporting, regulator reports) one member may have open")
      ->envname("CREDITSHARE_MEMBER_MAX_STREAMS")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--member-inquiries-per-minute", c.member_inquiries_per_minute,
                 "Borrower inquiries (exposures, checks, reservations) one member may make a minute, per replica (0: no bound)")
      ->envname("CREDITSHARE_MEMBER_INQUIRIES_PER_MINUTE")->check(CLI::Range(0, 10000000))->capture_default_str();
  app.add_option("--member-reports-per-minute", c.member_reports_per_minute,
                 "Unary line reports and restructurings one member may make a minute, per replica (0: no bound)")
      ->envname("CREDITSHARE_MEMBER_REPORTS_PER_MINUTE")->check(CLI::Range(0, 10000000))->capture_default_str();
  app.add_option("--member-limit", c.member_limits,
                 "Bounds for a member type or member: KEY:calls=N,queued=N,streams=N,inquiries=N,reports=N with KEY bank, "
                 "consumer_finance, micro_lender, regulator or member=CODE (repeatable)")
      ->envname("CREDITSHARE_MEMBER_LIMITS")->delimiter(';');
  app.add_option("--grpc-memory-mb", c.grpc_memory_mb,
                 "Memory gRPC may hold for calls' messages, all calls together (a message of up to 4 MB is "
                 "buffered whole before it is handled or refused)")
      ->envname("CREDITSHARE_GRPC_MEMORY_MB")->check(CLI::Range(16, 65536))->capture_default_str();
  app.add_option("--keepalive-ms", c.keepalive, "Ping a connection that has been quiet this long")
      ->envname("CREDITSHARE_KEEPALIVE_MS")->check(CLI::Range(1000, 7200000))->capture_default_str();
  app.add_option("--keepalive-timeout-ms", c.keepalive_timeout,
                 "Close a connection that does not answer a ping within this time (its calls are cancelled)")
      ->envname("CREDITSHARE_KEEPALIVE_TIMEOUT_MS")->check(CLI::Range(1000, 600000))->capture_default_str();
  app.add_option("--stream-idle-timeout-ms", c.stream_idle_timeout,
                 "A bulk stream that sends nothing and waits for no answer this long is closed; a stream whose client takes no answer this long is cancelled")
      ->envname("CREDITSHARE_STREAM_IDLE_TIMEOUT_MS")->check(CLI::Range(100, 3600000))->capture_default_str();
  app.add_option("--alert-poll-ms", c.alert_poll,
                 "How often committed alerts are numbered into the feed and watchers woken (delivery latency)")
      ->envname("CREDITSHARE_ALERT_POLL_MS")->check(CLI::Range(5, 10000))->capture_default_str();
  app.add_option("--alert-heartbeat-ms", c.alert_heartbeat,
                 "A WatchAlerts stream with nothing to send gets a message with its cursor this often")
      ->envname("CREDITSHARE_ALERT_HEARTBEAT_MS")->check(CLI::Range(100, 3600000))->capture_default_str();
  app.add_option("--alert-max-lag-ms", c.alert_max_lag,
                 "A WatchAlerts consumer that stays behind the feed this long is ended with ABORTED (it resumes from its cursor)")
      ->envname("CREDITSHARE_ALERT_MAX_LAG_MS")->check(CLI::Range(1000, 86400000))->capture_default_str();
  app.add_option("--alert-connections", c.alert_connections,
                 "Database connections (besides the pool) for sequencing alerts and the watchers' reads")
      ->envname("CREDITSHARE_ALERT_CONNECTIONS")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--group-commit-writers", c.group_commit_writers,
                 "Database connections that group-commit audit and inquiry records (besides the pool)")
      ->envname("CREDITSHARE_GROUP_COMMIT_WRITERS")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--report-connections", c.report_connections,
                 "Database connections for regulator reports (besides the pool): reports running at once")
      ->envname("CREDITSHARE_REPORT_CONNECTIONS")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("--report-queue-timeout-ms", c.report_queue_timeout,
                 "How long a regulator report waits for a free report connection before RESOURCE_EXHAUSTED")
      ->envname("CREDITSHARE_REPORT_QUEUE_TIMEOUT_MS")->check(CLI::Range(1, 3600000))->capture_default_str();
  app.add_option("--auth-cache-ms", c.auth_cache_ttl,
                 "How long an authentication answer is cached (revocation and suspension delay)")
      ->envname("CREDITSHARE_AUTH_CACHE_MS")->check(CLI::Range(0, 60000))->capture_default_str();
  app.add_option("--metrics-listen", c.metrics_listen_address, "Prometheus /metrics HTTP address (empty: off)")
      ->envname("CREDITSHARE_METRICS_LISTEN")->capture_default_str();
  app.add_option("--health-listen", c.health_listen_address,
                 "Plaintext gRPC health-check address for probes (empty: off)")
      ->envname("CREDITSHARE_HEALTH_LISTEN")->capture_default_str();
  app.add_option("--health-interval-ms", c.health_check_interval, "How often the database is checked for health")
      ->envname("CREDITSHARE_HEALTH_INTERVAL_MS")->capture_default_str();
  app.add_option("--audit-seal-interval-ms", c.audit_seal_interval, "How often audit records written unsealed (by servers before schema 0018) are hash-chained")
      ->envname("CREDITSHARE_AUDIT_SEAL_INTERVAL_MS")->capture_default_str();
  app.add_option("--audit-checkpoint-interval-s", c.audit_checkpoint_interval,
                 "How often the audit lanes that moved are checkpointed into lane 0 (verify then finds a lane cut "
                 "back or deleted)")
      ->envname("CREDITSHARE_AUDIT_CHECKPOINT_INTERVAL_S")->check(CLI::Range(1, 86400))->capture_default_str();
  app.add_option("--borrower-state-interval-ms", c.borrower_state_interval,
                 "How often missing borrower states are built: those reads found missing, then the next part of a "
                 "sweep over all borrowers (0: never; reads then read the tables)")
      ->envname("CREDITSHARE_BORROWER_STATE_INTERVAL_MS")->check(CLI::Range(0, 3600000))->capture_default_str();
  app.add_option("--drain-seconds", drain_seconds, "On SIGTERM, how long in-flight calls may finish")
      ->envname("CREDITSHARE_DRAIN_SECONDS")->capture_default_str();
}

int Serve(ServerConfig config, int drain_seconds) {
  // Block the stop signals before any thread starts so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  creditshare::Server server(std::move(config), std::make_shared<creditshare::domain::SystemClock>());
  server.Start();
  int received = 0;
  sigwait(&signals, &received);
  creditshare::log::Info("shutdown_requested", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.Shutdown(std::chrono::seconds(drain_seconds));
  return 0;
}

int Migrate(const ServerConfig& config) {
  auto db = config.db;
  db.read_timeout_seconds = creditshare::storage::DbConfig::kBatchReadTimeoutSeconds;  // a backfill step may run long
  creditshare::storage::ConnectionPool pool(db);
  auto conn = pool.OpenUnpooled();
  const auto applied = creditshare::storage::ApplyMigrations(*conn);
  std::cout << "schema at version " << creditshare::storage::CurrentSchemaVersion(*conn) << " (applied "
            << applied.size() << " migration" << (applied.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil checks every absl::Mutex acquisition (gRPC's locks) for lock-order cycles
  // under one global lock: 1–2 % of the server's CPU under load, and a point where all threads meet.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"creditshare-server: the credit-sharing gRPC service (mTLS, MariaDB/MySQL).\n"
               "Every option can also be set by the environment variable shown beside it."};
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  ServerConfig config;
  creditshare::DatabaseOptions database;
  int drain_seconds = 20;
  database.AddTo(app);
  AddServeOptions(app, config, drain_seconds);
  auto* serve = app.add_subcommand("serve", "Serve gRPC (the default when no subcommand is given)");
  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  (void)serve;

  try {
    config.db = database.Resolve();
    if (migrate->parsed()) return Migrate(config);
    return Serve(std::move(config), drain_seconds);
  } catch (const std::exception& e) {
    std::cerr << "creditshare-server: " << e.what() << "\n";
    return 1;
  }
}
