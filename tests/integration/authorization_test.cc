// Who may call what: the role x method matrix over real mTLS, object-level ownership of lines,
// purpose rules, and revocation/suspension taking effect on a running server.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "requests.h"
#include "storage/credential_repository.h"
#include "storage/member_repository.h"
#include "storage/transaction.h"

#include <fstream>

namespace creditshare::testing {
namespace {

using grpc::StatusCode;

// Waits out the server's authentication cache (200 ms in tests).
void WaitForAuthCache() { std::this_thread::sleep_for(std::chrono::milliseconds(350)); }

enum class Identity {
  kBank,
  kConsumerFinance,
  kMicroLender,
  kRegulator,
  kSuspendedMember,
  kRevokedCredential,
  kExpiredCertificate,
  kExpiredByServiceClock,
  kForeignCa,
  kUnregisteredCertificate,
};

struct MatrixRow {
  Identity identity;
  const char* name;
  StatusCode report;
  StatusCode exposure;
};

void PrintTo(const MatrixRow& row, std::ostream* os) { *os << row.name; }

class RoleMatrixTest : public ::testing::TestWithParam<MatrixRow> {
 protected:
  TestService svc;

  // A client presenting the row's identity, set up through the same paths operators use.
  std::unique_ptr<client::Client> ClientAs(Identity identity) {
    auto issue = [&](const std::string& code) {
      auto [cert, key] = svc.IssueCredentialFiles(code, code + "-matrix");
      return svc.ClientWithFiles(cert, key);
    };
    switch (identity) {
      case Identity::kBank: return issue(TestService::kBankA);
      case Identity::kConsumerFinance: return issue(TestService::kFinanceC);
      case Identity::kMicroLender: return issue(TestService::kMicroB);
      case Identity::kRegulator: return issue(TestService::kRegulator);
      case Identity::kSuspendedMember: {
        auto c = issue(TestService::kBankA);
        EXPECT_TRUE(svc.onboarding().SetMemberStatus(TestService::kBankA, domain::MemberStatus::kSuspended).ok());
        return c;
      }
      case Identity::kRevokedCredential: {
        auto issued = svc.onboarding().IssueCredential(TestService::kBankA, svc.pki().ca(), std::chrono::hours(24));
        EXPECT_TRUE(issued.ok());
        EXPECT_TRUE(svc.onboarding().RevokeCredential(issued.value().record.serial_hex, "test").ok());
        return WithFiles("revoked", issued.value().credential);
      }
      case Identity::kExpiredCertificate: {
        // Registered, but its validity ended yesterday: the TLS handshake itself refuses it.
        security::CertificateSpec spec;
        spec.common_name = TestService::kBankA;
        spec.not_before_offset = std::chrono::hours(-72);
        spec.validity = std::chrono::hours(48);
        const auto cred = security::IssueCertificate(svc.pki().ca(), spec);
        Register(cred);
        return WithFiles("expired", cred);
      }
      case Identity::kExpiredByServiceClock: {
        // Valid for TLS now, but the service clock says it has expired. The credential's validity
        // starts at the real date, not the test clock's, so the service clock is set from the former.
        auto c = issue(TestService::kBankA);
        svc.clock().Set(std::chrono::system_clock::now() + std::chrono::hours(24 * 31));
        return c;
      }
      case Identity::kForeignCa: {
        security::CertificateSpec ca_spec;
        ca_spec.usage = security::CertificateSpec::Usage::kCertificateAuthority;
        ca_spec.common_name = "foreign CA";
        const auto foreign = security::CreateCertificateAuthority(ca_spec);
        auto [cert, key] = svc.pki().WriteClient("foreign", TestService::kBankA, foreign);
        return svc.ClientWithFiles(cert, key);
      }
      case Identity::kUnregisteredCertificate: {
        auto [cert, key] = svc.pki().WriteClient("unregistered", TestService::kBankA, svc.pki().ca());
        return svc.ClientWithFiles(cert, key);
      }
    }
    return nullptr;
  }

