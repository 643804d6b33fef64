// Health checking and reflection, answered to an independent client (Python grpcio with stubs
// generated from the standard protos), while the database goes away and comes back; and what a
// caller is told when the database is fine but the server has no connection free.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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
  int ProbeHealthPort(const std::string& expect, const std::string& service = "", int timeout_seconds = 45) {
    return RunProcess({"/usr/bin/python3", SourcePath("tests/integration/grpc_probe.py"), "health", "--target",
                       "127.0.0.1:" + std::to_string(svc.server().health_port()), "--service", service, "--expect",
                       expect, "--timeout", std::to_string(timeout_seconds)})
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
  // A stopped database holds the probe query until the pool's 30 s read timeout; the health
  // watchdog turns the service NOT_SERVING after two 200 ms intervals without a good probe.
  EXPECT_EQ(ProbeHealthPort("NOT_SERVING", "", 5), 0);
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

TEST(BusyServerTest, ACallThatFindsEveryPooledConnectionBusyIsToldTheServerIsBusy) {
  TestService svc(std::nullopt, false, 10, [](ServerConfig& c) {
    c.db.pool_size = 1;
    c.db.acquire_timeout = std::chrono::milliseconds(200);
  });
  auto& bank = svc.ClientFor(TestService::kBankA);
  v1::ReportCreditLineResponse reported;
  ASSERT_TRUE(bank.ReportCreditLine(LineRequest("busy-1", "BUSY-1", kBorrower, 1000, 500), &reported).ok());

  // Another session write-locks the tables a report changes, so the next report holds the pool's
  // only connection until the lock goes.
  storage::ConnectionPool blocker_pool(svc.db().config());
  auto blocker = blocker_pool.Acquire();
  blocker->Execute("LOCK TABLES borrowers WRITE, credit_lines WRITE, idempotency_keys WRITE");
  grpc::Status held;
  std::thread holder([&] {
    v1::ReportCreditLineResponse resp;
    held = bank.ReportCreditLine(LineRequest("busy-2", "BUSY-2", kBorrower, 2000, 500), &resp);
  });
  svc.db().WaitForATableLockWait();

  v1::GetBorrowerExposureResponse exposure;
  const auto busy = bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(busy.error_message().find("the server is busy"), std::string::npos) << busy.error_message();
  // The client library retried it (its policy: 4 attempts on UNAVAILABLE), and every attempt was
  // audited. gRPC retries only answers without response headers, so the server must not send
  // any (x-request-id goes in the trailers).
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'GetBorrowerExposure' AND result_code = 14"), 4);
  // ... under the one x-request-id the client library gave the call.
  EXPECT_EQ(svc.db().Count("(SELECT DISTINCT request_id FROM audit_log WHERE method = 'GetBorrowerExposure' "
                           "AND result_code = 14) AS attempts"),
            1);

  blocker->Execute("UNLOCK TABLES");
  holder.join();
  EXPECT_TRUE(held.ok()) << held.error_message();
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

namespace creditshare::testing {
namespace {

// A channel of `member`'s that does not retry, so a test sees each answer the server gives.
std::shared_ptr<grpc::Channel> NoRetryChannel(TestService& svc, const std::string& member) {
  const auto [cert, key] = svc.IssueCredentialFiles(member, member + "-no-retry");
  return testing::NoRetryChannel(svc.target(), svc.pki().ca_file(), cert, key);
}

TEST(HungDatabaseTest, AStoppedDatabaseCostsSecondsNotTheServiceAndItRecoversOnItsOwn) {
  PrivateMariaDb mariadb;
  TestService svc(mariadb.config(), false, 10, [](ServerConfig& c) {
    c.db.read_timeout_seconds = 2;
    c.db.connect_timeout_seconds = 2;
  });
  std::vector<std::unique_ptr<v1::InquiryService::Stub>> stubs;
  for (const char* member : {TestService::kBankA, TestService::kMicroB})
    stubs.push_back(v1::InquiryService::NewStub(NoRetryChannel(svc, member)));
  for (auto& stub : stubs) {
    grpc::ClientContext context;
    v1::GetBorrowerExposureResponse e;
    ASSERT_TRUE(stub->GetBorrowerExposure(&context, ExposureRequest(kBorrower), &e).ok());
  }
  auto probe = [&](const std::string& expect, int timeout_seconds) {
    return RunProcess({"/usr/bin/python3", SourcePath("tests/integration/grpc_probe.py"), "health", "--target",
                       "127.0.0.1:" + std::to_string(svc.server().health_port()), "--expect", expect, "--timeout",
                       std::to_string(timeout_seconds)})
        .exit_code;
  };

  mariadb.Freeze();
  const auto frozen = std::chrono::steady_clock::now();
  // Two 200 ms health intervals without a good probe, plus the probe's own start (a Python
  // process) on a loaded machine.
  EXPECT_EQ(probe("NOT_SERVING", 5), 0);
  const auto not_serving_after = std::chrono::steady_clock::now() - frozen;
  EXPECT_LT(not_serving_after, std::chrono::seconds(5));

  // Calls with a generous deadline end with UNAVAILABLE within the database timeouts (their
  // statement's read timeout, then their audit record's: about 2 x 2 s, plus a turn in the queue),
  // not at their deadline and not never.
  struct Outcome {
    grpc::Status status;
    std::chrono::steady_clock::duration took{};
  };
  std::vector<Outcome> outcomes(12);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < outcomes.size(); ++i)
    callers.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      v1::GetBorrowerExposureResponse e;
      const auto started = std::chrono::steady_clock::now();
      outcomes[i].status = stubs[i % 2]->GetBorrowerExposure(&context, ExposureRequest(kBorrower), &e);
      outcomes[i].took = std::chrono::steady_clock::now() - started;
    });
  for (auto& t : callers) t.join();
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.status.error_code(), grpc::StatusCode::UNAVAILABLE) << o.status.error_message();
    EXPECT_LT(o.took, std::chrono::seconds(12))
        << std::chrono::duration_cast<std::chrono::milliseconds>(o.took).count() << " ms";
  }

  mariadb.Thaw();
  EXPECT_EQ(probe("SERVING", 30), 0);
  grpc::Status status;
  for (int attempt = 0; attempt < 10; ++attempt) {  // a pooled connection may have died meanwhile
    grpc::ClientContext context;
    v1::GetBorrowerExposureResponse e;
    status = stubs[0]->GetBorrowerExposure(&context, ExposureRequest(kBorrower), &e);
    if (status.ok()) break;
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace creditshare::testing
