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
  ASSERT_TRUE(onboarding.CreateMember({0, "bank-a", "Bank A", domain::MemberType::kBank, "120000", domain::MemberStatus::kActive, "", std::nullopt}).ok());
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