  std::unique_ptr<client::Client> WithFiles(const std::string& stem, const security::Credential& cred) {
    const auto cert = svc.pki().dir() / (stem + ".crt");
    const auto key = svc.pki().dir() / (stem + ".key");
    std::ofstream(cert) << cred.cert_pem;
    std::ofstream(key) << cred.key_pem;
    return svc.ClientWithFiles(cert.string(), key.string());
  }

  void Register(const security::Credential& cred) {
    storage::ConnectionPool pool(svc.db().config());
    storage::WithConnection(pool, [&](storage::Connection& conn) {
      auto member = storage::MemberRepository::Lookup(conn, TestService::kBankA, storage::MemberRepository::RowLock::kNone);
      storage::CredentialRecord r;
      r.member_id = member->id;
      r.serial_hex = cred.serial_hex;
      r.fingerprint_sha256 = cred.sha256_fingerprint_hex;
      r.not_after = cred.not_after;
      r.issued_by = "test";
      storage::CredentialRepository::Insert(conn, r);
      return 0;
    });
  }
};

TEST_P(RoleMatrixTest, EachMethodAnswersWithTheExpectedStatus) {
  const auto& row = GetParam();
  auto client = ClientAs(row.identity);
  const auto lines_before = svc.db().Count("credit_lines");

  v1::ReportCreditLineResponse report;
  EXPECT_EQ(client->ReportCreditLine(LineRequest("m-1", "M-1", kBorrower, 100, 0), &report).error_code(), row.report)
      << "ReportCreditLine";
  v1::GetBorrowerExposureResponse exposure;
  EXPECT_EQ(client->GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).error_code(), row.exposure)
      << "GetBorrowerExposure";
  if (row.report != StatusCode::OK) {
    EXPECT_EQ(svc.db().Count("credit_lines"), lines_before);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, RoleMatrixTest,
    ::testing::Values(
        MatrixRow{Identity::kBank, "Bank", StatusCode::OK, StatusCode::OK},
        MatrixRow{Identity::kConsumerFinance, "ConsumerFinance", StatusCode::OK, StatusCode::OK},
        MatrixRow{Identity::kMicroLender, "MicroLender", StatusCode::OK, StatusCode::OK},
        MatrixRow{Identity::kRegulator, "Regulator", StatusCode::PERMISSION_DENIED, StatusCode::PERMISSION_DENIED},
        MatrixRow{Identity::kSuspendedMember, "SuspendedMember", StatusCode::PERMISSION_DENIED,
                  StatusCode::PERMISSION_DENIED},
        MatrixRow{Identity::kRevokedCredential, "RevokedCredential", StatusCode::UNAUTHENTICATED,
                  StatusCode::UNAUTHENTICATED},
        MatrixRow{Identity::kExpiredCertificate, "ExpiredCertificate", StatusCode::UNAVAILABLE, StatusCode::UNAVAILABLE},
        MatrixRow{Identity::kExpiredByServiceClock, "ExpiredByServiceClock", StatusCode::UNAUTHENTICATED,
                  StatusCode::UNAUTHENTICATED},
        MatrixRow{Identity::kForeignCa, "ForeignCa", StatusCode::UNAVAILABLE, StatusCode::UNAVAILABLE},
        MatrixRow{Identity::kUnregisteredCertificate, "UnregisteredCertificate", StatusCode::UNAUTHENTICATED,
                  StatusCode::UNAUTHENTICATED}),
    [](const ::testing::TestParamInfo<MatrixRow>& param_info) { return std::string(param_info.param.name); });

class AuthorizationTest : public ::testing::Test {
 protected:
  TestService svc;
};

TEST_F(AuthorizationTest, MemberCannotTouchAnotherMembersLine) {
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ReportCreditLine(LineRequest("b-1", "SHARED-REF", kBorrower, 500, 100), &resp).ok());
  const auto b_row = [&] {
    std::vector<std::string> rows;
    for (const auto& r : svc.db().DumpAllTables())
      if (r.rfind("credit_lines|", 0) == 0 && r.find("|SHARED-REF|") != std::string::npos) rows.push_back(r);
    return rows;
  };
  const auto before = b_row();
  ASSERT_EQ(before.size(), 1u);

