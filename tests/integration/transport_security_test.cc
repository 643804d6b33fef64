// Transport security: only clients presenting a certificate from the member CA, for a known and
// active member, get through; anything else fails and writes nothing.
#include <gtest/gtest.h>

#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

class TransportSecurityTest : public ::testing::Test {
 protected:
  TestService svc;

  grpc::Status ReportWith(const std::shared_ptr<grpc::ChannelCredentials>& creds) {
    grpc::ChannelArguments args;
    auto channel = grpc::CreateCustomChannel(svc.target(), creds, args);
    auto stub = v1::ReportingService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::ReportCreditLineResponse resp;
    return stub->ReportCreditLine(&ctx, LineRequest("t-1", "L-1", kBorrower, 100, 0), &resp);
  }
};

TEST_F(TransportSecurityTest, ClientWithoutCertificateIsRefusedAndNothingIsWritten) {
  const auto before = svc.db().DumpAllTables();
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = svc.pki().ca().cert_pem;
  const auto st = ReportWith(grpc::SslCredentials(tls));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);  // the TLS handshake fails
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(TransportSecurityTest, CertificateFromAnotherCaIsRefusedAndNothingIsWritten) {
  security::CertificateSpec ca_spec;
  ca_spec.usage = security::CertificateSpec::Usage::kCertificateAuthority;
  ca_spec.common_name = "rogue CA";
  const auto rogue = security::CreateCertificateAuthority(ca_spec);
  const auto [cert, key] = svc.pki().WriteClient("rogue-bank-a", TestService::kBankA, rogue);
  const auto before = svc.db().DumpAllTables();
  v1::ReportCreditLineResponse resp;
  const auto st = svc.ClientWithFiles(cert, key)->ReportCreditLine(LineRequest("t-1", "L-1", kBorrower, 100, 0), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(TransportSecurityTest, PlaintextClientIsRefused) {
  EXPECT_EQ(ReportWith(grpc::InsecureChannelCredentials()).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportSecurityTest, CertificateFromTheCaThatWasNeverRegisteredIsUnauthenticated) {
  // Signed by the right CA with a real member's name, but not issued through onboarding.
  const auto [cert, key] = svc.pki().WriteClient("unregistered", TestService::kBankA, svc.pki().ca());
  const auto before = svc.db().DumpAllTables();
  v1::ReportCreditLineResponse resp;
  const auto st = svc.ClientWithFiles(cert, key)->ReportCreditLine(LineRequest("t-1", "L-1", kBorrower, 100, 0), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(TransportSecurityTest, RegulatorMayNotReportOrQueryBorrowers) {
  auto& regulator = svc.ClientFor(TestService::kRegulator);
  v1::ReportCreditLineResponse report;
  EXPECT_EQ(regulator.ReportCreditLine(LineRequest("t-1", "L-1", kBorrower, 100, 0), &report).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetBorrowerExposureResponse exposure;
  EXPECT_EQ(regulator.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(svc.db().Count("credit_lines"), 0);
}

TEST_F(TransportSecurityTest, EveryLenderTypeMayReportAndQuery) {
  for (const char* m : {TestService::kBankA, TestService::kMicroB, TestService::kFinanceC}) {
    v1::ReportCreditLineResponse report;
    EXPECT_TRUE(svc.ClientFor(m).ReportCreditLine(LineRequest("t-1", "L-1", kBorrower, 100, 0), &report).ok()) << m;
    v1::GetBorrowerExposureResponse exposure;
    EXPECT_TRUE(svc.ClientFor(m).GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok()) << m;
  }
}

}  // namespace
}  // namespace creditshare::testing
