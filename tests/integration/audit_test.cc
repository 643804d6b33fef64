// The audit log: one record per call (accepted or refused), records of changes only when the
// change commits, a hash chain that verifies and breaks at the exact record edited, exports.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/audit_chain.h"
#include "harness.h"
#include "requests.h"
#include "storage/audit_repository.h"
#include "storage/transaction.h"

namespace creditshare::testing {
namespace {

struct Row {
  std::string principal, method, consent;
  int code = 0, purpose = 0;
  std::size_t borrower_key_size = 0;
  std::string fingerprint;
};

class AuditTest : public ::testing::Test {
 protected:
  TestService svc;

  // Call records (operator actions excluded), oldest first.
  std::vector<Row> CallRecords() {
    std::unique_ptr<sql::ResultSet> rs(
        svc.db()
            .conn()
            .Prepare("SELECT principal, method, consent_reference, result_code, purpose, LENGTH(borrower_key), "
                     "cert_fingerprint FROM audit_log WHERE method NOT LIKE 'admin.%' ORDER BY id")
            .executeQuery());
    std::vector<Row> rows;
    while (rs->next())
      rows.push_back({rs->getString(1), rs->getString(2), rs->getString(3), rs->getInt(4), rs->getInt(5),
                      static_cast<std::size_t>(rs->getInt(6)), rs->getString(7)});
    return rows;
  }

  ProcessResult Admin(std::vector<std::string> args) {
    args.insert(args.begin(), CREDITSHARE_ADMIN_BINARY);
    return RunProcess(args, DatabaseEnv(svc.db().config(), svc.pki().dir()));
  }

