#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "admin/onboarding.h"
#include "creditshare_client.h"
#include "domain/clock.h"
#include "domain/types.h"
#include "security/pki.h"
#include "server.h"
#include "storage/connection_pool.h"

// Test harness for integration tests: a fresh database per test in the MariaDB that CTest's
// "mariadb" fixture started, a throwaway PKI, members, and a real in-process server over mTLS.
namespace creditshare::testing {

// Connection settings of the fixture's MariaDB, from the file named by CREDITSHARE_TESTDB_ENV.
storage::DbConfig FixtureDbConfig();
// Connection settings from an env file written by scripts/testdb.sh.
storage::DbConfig DbConfigFromEnvFile(const std::string& path);

// A MariaDB of its own (scripts/testdb.sh in a scratch directory), for tests that stop and
// restart the server; always stopped and removed at the end.
class PrivateMariaDb {
 public:
  // `binlog`: keep a durable binary log (point-in-time recovery).
  explicit PrivateMariaDb(bool binlog = false);
  ~PrivateMariaDb();
  storage::DbConfig config() const;
  void Halt();
  void Resume();
  // SIGKILL: no shutdown, InnoDB recovers when Resume starts it again.
  void Crash();
  // SIGSTOP / SIGCONT: a database that hangs instead of going away.
  void Freeze();
  void Thaw();
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string binlog_env_;
};

// A database of its own, dropped at the end. Migrated unless asked not to.
class TestDatabase {
 public:
  explicit TestDatabase(bool migrate = true, std::optional<storage::DbConfig> server = std::nullopt);
  ~TestDatabase();

  const storage::DbConfig& config() const { return config_; }
  storage::Connection& conn() { return *conn_; }
  // Every row of every table as text ("table|v1|v2|..."), sorted: two equal dumps mean equal
  // data. The records of calls (the audit tables, and the scorecard's receipts, which a refused
  // record leaves too) grow with every call, so they are left out unless asked for; the running
  // servers' key set heartbeats (key_set_servers) always are.
  std::vector<std::string> DumpAllTables(bool include_audit = false);
  long Count(const std::string& table);
  // Waits (up to 30 s, for a loaded CI machine) until some session waits for a table lock: a call
  // that the test blocks with LOCK TABLES from another session is then holding its connection.
  void WaitForATableLockWait();
  // Lines whose ledger copy (credit_lines.ledger_months) differs from their credit_line_months
  // records, one description each; recomputed here from the records with the domain's rules,
  // independently of the server's SQL.
  std::vector<std::string> StalePackedHistories();
  // Borrowers whose stored state (borrowers.state, built in the background) differs from what
  // their lines, reservations and protections say now, one description each; NULL states (not
  // built) are not stale. Reservations that expired by `expired_by_us` (the server's clock's now)
  // are not compared.
  std::vector<std::string> StaleBorrowerStates(std::int64_t expired_by_us);

