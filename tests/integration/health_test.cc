// Health checking and reflection, answered to an independent client (Python grpcio with stubs
// generated from the standard protos), while the database goes away and comes back.
#include <gtest/gtest.h>

#include "harness.h"

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

  mariadb.Halt();
  EXPECT_EQ(ProbeApiPort("NOT_SERVING"), 0);
  EXPECT_EQ(ProbeHealthPort("NOT_SERVING"), 0);

  mariadb.Resume();
  EXPECT_EQ(ProbeApiPort("SERVING"), 0);
  EXPECT_EQ(ProbeHealthPort("SERVING"), 0);
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