  // Five calls, three of them refused.
  void Scenario() {
    auto& bank = svc.ClientFor(TestService::kBankA);
    auto& regulator = svc.ClientFor(TestService::kRegulator);
    auto [cert, key] = svc.pki().WriteClient("unregistered", TestService::kBankA, svc.pki().ca());
    auto stranger = svc.ClientWithFiles(cert, key);
    v1::ReportCreditLineResponse report;
    v1::GetBorrowerExposureResponse exposure;
    ASSERT_TRUE(bank.ReportCreditLine(LineRequest("a-1", "A-1", kBorrower, 100, 0), &report).ok());
    ASSERT_TRUE(bank.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
    ASSERT_FALSE(bank.ReportCreditLine(LineRequest("", "A-2", kBorrower, 100, 0), &report).ok());
    ASSERT_FALSE(regulator.GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
    ASSERT_FALSE(stranger->GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  }
};

TEST_F(AuditTest, EveryCallLeavesExactlyOneRecordIncludingRefusedOnes) {
  Scenario();
  const auto rows = CallRecords();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].method, "ReportCreditLine");
  EXPECT_EQ(rows[0].code, 0);
  EXPECT_EQ(rows[0].principal, TestService::kBankA);
  EXPECT_EQ(rows[0].borrower_key_size, 32u);

  EXPECT_EQ(rows[1].method, "GetBorrowerExposure");
  EXPECT_EQ(rows[1].code, 0);
  EXPECT_EQ(rows[1].purpose, 1);
  EXPECT_EQ(rows[1].consent, "CONSENT-001");
  EXPECT_EQ(rows[1].borrower_key_size, 32u);

  EXPECT_EQ(rows[2].code, static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(rows[3].code, static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_EQ(rows[3].principal, TestService::kRegulator);
  // Refused by role before the request is read: the borrower's ID is not even hashed for it.
  EXPECT_EQ(rows[3].borrower_key_size, 0u);
  EXPECT_EQ(rows[4].code, static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(rows[4].principal, "-");
  EXPECT_EQ(rows[4].fingerprint.size(), 64u);  // the presented certificate identifies the caller
  for (const auto& r : rows) EXPECT_FALSE(r.fingerprint.empty());
}

TEST_F(AuditTest, OperatorActionsAreInTheLogToo) {
  std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare(
      "SELECT COUNT(*) FROM audit_log WHERE method = 'admin.member.create' AND principal = 'test-operator'").executeQuery());
  rs->next();
  EXPECT_EQ(rs->getInt(1), 4);
}

TEST_F(AuditTest, RefusedChangeIsRecordedAsRefusedAndNeverAsDone) {
  auto& bank = svc.ClientFor(TestService::kBankA);
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(bank.ReportCreditLine(LineRequest("a-1", "A-1", kBorrower, 100, 0), &resp).ok());
  // The account reference belongs to another borrower: the transaction rolls back.
  ASSERT_EQ(bank.ReportCreditLine(LineRequest("a-2", "A-1", kOtherBorrower, 100, 0), &resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  const auto rows = CallRecords();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].code, 0);
  EXPECT_EQ(rows[1].code, static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(AuditTest, RolledBackTransactionLeavesNoRecord) {
  storage::ConnectionPool pool(svc.db().config());
  const long before = svc.db().Count("audit_log");
  auto result = storage::RunTransaction(pool, [](storage::Connection& conn) -> domain::Result<int> {
    domain::AuditEvent e;
    e.method = "ReportCreditLine";
    e.request_id = "rolled-back";
    storage::AuditRepository::Insert(conn, e);
    return domain::Error::InvalidArgument("x", "abandoned");
  });
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(svc.db().Count("audit_log"), before);
}

TEST_F(AuditTest, ChainVerifiesAndBreaksAtTheEditedRecord) {
  Scenario();
  storage::ConnectionPool pool(svc.db().config());
  audit::Sealer(pool).SealAll();
  const long total = svc.db().Count("audit_log");
  auto report = audit::VerifyChain(pool);
  EXPECT_FALSE(report.broken_record_id) << report.problem;
  EXPECT_EQ(report.sealed, total);
  const auto ok = Admin({"audit", "verify"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("audit chain intact: " + std::to_string(total) + " sealed records"), std::string::npos);

  // Someone edits a record in the database directly.
  std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare(
      "SELECT id FROM audit_log WHERE method = 'GetBorrowerExposure' ORDER BY id LIMIT 1").executeQuery());
  ASSERT_TRUE(rs->next());
  const auto edited = rs->getUInt64(1);
  svc.db().conn().Execute("UPDATE audit_log SET consent_reference = 'FORGED' WHERE id = " + std::to_string(edited));
  report = audit::VerifyChain(pool);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_EQ(*report.broken_record_id, edited);
  const auto broken = Admin({"audit", "verify"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("audit chain broken at record " + std::to_string(edited) + ":"), std::string::npos)
      << broken.err;
}

TEST_F(AuditTest, ChainDetectsADeletedRecordAndATruncatedEnd) {
  Scenario();
  v1::GetBorrowerExposureResponse exposure;
  for (int i = 0; i < 8; ++i)  // enough records in one lane to delete from its middle and its end
    ASSERT_TRUE(svc.ClientFor(TestService::kBankA).GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  storage::ConnectionPool pool(svc.db().config());
  audit::Sealer(pool).SealAll();
  // The lane with the most records, in chain order.
  std::unique_ptr<sql::ResultSet> lanes(svc.db().conn().Prepare(
      "SELECT lane FROM audit_log GROUP BY lane ORDER BY COUNT(*) DESC LIMIT 1").executeQuery());
  ASSERT_TRUE(lanes->next());
  const std::string lane = std::to_string(lanes->getUInt(1));
  std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare(
      "SELECT id FROM audit_log WHERE lane = " + lane + " ORDER BY chain_seq").executeQuery());
  std::vector<std::uint64_t> ids;
  while (rs->next()) ids.push_back(rs->getUInt64(1));
  ASSERT_GE(ids.size(), 4u);
  svc.db().conn().Execute("DELETE FROM audit_log WHERE id = " + std::to_string(ids.back()));
  auto report = audit::VerifyChain(pool);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_NE(report.problem.find("lane " + lane + ": head"), std::string::npos) << report.problem;
  EXPECT_NE(report.problem.find("records were removed from the end"), std::string::npos) << report.problem;

  svc.db().conn().Execute("DELETE FROM audit_log WHERE id = " + std::to_string(ids[1]));
  report = audit::VerifyChain(pool);
  ASSERT_TRUE(report.broken_record_id);
  EXPECT_EQ(*report.broken_record_id, ids[2]);
  EXPECT_NE(report.problem.find("a record is missing"), std::string::npos) << report.problem;
}

TEST_F(AuditTest, RecordsAreChainedWhenTheyAreWritten) {
  Scenario();
  // No sealer needed: every call's record is hashed in the transaction that wrote it.
  EXPECT_EQ(svc.db().Count("audit_log WHERE hash IS NULL OR chain_seq IS NULL"), 0);
  EXPECT_EQ(svc.db().Count("audit_log WHERE lane = 0"), 0);
}

TEST_F(AuditTest, ExportsByMemberAndByBorrowerForWhoLookedAtMe) {
  Scenario();
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kOtherBorrower), &exposure).ok());

  auto lines = [](const std::string& out) {
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) v.push_back(nlohmann::json::parse(line));
    return v;
  };
  const auto by_member = Admin({"audit", "export", "--member", TestService::kFinanceC, "--output", "json"});
  ASSERT_EQ(by_member.exit_code, 0) << by_member.err;
  EXPECT_EQ(lines(by_member.out).size(), 2u);

  const auto who = Admin({"audit", "export", "--borrower-id", kBorrower, "--hmac-key-file", svc.pki().hmac_key_file(),
                          "--from", "2026-11-23", "--to", "2026-11-23", "--output", "json"});
  ASSERT_EQ(who.exit_code, 0) << who.err;
  std::multiset<std::string> principals;
  for (const auto& j : lines(who.out)) principals.insert(j["principal"].get<std::string>());
  // bank-a reported and queried, finance-c queried; the regulator, refused by role, never got
  // as far as naming a borrower.
  EXPECT_EQ(principals, (std::multiset<std::string>{TestService::kBankA, TestService::kBankA, TestService::kFinanceC}));
  EXPECT_EQ(who.out.find(kBorrower), std::string::npos);

  const auto other_day = Admin({"audit", "export", "--borrower-id", kBorrower, "--hmac-key-file",
                                svc.pki().hmac_key_file(), "--from", "2026-11-24", "--output", "json"});
  EXPECT_TRUE(lines(other_day.out).empty());
}

}  // namespace
}  // namespace creditshare::testing
