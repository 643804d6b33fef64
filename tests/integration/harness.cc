#include "harness.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <spawn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <thread>
#include <sstream>
#include <stdexcept>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "storage/borrower_state.h"
#include "storage/line_rows.h"
#include "storage/member_repository.h"
#include "storage/migrations.h"

extern char** environ;

namespace creditshare::testing {

namespace fs = std::filesystem;

namespace {
std::string RandomSuffix() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

void WriteFile(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}
}  // namespace

storage::DbConfig FixtureDbConfig() {
  const char* env_file = std::getenv("CREDITSHARE_TESTDB_ENV");
  if (env_file == nullptr)
    throw std::runtime_error("CREDITSHARE_TESTDB_ENV is not set: run integration tests through ctest, which starts MariaDB");
  return DbConfigFromEnvFile(env_file);
}

storage::DbConfig DbConfigFromEnvFile(const std::string& env_file) {
  std::ifstream in(env_file);
  if (!in) throw std::runtime_error("cannot read " + env_file + "; did the mariadb.start fixture run?");
  std::map<std::string, std::string> vars;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  storage::DbConfig c;
  c.host = vars["CREDITSHARE_DB_HOST"];
  c.port = std::stoi(vars["CREDITSHARE_DB_PORT"]);
  c.user = vars["CREDITSHARE_DB_USER"];
  std::ifstream pw(vars["CREDITSHARE_DB_PASSWORD_FILE"]);
  std::getline(pw, c.password);
  c.database = vars["CREDITSHARE_DB_NAME"];
  c.pool_size = 8;
  return c;
}

std::string SourcePath(const std::string& relative) { return std::string(CREDITSHARE_SOURCE_DIR) + "/" + relative; }

PrivateMariaDb::PrivateMariaDb(bool binlog)
    : dir_(fs::temp_directory_path() / ("creditshare-mariadb-" + RandomSuffix())),
      binlog_env_(std::string("CREDITSHARE_TESTDB_BINLOG=") + (binlog ? "1" : "0")) {
  const auto r = RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "start", dir_.string()}, {binlog_env_});
  if (r.exit_code != 0) throw std::runtime_error("cannot start a private MariaDB: " + r.err);
}

PrivateMariaDb::~PrivateMariaDb() { RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "stop", dir_.string()}); }

storage::DbConfig PrivateMariaDb::config() const { return DbConfigFromEnvFile((dir_ / "env").string()); }

void PrivateMariaDb::Halt() {
  const auto r = RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "halt", dir_.string()});
  if (r.exit_code != 0) throw std::runtime_error("cannot halt MariaDB: " + r.err);
}

void PrivateMariaDb::Resume() {
  const auto r = RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "resume", dir_.string()}, {binlog_env_});
  if (r.exit_code != 0) throw std::runtime_error("cannot resume MariaDB: " + r.err);
}

void PrivateMariaDb::Crash() {
  const auto r = RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "crash", dir_.string()});
  if (r.exit_code != 0) throw std::runtime_error("cannot kill MariaDB: " + r.err);
}

void PrivateMariaDb::Freeze() {
  const auto r = RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "freeze", dir_.string()});
  if (r.exit_code != 0) throw std::runtime_error("cannot freeze MariaDB: " + r.err);
}

void PrivateMariaDb::Thaw() {
  const auto r = RunProcess({"/bin/bash", SourcePath("scripts/testdb.sh"), "thaw", dir_.string()});
  if (r.exit_code != 0) throw std::runtime_error("cannot thaw MariaDB: " + r.err);
}

std::shared_ptr<grpc::Channel> NoRetryChannel(const std::string& target, const std::string& ca_file,
                                              const std::string& cert_file, const std::string& key_file,
                                              grpc::ChannelArguments args) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFileOrThrow(ca_file, "CA");
  tls.pem_private_key = ReadFileOrThrow(key_file, "key");
  tls.pem_cert_chain = ReadFileOrThrow(cert_file, "certificate");
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), args);
}

// The google.rpc.RetryInfo of a status, if it carries one.
std::optional<std::chrono::milliseconds> RetryDelay(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry))
      return std::chrono::milliseconds(retry.retry_delay().seconds() * 1000 + retry.retry_delay().nanos() / 1'000'000);
  }
  return std::nullopt;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[65536];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

