#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "periodic_task.h"
#include "storage/connection_pool.h"

namespace creditshare {

struct ServerConfig {
  std::string listen_address = "0.0.0.0:7443";
  std::string tls_cert_file;   // server certificate chain (PEM)
  std::string tls_key_file;    // server private key (PEM)
  std::string client_ca_file;  // CA(s) that issue member client certificates (PEM; a bundle during a CA change)
  // The three files above are read again this often, so a new server certificate or client CA
  // applies without a restart (to connections opened afterwards); 0: read once at start.
  std::chrono::seconds tls_reload_interval{60};
  // The borrower key set (security/borrower_keyer.h): a JSON key set, or a bare key of at least
  // 32 bytes. Read again this often, so a rotation's steps apply without a restart; 0: at start only.
  std::string hmac_key_file;
  std::chrono::seconds key_set_reload_interval{30};
  std::string policy_file;     // credit policy JSON (caps, lender limit, windows); empty: no caps
  storage::DbConfig db;
  int report_min_borrowers = 10;  // k: report cells whose noisy borrower count is under it are withheld
  // The summaries regulator reports read: rebuilt this often for the current and previous month
  // (0: never in the background), and before a report finds one older than the max age.
  std::chrono::seconds report_summary_interval{300};
  std::chrono::seconds report_summary_max_age{900};
  // Unary calls wait in a queue for one of `workers` threads, which run their database work;
  // streams run on threads of their own, at most `max_streams`.
  int workers = 16;
  int queue_capacity = 1024;
  int max_streams = 64;
  // What one member may hold: calls running (the rest of its calls wait), calls waiting, open
  // streams. `member_limits` override them by member type or member (KEY:calls=N,...).
  int member_max_calls = 8;
  int member_max_queued = 256;
  int member_max_streams = 4;
  int member_inquiries_per_minute = 0;  // 0: no bound
  int member_reports_per_minute = 0;
  std::vector<std::string> member_limits;
  // Memory gRPC may hold for calls' messages, all together; past it, transfers slow down and,
  // under pressure, the largest transfers are refused.
  int grpc_memory_mb = 128;
  // Connections quiet this long are pinged; one that does not answer the ping in time is closed.
  std::chrono::milliseconds keepalive{60000};
  std::chrono::milliseconds keepalive_timeout{20000};
  // A bulk stream that sends nothing (and waits for no answer) this long is cancelled.
  std::chrono::milliseconds stream_idle_timeout{60000};
  // Post-loan monitoring: how often committed alerts are sequenced and watchers woken; a
  // watcher's heartbeat; how long a watcher may stay behind the feed before it is ended.
  std::chrono::milliseconds alert_poll{50};
  std::chrono::milliseconds alert_heartbeat{30000};
  std::chrono::milliseconds alert_max_lag{60000};
  // Connections (besides the pool) for the alert feed and the watchers' reads.
  int alert_connections = 4;
  // Concurrent group commits of audit and inquiry records, each on a database connection of its own.
  int group_commit_writers = 1;
  // Regulator reports run on connections of their own: a report scans a month of records for
  // longer than the pool's read timeout allows, and at most this many run at once.
  int report_connections = 2;
  // How long a report waits for one of those connections before RESOURCE_EXHAUSTED.
  std::chrono::milliseconds report_queue_timeout{60000};
  // How long an authentication answer is cached: revocations and suspensions take effect
  // within this time.
  std::chrono::milliseconds auth_cache_ttl{5000};
  std::string metrics_listen_address = "0.0.0.0:9464";  // Prometheus /metrics over HTTP; empty disables
  std::string health_listen_address = "0.0.0.0:8081";   // plaintext gRPC health only (probes); empty disables
  std::chrono::milliseconds health_check_interval{2000};  // database reachability check
  std::chrono::milliseconds audit_seal_interval{500};     // how often unsealed audit records are chained
  std::chrono::seconds audit_checkpoint_interval{60};     // how often the audit lanes' ends are checkpointed
  // How often missing borrower states are built (those readers asked for, and the next part of a
  // sweep over all borrowers); 0: never (reads then keep reading the tables).
  std::chrono::milliseconds borrower_state_interval{100};
};

// Reads a whole file; throws std::runtime_error naming the file when it cannot.
std::string ReadFileOrThrow(const std::string& path, const char* what);

// The gRPC server with its components wired. Construction validates configuration, opens the
// pool and checks the schema version, throwing std::runtime_error with an operator-facing
// message on any problem.
class Server {
 public:
  Server(ServerConfig config, std::shared_ptr<const domain::Clock> clock);
  ~Server();

  // Binds and starts serving; throws when the address cannot be bound.
  void Start();
  // The bound ports (useful with port 0); 0 when disabled.
  int port() const { return port_; }
  int metrics_port() const;
  int health_port() const { return health_port_; }
  // Stops accepting calls and waits up to `drain` for in-flight ones, then cancels the rest.
  void Shutdown(std::chrono::milliseconds drain);
  void Wait();

 private:
  struct Components;
  ServerConfig config_;
  std::shared_ptr<const domain::Clock> clock_;
  std::unique_ptr<Components> components_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<PeriodicTask> health_task_;
  std::unique_ptr<PeriodicTask> health_watchdog_;
  std::atomic<std::chrono::steady_clock::rep> last_healthy_{0};  // when a probe last succeeded
  std::unique_ptr<PeriodicTask> seal_task_;
  std::unique_ptr<PeriodicTask> checkpoint_task_;
  std::unique_ptr<PeriodicTask> summary_task_;
  std::unique_ptr<PeriodicTask> key_set_task_;
  std::unique_ptr<PeriodicTask> state_task_;
  std::string server_id_;  // host:pid:start, in key_set_servers
  int port_ = 0;
  int health_port_ = 0;

  void CheckHealth();
  void WatchHealth();
  struct StateCounts {
    std::uint64_t hits = 0, misses = 0, built = 0, failed = 0;
  };
  // One round of the borrower state builder; exports what changed since `seen`.
  void BuildBorrowerStates(StateCounts& seen);
  void SetServing(bool up);
  // Throws when stored data forbids a key set of these versions; records `current` as in use.
  void AdmitKeySet(int current, const std::vector<int>& versions);
  void ReloadKeySet();
  // Tells the database (key_set_servers) and the metrics which key set this server holds.
  void ReportKeySet();
};

}  // namespace creditshare