  // A reports with B's account reference and B's borrower: it can only ever address its own line.
  auto attempt = LineRequest("a-1", "SHARED-REF", kBorrower, 999'999, 999'999);
  attempt.mutable_line()->set_status(v1::LINE_STATUS_CLOSED);
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReportCreditLine(attempt, &resp).ok());
  EXPECT_EQ(resp.outcome(), v1::REPORT_OUTCOME_CREATED);
  auto after = b_row();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NE(std::find(after.begin(), after.end(), before[0]), after.end()) << "B's line changed";

  v1::GetBorrowerExposureResponse b_view;
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).GetBorrowerExposure(ExposureRequest(kBorrower), &b_view).ok());
  ASSERT_EQ(b_view.lines(0).account_reference(), "SHARED-REF");
  EXPECT_TRUE(b_view.lines(0).own_line());
  EXPECT_EQ(b_view.lines(0).credit_limit_minor(), 500);
  EXPECT_EQ(b_view.lines(0).status(), v1::LINE_STATUS_OPEN);
}

TEST_F(AuthorizationTest, PostLoanManagementNeedsALineWithTheBorrower) {
  v1::ReportCreditLineResponse report;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReportCreditLine(LineRequest("a-1", "A-1", kBorrower, 100, 0), &report).ok());
  v1::GetBorrowerExposureResponse exposure;
  EXPECT_TRUE(svc.ClientFor(TestService::kBankA)
                  .GetBorrowerExposure(ExposureRequest(kBorrower, v1::PURPOSE_POST_LOAN_MANAGEMENT), &exposure)
                  .ok());
  const auto st = svc.ClientFor(TestService::kFinanceC)
                      .GetBorrowerExposure(ExposureRequest(kBorrower, v1::PURPOSE_POST_LOAN_MANAGEMENT), &exposure);
  EXPECT_EQ(st.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(st.error_message(), "purpose: post_loan_management needs a credit line of yours with this borrower");
  for (auto purpose : {v1::PURPOSE_LOAN_APPROVAL, v1::PURPOSE_CREDIT_CARD_APPROVAL, v1::PURPOSE_GUARANTEE_REVIEW,
                       v1::PURPOSE_SELF_QUERY})
    EXPECT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kBorrower, purpose), &exposure).ok());
}

TEST_F(AuthorizationTest, RevocationTakesEffectWithoutRestartAndANewCredentialWorks) {
  auto [cert, key] = svc.IssueCredentialFiles(TestService::kBankA, "bank-a-old");
  auto old_client = svc.ClientWithFiles(cert, key);
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(old_client->GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());

  std::ifstream cert_file(cert);
  const auto fingerprint =
      security::CertificateFingerprint(std::string(std::istreambuf_iterator<char>(cert_file), {}));
  ASSERT_TRUE(svc.onboarding().RevokeCredential(fingerprint, "key leaked").ok());
  WaitForAuthCache();
  EXPECT_EQ(old_client->GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).error_code(),
            StatusCode::UNAUTHENTICATED);

  auto [new_cert, new_key] = svc.IssueCredentialFiles(TestService::kBankA, "bank-a-new");
  EXPECT_TRUE(svc.ClientWithFiles(new_cert, new_key)->GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
}

TEST_F(AuthorizationTest, SuspensionAndResumptionTakeEffectWithoutRestart) {
  auto& bank = svc.ClientFor(TestService::kBankA);
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  ASSERT_TRUE(svc.onboarding().SetMemberStatus(TestService::kBankA, domain::MemberStatus::kSuspended).ok());
  WaitForAuthCache();
  EXPECT_EQ(bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).error_code(), StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(svc.onboarding().SetMemberStatus(TestService::kBankA, domain::MemberStatus::kActive).ok());
  WaitForAuthCache();
  EXPECT_TRUE(bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
}

}  // namespace
}  // namespace creditshare::testing
