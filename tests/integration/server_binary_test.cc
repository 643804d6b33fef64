// The creditshare-server binary itself: configuration from the environment, refusal on an
// outdated schema, graceful shutdown on SIGTERM.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <thread>

#include "harness.h"
#include "requests.h"

extern char** environ;

namespace creditshare::testing {
namespace {

class ServerProcess {
 public:
  ServerProcess(const ServerConfig& c, const std::filesystem::path& log) : log_(log) {
    std::vector<std::string> args = {CREDITSHARE_SERVER_BINARY, "--listen",     "127.0.0.1:0",
                                     "--tls-cert",             c.tls_cert_file, "--tls-key",
                                     c.tls_key_file,           "--client-ca",  c.client_ca_file,
                                     "--drain-seconds",        "2",            "--metrics-listen",
                                     "127.0.0.1:0",            "--health-listen", "127.0.0.1:0"};
    // Database settings through the environment, as a container would pass them.
    std::vector<std::string> env = DatabaseEnv(c.db, log.parent_path());
    env.push_back("CREDITSHARE_HMAC_KEY_FILE=" + c.hmac_key_file);
    pid_ = SpawnProcess(args, env, "/dev/null", log.string());
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Exit status, or -1 when still running after `timeout`.
  int WaitExit(std::chrono::milliseconds timeout) {
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
  std::string Log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int WaitForPort(std::chrono::milliseconds timeout) {
    const std::regex port_re("event=server_started [^\\n]* port=([0-9]+)");
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      std::smatch m;
      const std::string log = Log();
      if (std::regex_search(log, m, port_re)) return std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
  }
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

ServerConfig ConfigFor(const TestDatabase& db, const TestPki& pki) {
  ServerConfig c;
  c.db = db.config();
  c.tls_cert_file = pki.server_cert_file();
  c.tls_key_file = pki.server_key_file();
  c.client_ca_file = pki.ca_file();
  c.hmac_key_file = pki.hmac_key_file();
  return c;
}

TEST(ServerBinaryTest, RefusesAnOutdatedSchemaWithAClearMessage) {
  TestDatabase db(/*migrate=*/false);
  TestPki pki;
  ServerProcess server(ConfigFor(db, pki), pki.dir() / "server.log");
  ASSERT_GT(server.pid(), 0);
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(20)), 1);
  EXPECT_NE(server.Log().find("run `creditshare-server migrate` first"), std::string::npos) << server.Log();
}

TEST(ServerBinaryTest, ServesOverMtlsAndStopsCleanlyOnSigterm) {
  TestDatabase db;
  TestPki pki;
  storage::ConnectionPool pool(db.config());
  admin::Onboarding onboarding(pool, "test-operator");
  ASSERT_TRUE(onboarding.CreateMember({0, "bank-a", "Bank A", domain::MemberType::kBank, "120000", domain::MemberStatus::kActive}).ok());
  auto issued = onboarding.IssueCredential("bank-a", pki.ca(), std::chrono::hours(24));
  ASSERT_TRUE(issued.ok());
  const std::string cert = (pki.dir() / "bank-a.crt").string(), key = (pki.dir() / "bank-a.key").string();
  std::ofstream(cert) << issued.value().credential.cert_pem;
  std::ofstream(key) << issued.value().credential.key_pem;

  ServerProcess server(ConfigFor(db, pki), pki.dir() / "server.log");
  const int port = server.WaitForPort(std::chrono::seconds(20));
  ASSERT_GT(port, 0) << server.Log();

  client::ClientOptions o;
  o.target = "127.0.0.1:" + std::to_string(port);
  o.ca_file = pki.ca_file();
  o.cert_file = cert;
  o.key_file = key;
  client::Client c(o);
  v1::ReportCreditLineResponse resp;
  const auto st = c.ReportCreditLine(LineRequest("bin-1", "L-1", kBorrower, 100, 0), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(db.Count("credit_lines"), 1);

  // Connected clients keep the server draining until they leave or --drain-seconds (2 here) end.
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(10)), 0);
  EXPECT_NE(server.Log().find("event=server_stopped"), std::string::npos) << server.Log();
}

}  // namespace
}  // namespace creditshare::testing
