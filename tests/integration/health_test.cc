// Health checking and reflection, answered to an independent client (Python grpcio with stubs
// generated from the standard protos), while the database goes away and comes back.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include "harness.h"
#include "requests.h"
#include "storage/transaction.h"

namespace creditshare::testing {
namespace {

class HealthTest : public ::testing::Test {
 protected:
  PrivateMariaDb mariadb;  // this test stops its database: it gets one of its own
  TestService svc{mariadb.config()};
  std::pair<std::string, std::string> creds = svc.IssueCredentialFiles(TestService::kBankA, "probe");

  // Exit code of the probe waiting (up to 45 s: slow under a loaded CI machine) for `expect` on the mTLS API port.
  int ProbeApiPort(const std::string& expect) {
    return RunProcess({"/usr/bin/python3", SourcePath("tests/integration/grpc_probe.py"), "health", "--target",
                       svc.target(), "--ca", svc.pki().ca_file(), "--cert", creds.first, "--key", creds.second,
                       "--expect", expect, "--timeout", "45"})
        .exit_code;
  }
  // The same on the plaintext probe port, for one service name.
  int ProbeHealthPort(const std::string& expect, const std::string& service = "") {
    return RunProcess({"/usr/bin/python3", SourcePath("tests/integration/grpc_probe.py"), "health", "--target",
                       "127.0.0.1:" + std::to_string(svc.server().health_port()), "--service", service, "--expect",
                       expect, "--timeout", "45"})
        .exit_code;
  }
};

TEST_F(HealthTest, FollowsTheDatabaseDownAndBackUp) {
  ASSERT_EQ(ProbeApiPort("SERVING"), 0);
  ASSERT_EQ(ProbeHealthPort("SERVING"), 0);
  EXPECT_EQ(ProbeHealthPort("SERVING", "creditshare.v1.InquiryService"), 0);

  const long inquiries = svc.db().Count("inquiries");
  auto& bank = svc.ClientFor(TestService::kBankA);
  mariadb.Halt();
  EXPECT_EQ(ProbeApiPort("NOT_SERVING"), 0);
  EXPECT_EQ(ProbeHealthPort("NOT_SERVING"), 0);
  // Calls get UNAVAILABLE (retryable), never data that was not recorded.
  v1::GetBorrowerExposureResponse exposure;
  EXPECT_EQ(bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  mariadb.Resume();
  EXPECT_EQ(ProbeApiPort("SERVING"), 0);
  EXPECT_EQ(ProbeHealthPort("SERVING"), 0);
  // The pool and the group-commit writers reconnect: queries are answered and recorded again.
  grpc::Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {  // the first call may find a dead pooled connection
    status = bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure);
    if (status.ok()) break;
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
  storage::ConnectionPool pool(svc.db().config());  // the test's own connection died with the server
  EXPECT_EQ(storage::WithConnection(pool, [](storage::Connection& c) {
              std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT COUNT(*) FROM inquiries").executeQuery());
              rs->next();
              return static_cast<long>(rs->getInt64(1));
            }),
            inquiries + 1);
}

TEST_F(HealthTest, ReflectionListsTheServices) {
  const auto r = RunProcess({"/usr/bin/python3", SourcePath("tests/integration/grpc_probe.py"), "services", "--target",
                             svc.target(), "--ca", svc.pki().ca_file(), "--cert", creds.first, "--key", creds.second});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* service : {"creditshare.v1.ReportingService", "creditshare.v1.InquiryService", "grpc.health.v1.Health"})
    EXPECT_NE(r.out.find(service), std::string::npos) << r.out;
}

}  // namespace
}  // namespace creditshare::testing