TestDatabase::TestDatabase(bool migrate, std::optional<storage::DbConfig> server)
    : config_(server ? *server : FixtureDbConfig()) {
  admin_pool_ = std::make_unique<storage::ConnectionPool>(config_);
  config_.database = "cs_test_" + RandomSuffix();
  {
    auto server_conn = admin_pool_->OpenUnpooled(false);
    server_conn->Execute("CREATE DATABASE " + config_.database);
  }
  storage::ConnectionPool own(config_);
  conn_ = own.OpenUnpooled(true);
  if (migrate) storage::ApplyMigrations(*conn_);
}

TestDatabase::~TestDatabase() {
  try {
    conn_->Execute("DROP DATABASE IF EXISTS " + config_.database);
  } catch (const std::exception&) {
    // The fixture's server is thrown away at the end anyway.
  }
}

std::vector<std::string> TestDatabase::DumpAllTables(bool include_audit) {
  std::vector<std::string> tables;
  {
    auto& stmt = conn_->Prepare(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name");
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      std::string t = rs->getString(1);
      const bool call_record = t.rfind("audit_", 0) == 0 || t == "report_receipts";
      if (t == "key_set_servers") continue;  // running servers' heartbeats, not data
      if (include_audit || !call_record) tables.push_back(std::move(t));
    }
  }
  std::vector<std::string> rows;
  for (const auto& t : tables) {
    std::unique_ptr<sql::ResultSet> rs(conn_->Prepare("SELECT * FROM " + t).executeQuery());
    const auto columns = rs->getMetaData()->getColumnCount();
    std::vector<bool> derived(columns + 1, false);  // a borrower's stored state: a copy, built in the background
    for (unsigned i = 1; i <= columns; ++i)
      derived[i] = t == "borrowers" && std::string(rs->getMetaData()->getColumnLabel(i)) == "state";
    while (rs->next()) {
      std::string row = t;
      for (unsigned i = 1; i <= columns; ++i) {
        if (derived[i]) continue;
        row += "|" + (rs->isNull(i) ? std::string("NULL") : std::string(rs->getString(i)));
      }
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

long TestDatabase::Count(const std::string& table) {
  std::unique_ptr<sql::ResultSet> rs(conn_->Prepare("SELECT COUNT(*) FROM " + table).executeQuery());
  rs->next();
  return static_cast<long>(rs->getInt64(1));
}

void TestDatabase::WaitForATableLockWait() {
  for (int i = 0; i < 1500 && Count("information_schema.processlist WHERE state LIKE '%metadata lock%'") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::vector<std::string> TestDatabase::StalePackedHistories() {
  std::map<std::uint64_t, std::vector<domain::MonthRecord>> expected;
  std::unique_ptr<sql::ResultSet> months(
      conn_->Prepare("SELECT line_id, as_of_date, status_code, days_past_due, line_status, collections_stage, "
                     "charged_off_amount_minor FROM credit_line_months ORDER BY line_id, month")
          .executeQuery());
  while (months->next()) {
    domain::MonthFacts f;
    f.as_of_date = domain::Date::Parse(std::string(months->getString(2))).value_or(domain::Date{});
    const std::string code = months->getString(3);
    f.code = code.empty() ? '#' : code[0];
    f.days_past_due = months->getInt(4);
    f.status = static_cast<domain::LineStatus>(months->getInt(5));
    f.collections_stage = static_cast<domain::CollectionsStage>(months->getInt(6));
    f.charged_off_amount_minor = months->getInt64(7);
    expected[months->getUInt64(1)].push_back(domain::RecordOf(f));
  }
  std::vector<std::string> stale;
  std::unique_ptr<sql::ResultSet> lines(
      conn_->Prepare("SELECT id, ledger_months FROM credit_lines ORDER BY id").executeQuery());
  while (lines->next()) {
    const std::string stored = lines->isNull(2) ? "" : std::string(lines->getString(2));
    const std::string want = storage::line_rows::PackMonths(expected[lines->getUInt64(1)]);
    if (stored != want)
      stale.push_back("line " + std::to_string(lines->getUInt64(1)) + ": stored '" + stored + "', records '" + want + "'");
  }
  return stale;
}

std::vector<std::string> StaleBorrowerStates(storage::Connection& conn, std::int64_t expired_by_us) {
  using storage::borrower_state::StoredRow;
  // Reservations that expired by `expired_by_us` are left out on both sides: a build may keep
  // or leave out those that expired shortly before it (borrower_state::kExpiredKeptUs).
  auto sorted = [expired_by_us](std::vector<StoredRow> rows) {
    std::vector<std::vector<std::optional<std::string>>> cells;
    for (auto& r : rows) {
      if (r.getInt(storage::borrower_state::kKindColumn) == storage::borrower_state::kReservationRow &&
          r.getInt64(10) <= expired_by_us)
        continue;
      cells.push_back(std::move(r.cells));
    }
    std::sort(cells.begin(), cells.end());
    return cells;
  };
  std::vector<std::string> stale;
  // One snapshot for the states and the tables: writers and builders may be running meanwhile.
  // Pool sessions read committed, where a snapshot lasts one statement only.
  conn.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  conn.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  struct End {
    storage::Connection& conn;
    ~End() { conn.Execute("COMMIT"); }
  } end{conn};
  std::unique_ptr<sql::ResultSet> built(
      conn.Prepare("SELECT id, state FROM borrowers WHERE state IS NOT NULL ORDER BY id").executeQuery());
  while (built->next()) {
    const auto id = built->getUInt64(1);
    const auto stored = storage::borrower_state::Decode(std::string(built->getString(2)));
    if (!stored) {
      stale.push_back("borrower " + std::to_string(id) + ": a state that does not decode");
      continue;
    }
    auto& parts = conn.Prepare(storage::borrower_state::StatePartsSql(1));
    parts.setUInt64(1, id);
    parts.setUInt64(2, id);
    parts.setInt(3, static_cast<int>(domain::ReservationStatus::kActive));
    parts.setInt64(4, expired_by_us);
    parts.setUInt64(5, id);
    std::vector<StoredRow> now;
    std::unique_ptr<sql::ResultSet> rs(parts.executeQuery());
    while (rs->next()) now.push_back(storage::borrower_state::FromResultSet(*rs));
    const auto a = sorted(*stored), b = sorted(now);
    if (a == b) continue;
    std::string where = "borrower " + std::to_string(id) + ": state of " + std::to_string(a.size()) +
                        " rows differs from the " + std::to_string(b.size()) + " rows of the tables";
    for (std::size_t r = 0; r < std::min(a.size(), b.size()); ++r)
      for (std::size_t c = 0; c < a[r].size() && c < b[r].size(); ++c)
        if (a[r][c] != b[r][c]) {
          where += "; row " + std::to_string(r) + " column " + std::to_string(c + 1) + ": '" + a[r][c].value_or("NULL") +
                   "' stored, '" + b[r][c].value_or("NULL") + "' now";
          r = a.size();
          break;
        }
    stale.push_back(std::move(where));
  }
  return stale;
}

std::vector<std::string> TestDatabase::StaleBorrowerStates(std::int64_t expired_by_us) {
  return testing::StaleBorrowerStates(*conn_, expired_by_us);
}

std::chrono::system_clock::time_point TestNow() {
  return std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours(2);
}

TestPki::TestPki() {
  dir_ = fs::temp_directory_path() / ("creditshare-test-pki-" + RandomSuffix());
  fs::create_directories(dir_);
  security::CertificateSpec ca_spec;
  ca_spec.usage = security::CertificateSpec::Usage::kCertificateAuthority;
  ca_spec.common_name = "creditshare test CA";
  ca_ = security::CreateCertificateAuthority(ca_spec);
  WriteFile(dir_ / "ca.crt", ca_.cert_pem);
  security::CertificateSpec server_spec;
  server_spec.usage = security::CertificateSpec::Usage::kServer;
  server_spec.common_name = "localhost";
  server_spec.dns_names = {"localhost"};
  server_spec.ip_addresses = {"127.0.0.1"};
  const auto server = security::IssueCertificate(ca_, server_spec);
  WriteFile(dir_ / "server.crt", server.cert_pem);
  WriteFile(dir_ / "server.key", server.key_pem);
  WriteFile(dir_ / "hmac.key", "test-hmac-key-" + RandomSuffix() + "-0123456789abcdef");
  // Caps: online micro-loans 300,000 CNY, everything 1,000,000 CNY, at most 3 lenders. Credit
  // cards at most 1,000,000 major units of limit and a balance of 150 % of it; other products
  // have no plausibility bound (any int64 amount). Regulator reports' noise is far below one unit
  // (ε 10^12), so tests compare figures exactly; the privacy tests set a real ε.
  WriteFile(dir_ / "policy.json", R"({"product_caps_minor": {"online_micro_loan": 30000000},
    "overall_cap_minor": 100000000, "max_lenders": 3, "duplicate_window_days": 30,
    "multi_lender_inquiry_threshold": 3,
    "plausibility": {"credit_card": {"max_credit_limit_major": 1000000, "max_balance_percent_of_limit": 150}},
    "regulator_privacy": {"epsilon_per_report": 1000000000000, "monthly_budget": 1000000000000000}})");
}

TestPki::~TestPki() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::pair<std::string, std::string> TestPki::WriteClient(const std::string& name, const std::string& common_name,
                                                         const security::Credential& ca,
                                                         const security::CertificateSpec* spec) {
  security::CertificateSpec s = spec ? *spec : security::CertificateSpec{};
  s.usage = security::CertificateSpec::Usage::kClient;
  s.common_name = common_name;
  const auto cred = security::IssueCertificate(ca, s);
  const auto cert = dir_ / (name + ".crt");
  const auto key = dir_ / (name + ".key");
  WriteFile(cert, cred.cert_pem);
  WriteFile(key, cred.key_pem);
  return {cert.string(), key.string()};
}

TestService::TestService(std::optional<storage::DbConfig> db_server, bool metrics_endpoint, int report_min_borrowers,
                         std::function<void(ServerConfig&)> configure)
    : metrics_endpoint_(metrics_endpoint),
      report_min_borrowers_(report_min_borrowers),
      configure_(std::move(configure)),
      db_(/*migrate=*/true, std::move(db_server)),
      clock_(std::make_shared<FixedClock>(TestNow())) {
  admin_pool_ = std::make_unique<storage::ConnectionPool>(db_.config());
  onboarding_ = std::make_unique<admin::Onboarding>(*admin_pool_, "test-operator");
  AddMember(kBankA, domain::MemberType::kBank);
  AddMember(kMicroB, domain::MemberType::kMicroLender);
  AddMember(kFinanceC, domain::MemberType::kConsumerFinance);
  AddMember(kRegulator, domain::MemberType::kRegulator);
  server_ = std::make_unique<Server>(server_config(), clock_);
  server_->Start();
}

TestService::~TestService() { StopServer(); }

void TestService::StopServer() {
  clients_.clear();
  if (server_) server_->Shutdown(std::chrono::milliseconds(500));
  server_.reset();
}

std::pair<std::string, std::string> TestService::IssueCredentialFiles(const std::string& code,
                                                                      const std::string& file_stem) {
  auto issued = onboarding_->IssueCredential(code, pki_.ca(), std::chrono::hours(24 * 30));
  if (!issued.ok()) throw std::runtime_error("cannot issue credential for " + code + ": " + issued.error().message);
  const auto cert = pki_.dir() / (file_stem + ".crt");
  const auto key = pki_.dir() / (file_stem + ".key");
  WriteFile(cert, issued.value().credential.cert_pem);
  WriteFile(key, issued.value().credential.key_pem);
  return {cert.string(), key.string()};
}

ServerConfig TestService::server_config() const {
  ServerConfig c;
  c.listen_address = "127.0.0.1:0";
  c.tls_cert_file = pki_.server_cert_file();
  c.tls_key_file = pki_.server_key_file();
  c.client_ca_file = pki_.ca_file();
  c.hmac_key_file = pki_.hmac_key_file();
  c.policy_file = pki_.policy_file();
  c.db = db_.config();
  c.db.pool_size = 8;
  c.workers = 8;
  c.member_max_calls = 6;  // fewer than the workers: one member's calls leave a worker for the others
  c.member_max_streams = 4;
  c.report_min_borrowers = report_min_borrowers_;
  c.auth_cache_ttl = std::chrono::milliseconds(200);
  c.metrics_listen_address = metrics_endpoint_ ? "127.0.0.1:0" : "";
  c.health_listen_address = "127.0.0.1:0";
  c.health_check_interval = std::chrono::milliseconds(200);
  c.audit_seal_interval = std::chrono::milliseconds(100);
  c.report_summary_interval = std::chrono::seconds(0);
  c.report_summary_max_age = std::chrono::seconds(0);  // every report reads what was just written
  if (configure_) configure_(c);
  return c;
}

void TestService::AddMember(const std::string& code, domain::MemberType type) {
  domain::Member m;
  m.code = code;
  m.name = "Test member " + code;
  m.type = type;
  m.region_code = "120000";
  auto created = onboarding_->CreateMember(m);
  if (!created.ok()) throw std::runtime_error("cannot create member " + code + ": " + created.error().message);
  // The test regulator supervises the whole country; scope tests add regulators of their own.
  if (code == kRegulator && !onboarding_->RegulatorSettings(code, "national", std::nullopt).ok())
    throw std::runtime_error("cannot grant national scope to " + code);
}

client::Client& TestService::ClientFor(const std::string& code) {
  auto it = clients_.find(code);
  if (it == clients_.end()) {
    const auto [cert, key] = IssueCredentialFiles(code, code);
    it = clients_.emplace(code, ClientWithFiles(cert, key)).first;
  }
  return *it->second;
}

std::unique_ptr<client::Client> TestService::ClientWithFiles(const std::string& cert, const std::string& key) {
  client::ClientOptions o;
  o.target = target();
  o.ca_file = pki_.ca_file();
  o.cert_file = cert;
  o.key_file = key;
  o.deadline = std::chrono::seconds(10);
  return std::make_unique<client::Client>(o);
}

pid_t SpawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                   const std::string& stdout_path, const std::string& stderr_path) {
  std::vector<std::string> env = extra_env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
  const auto stem = fs::temp_directory_path() / ("creditshare-proc-" + RandomSuffix());
  const std::string out_path = stem.string() + ".out", err_path = stem.string() + ".err";
  ProcessResult result;
  if (const pid_t pid = SpawnProcess(argv, extra_env, out_path, err_path); pid > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return result;
}

std::vector<std::string> DatabaseEnv(const storage::DbConfig& db, const fs::path& dir) {
  const auto pw_file = dir / "db.password";
  WriteFile(pw_file, db.password + "\n");
  return {"CREDITSHARE_DB_HOST=" + db.host, "CREDITSHARE_DB_PORT=" + std::to_string(db.port),
          "CREDITSHARE_DB_USER=" + db.user, "CREDITSHARE_DB_PASSWORD_FILE=" + pw_file.string(),
          "CREDITSHARE_DB_NAME=" + db.database};
}

ServerProcess::ServerProcess(const ServerConfig& c, const fs::path& log) : log_(log) {
  std::vector<std::string> args = {CREDITSHARE_SERVER_BINARY, "--listen",       c.listen_address, "--tls-cert",
                                   c.tls_cert_file,           "--tls-key",      c.tls_key_file,   "--client-ca",
                                   c.client_ca_file,          "--drain-seconds", "2",             "--metrics-listen",
                                   "127.0.0.1:0",             "--health-listen", "127.0.0.1:0",   "--auth-cache-ms",
                                   "200", "--report-summary-interval-s", "0", "--report-summary-max-age-s", "0"};
  if (!c.policy_file.empty()) {
    args.push_back("--policy-file");
    args.push_back(c.policy_file);
  }
  std::vector<std::string> env = DatabaseEnv(c.db, log.parent_path());
  env.push_back("CREDITSHARE_HMAC_KEY_FILE=" + c.hmac_key_file);
  pid_ = SpawnProcess(args, env, "/dev/null", log.string());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int ServerProcess::WaitExit(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int ServerProcess::WaitForPort(std::chrono::milliseconds timeout) {
  const std::regex port_re("event=server_started [^\n]* port=([0-9]+)");
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::smatch m;
    const std::string log = Log();
    if (std::regex_search(log, m, port_re)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

StderrCapture::StderrCapture() {
  path_ = fs::temp_directory_path() / ("creditshare-stderr-" + RandomSuffix());
  std::fflush(stderr);
  saved_fd_ = dup(STDERR_FILENO);
  const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, STDERR_FILENO);
  close(fd);
}

StderrCapture::~StderrCapture() {
  if (saved_fd_ >= 0) {
    std::fflush(stderr);
    dup2(saved_fd_, STDERR_FILENO);
    close(saved_fd_);
  }
  std::error_code ec;
  fs::remove(path_, ec);
}

std::string StderrCapture::text() {
  std::fflush(stderr);
  std::ifstream in(path_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace creditshare::testing