 private:
  storage::DbConfig config_;
  std::unique_ptr<storage::ConnectionPool> admin_pool_;
  std::unique_ptr<storage::Connection> conn_;
};

// TestDatabase::StaleBorrowerStates on a connection of the caller's (a checker thread's).
std::vector<std::string> StaleBorrowerStates(storage::Connection& conn, std::int64_t expired_by_us);

class FixedClock final : public domain::Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : now_(t) {}
  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Advance(std::chrono::seconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  void Set(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_;
};

// 2026-11-23 10:00 in Beijing.
std::chrono::system_clock::time_point TestNow();

// A CA, a server certificate for localhost/127.0.0.1 and member credentials, as files.
class TestPki {
 public:
  TestPki();
  ~TestPki();
  const std::filesystem::path& dir() const { return dir_; }
  const security::Credential& ca() const { return ca_; }
  // Writes DIR/<name>.crt and .key for a certificate with CN `common_name` signed by `ca`.
  std::pair<std::string, std::string> WriteClient(const std::string& name, const std::string& common_name,
                                                  const security::Credential& ca, const security::CertificateSpec* spec = nullptr);
  std::string ca_file() const { return (dir_ / "ca.crt").string(); }
  std::string server_cert_file() const { return (dir_ / "server.crt").string(); }
  std::string server_key_file() const { return (dir_ / "server.key").string(); }
  std::string hmac_key_file() const { return (dir_ / "hmac.key").string(); }
  std::string policy_file() const { return (dir_ / "policy.json").string(); }

 private:
  std::filesystem::path dir_;
  security::Credential ca_;
};

// The whole service for one test: database, PKI, members and a running server.
class TestService {
 public:
  static constexpr const char* kBankA = "bank-a";
  static constexpr const char* kMicroB = "micro-b";
  static constexpr const char* kFinanceC = "finance-c";
  static constexpr const char* kRegulator = "regulator-r";

  // The /metrics HTTP endpoint is off unless asked for: stopping its server costs ~2 s.
  // `configure` may change the server's settings before it starts.
  explicit TestService(std::optional<storage::DbConfig> db_server = std::nullopt, bool metrics_endpoint = false,
                       int report_min_borrowers = 10, std::function<void(ServerConfig&)> configure = {});
  ~TestService();

  TestDatabase& db() { return db_; }
  TestPki& pki() { return pki_; }
  FixedClock& clock() { return *clock_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  Server& server() { return *server_; }
  ServerConfig server_config() const;
  // Registers a member the way creditshare-admin does.
  void AddMember(const std::string& code, domain::MemberType type);
  // Issues and records a credential for `code`, writes it to files; returns {cert, key} paths.
  std::pair<std::string, std::string> IssueCredentialFiles(const std::string& code, const std::string& file_stem);
  // A client holding a valid credential for member `code` (issued on first use).
  client::Client& ClientFor(const std::string& code);
  admin::Onboarding& onboarding() { return *onboarding_; }
  // A client presenting exactly these files.
  std::unique_ptr<client::Client> ClientWithFiles(const std::string& cert, const std::string& key);
  void StopServer();

 private:
  bool metrics_endpoint_;
  int report_min_borrowers_;
  std::function<void(ServerConfig&)> configure_;
  TestDatabase db_;
  TestPki pki_;
  std::unique_ptr<storage::ConnectionPool> admin_pool_;
  std::unique_ptr<admin::Onboarding> onboarding_;
  std::shared_ptr<FixedClock> clock_;
  std::unique_ptr<Server> server_;
  std::map<std::string, std::unique_ptr<client::Client>> clients_;
};

// A channel to `target` presenting these credential files, with retries off (plus `args`), so a
// test sees each answer the server gives.
std::shared_ptr<grpc::Channel> NoRetryChannel(const std::string& target, const std::string& ca_file,
                                              const std::string& cert_file, const std::string& key_file,
                                              grpc::ChannelArguments args = {});

// The google.rpc.RetryInfo delay of a status, if it carries one.
std::optional<std::chrono::milliseconds> RetryDelay(const grpc::Status& status);

// A loopback TCP port free at the moment of the call (for a server that must come back on the
// same address after a restart).
int FreePort();

// GET http://127.0.0.1:port/path; returns the body ("" when the request fails).
std::string HttpGet(int port, const std::string& path);

// Where the source tree's scripts and test tools live.
std::string SourcePath(const std::string& relative);

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Starts a program with extra environment variables (before the inherited ones), its stdout and
// stderr going to the given files; returns its pid, or -1.
pid_t SpawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                   const std::string& stdout_path, const std::string& stderr_path);
// Runs a program to completion with extra environment variables; captures its output.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
// The CREDITSHARE_DB_* variables (password through a file in `dir`) for a database.
std::vector<std::string> DatabaseEnv(const storage::DbConfig& db, const std::filesystem::path& dir);

// A creditshare-server binary running on `config` (database settings through the environment,
// as a container passes them), logging to `log`; killed at the end if still running.
class ServerProcess {
 public:
  ServerProcess(const ServerConfig& config, const std::filesystem::path& log);
  ~ServerProcess();
  // Exit status, or -1 when still running after `timeout`.
  int WaitExit(std::chrono::milliseconds timeout);
  std::string Log() const;
  // The API port from the server's start-up log line; 0 when it did not start in time.
  int WaitForPort(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// Redirects this process's stderr to a file while alive; text() returns what was written.
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  std::string text();

 private:
  int saved_fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace creditshare::testing
