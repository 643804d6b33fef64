// Two server processes behind one database behave as one service: reports through one, queries
// through the other, both sealing the same audit chain. (Reservations racing across two
// processes: ReservationRaceTest.TwoServerProcessesOnOneDatabaseStillNeverExceedTheCap.)
#include <gtest/gtest.h>

#include "audit/audit_chain.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

class ScaleOutTest : public ::testing::Test {
 protected:
  TestService svc;  // server one (in this process)
  std::unique_ptr<ServerProcess> other;  // server two (a separate creditshare-server process)
  int other_port = 0;

  void SetUp() override {
    other = std::make_unique<ServerProcess>(svc.server_config(), svc.pki().dir() / "server-two.log");
    other_port = other->WaitForPort(std::chrono::seconds(20));
    ASSERT_GT(other_port, 0) << other->Log();
  }

  std::unique_ptr<client::Client> ViaOther(const std::string& member) {
    auto [cert, key] = svc.IssueCredentialFiles(member, member + "-two");
    client::ClientOptions o;
    o.target = "127.0.0.1:" + std::to_string(other_port);
    o.ca_file = svc.pki().ca_file();
    o.cert_file = cert;
    o.key_file = key;
    return std::make_unique<client::Client>(o);
  }
};

TEST_F(ScaleOutTest, ReportsThroughOneServerAreSeenThroughTheOther) {
  auto bank_two = ViaOther(TestService::kBankA);
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(bank_two->ReportCreditLine(LineRequest("s-1", "A-1", kBorrower, 5'000'000, 1'000'000), &resp).ok());
  ASSERT_TRUE(bank_two->ReportCreditLine(LineRequest("s-2", "A-2", kBorrower, 2'000'000, 500'000), &resp).ok());
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB)
                  .ReportCreditLine(LineRequest("s-3", "B-1", kBorrower, 3'000'000, 2'900'000), &resp)
                  .ok());
  // A replay through the other server is still a replay.
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                  .ReportCreditLine(LineRequest("s-1", "A-1", kBorrower, 5'000'000, 1'000'000), &resp)
                  .ok());
  EXPECT_EQ(resp.version(), 1);

  auto finance_two = ViaOther(TestService::kFinanceC);
  for (client::Client* c : {finance_two.get(), &svc.ClientFor(TestService::kFinanceC)}) {
    v1::GetBorrowerExposureResponse e;
    ASSERT_TRUE(c->GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
    EXPECT_EQ(e.summary().open_line_count(), 3);
    EXPECT_EQ(e.summary().distinct_lender_count(), 2);
    EXPECT_EQ(e.summary().totals(0).credit_limit_minor(), 10'000'000);
    EXPECT_EQ(e.summary().totals(0).outstanding_balance_minor(), 4'400'000);
  }
  // Both of finance-c's queries, one per server, count as one member inquiring.
  v1::GetBorrowerExposureResponse e;
  ASSERT_TRUE(bank_two->GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
  EXPECT_EQ(e.inquiries().last_7_days(), 1);  // finance-c, once, however many servers it used

  // Both servers append to audit lanes of their own connections, checkpointed into one lane 0;
  // it all verifies as one log.
  storage::ConnectionPool pool(svc.db().config());
  EXPECT_GT(audit::Sealer(pool).Checkpoint(), 1);
  const auto report = audit::VerifyChain(pool);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, svc.db().Count("audit_log"));
  EXPECT_EQ(report.checkpoints, 1);
  EXPECT_EQ(svc.db().Count("(SELECT DISTINCT lane FROM audit_log WHERE lane <> 0) d"), report.lanes - 1);
}

TEST_F(ScaleOutTest, ASuspensionReachesEveryServer) {
  auto bank_two = ViaOther(TestService::kBankA);
  auto& bank_one = svc.ClientFor(TestService::kBankA);  // credentials are issued before the suspension
  v1::GetBorrowerExposureResponse e;
  ASSERT_TRUE(bank_two->GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
  ASSERT_TRUE(bank_one.GetBorrowerExposure(ExposureRequest(kBorrower), &e).ok());
  ASSERT_TRUE(svc.onboarding().SetMemberStatus(TestService::kBankA, domain::MemberStatus::kSuspended).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // both servers cache answers for 200 ms
  EXPECT_EQ(bank_two->GetBorrowerExposure(ExposureRequest(kBorrower), &e).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(bank_one.GetBorrowerExposure(ExposureRequest(kBorrower), &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace creditshare::testing
