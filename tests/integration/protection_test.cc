// Borrower protections (docs/api.md, "Borrower protections"), set by an operator on the
// borrower's verified request: the statement and the fraud alert shown in every exposure and
// check, the fraud-alert signal and its expiry on the right day, a freeze that refuses new
// members and answers holders, lifted at once, access notices by cursor, and the borrower's own
// report compared with what was reported and rendered to a page.
#include <gtest/gtest.h>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "admin/borrowers.h"
#include "domain/alert.h"
#include "harness.h"
#include "requests.h"
#include "security/borrower_keyer.h"
#include "storage/protection_repository.h"
#include "storage/retention_repository.h"

namespace creditshare::testing {
namespace {

namespace fs = std::filesystem;
using grpc::StatusCode;

const std::string kStatement = "本人从未在任何小贷公司申请贷款 (I never applied at any micro-lender).";

class ProtectionTest : public ::testing::Test {
 protected:
  TestService svc;
  std::unique_ptr<storage::ConnectionPool> pool = std::make_unique<storage::ConnectionPool>(svc.server_config().db);
  security::BorrowerKeyer keyer = security::BorrowerKeyer::FromFile(svc.pki().hmac_key_file());
  domain::ResidentId id = domain::ResidentId::Parse(kBorrower, {2026, 11, 23}, "id").value();

  domain::Protections Protect(const admin::ProtectionChange& change) {
    return admin::Protect(*pool, keyer, "operator-test", id, change, svc.clock().NowMicros());
  }
  static admin::ProtectionChange Change(const std::string& reference) {
    admin::ProtectionChange c;
    c.reference = reference;
    return c;
  }
  grpc::Status Exposure(const char* member, v1::GetBorrowerExposureResponse* out,
                        v1::Purpose purpose = v1::PURPOSE_LOAN_APPROVAL) {
    return svc.ClientFor(member).GetBorrowerExposure(ExposureRequest(kBorrower, purpose), out);
  }
  grpc::Status Check(const char* member, v1::CheckNewCreditResponse* out) {
    return svc.ClientFor(member).CheckNewCredit(CheckRequest(kBorrower, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 100'000), out);
  }
  void Report(const char* member, const std::string& request_id, const std::string& account, long limit, long balance) {
    v1::ReportCreditLineResponse out;
    const auto st = svc.ClientFor(member).ReportCreditLine(LineRequest(request_id, account, kBorrower, limit, balance), &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  static bool HasSignal(const v1::CheckNewCreditResponse& r, v1::SignalCode code) {
    for (const auto& s : r.signals())
      if (s.code() == code) return true;
    return false;
  }
};

TEST_F(ProtectionTest, TheStatementAndFraudAlertAreShownInEveryExposureAndCheckUntilTheAlertExpires) {
  Report(TestService::kBankA, "a-1", "A-1", 500'000, 1'000);
  auto change = Change("REQ-2026-001");
  change.statement = kStatement;
  change.fraud_alert = domain::FraudAlertKind::kInitial;
  const auto placed = Protect(change);
  EXPECT_EQ(placed.fraud_alert_until, (domain::Date{2027, 11, 22}));  // placed 2026-11-23: one year

  for (const char* member : {TestService::kBankA, TestService::kMicroB, TestService::kFinanceC}) {
    v1::GetBorrowerExposureResponse exposure;
    ASSERT_TRUE(Exposure(member, &exposure).ok()) << member;
    EXPECT_EQ(exposure.protections().statement(), kStatement) << member;
    EXPECT_EQ(exposure.protections().fraud_alert().kind(), v1::FRAUD_ALERT_KIND_INITIAL);
    EXPECT_EQ(exposure.protections().fraud_alert().until().year(), 2027);
    EXPECT_EQ(exposure.protections().fraud_alert().until().month(), 11);
    EXPECT_EQ(exposure.protections().fraud_alert().until().day(), 22);
    EXPECT_FALSE(exposure.protections().frozen());
    v1::CheckNewCreditResponse check;
    ASSERT_TRUE(Check(member, &check).ok()) << member;
    EXPECT_EQ(check.protections().statement(), kStatement);
    EXPECT_TRUE(HasSignal(check, v1::SIGNAL_CODE_FRAUD_ALERT)) << member;
  }

  // The last day it is in force, then the day after (business dates, China time).
  svc.clock().Set(svc.clock().Now() + std::chrono::hours(24) * 364);
  v1::CheckNewCreditResponse check;
  ASSERT_TRUE(Check(TestService::kFinanceC, &check).ok());
  EXPECT_TRUE(HasSignal(check, v1::SIGNAL_CODE_FRAUD_ALERT));
  svc.clock().Advance(std::chrono::hours(24));
  ASSERT_TRUE(Check(TestService::kFinanceC, &check).ok());
  EXPECT_FALSE(HasSignal(check, v1::SIGNAL_CODE_FRAUD_ALERT));
  EXPECT_FALSE(check.protections().has_fraud_alert());
  EXPECT_EQ(check.protections().statement(), kStatement);  // the statement stays until cleared

  // Cleared: the borrower has no protections left to show.
  auto clear = Change("REQ-2026-002");
  clear.statement = "";
  Protect(clear);
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(Exposure(TestService::kBankA, &exposure).ok());
  EXPECT_FALSE(exposure.has_protections());

  // The operator's CLI: the ID from a file (kept out of the process list), the change recorded.
  const fs::path id_file = fs::path(svc.pki().dir()) / "borrower.id";
  std::ofstream(id_file) << kBorrower << "\n";
  auto env = DatabaseEnv(svc.db().config(), svc.pki().dir());
  env.push_back("CREDITSHARE_ADMIN_ACTOR=alice@ops");
  const auto frozen = RunProcess({CREDITSHARE_ADMIN_BINARY, "borrower", "protect", "--resident-id-file", id_file.string(),
                                  "--hmac-key-file", svc.pki().hmac_key_file(), "--reference", "REQ-CLI-1", "--freeze",
                                  "on", "--output", "json"},
                                 env);
  ASSERT_EQ(frozen.exit_code, 0) << frozen.err;
  EXPECT_NE(frozen.out.find("\"frozen\":true"), std::string::npos) << frozen.out;
  const auto both = RunProcess({CREDITSHARE_ADMIN_BINARY, "borrower", "show", "--resident-id", kBorrower,
                                "--resident-id-file", id_file.string(), "--hmac-key-file", svc.pki().hmac_key_file()},
                               env);
  EXPECT_NE(both.exit_code, 0);  // one or the other
  const auto bad = RunProcess({CREDITSHARE_ADMIN_BINARY, "borrower", "protect", "--resident-id", kBorrower,
                               "--hmac-key-file", svc.pki().hmac_key_file(), "--reference", "REQ-CLI-2", "--statement",
                               std::string(201, 'x')},
                              env);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--statement"), std::string::npos) << bad.err;

  // Audited, with the operator's reference and never the ID.
  EXPECT_EQ(svc.db().Count("admin_actions WHERE action = 'borrower.protect' AND detail LIKE 'reference=REQ-2026-001;%'"), 1);
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'admin.borrower.protect'"), 3);
  for (const auto& row : svc.db().DumpAllTables(true)) ASSERT_EQ(row.find(kBorrower), std::string::npos) << row;
}

TEST_F(ProtectionTest, AFreezeRefusesNewMembersAnswersHoldersAndLiftsAtOnce) {
  Report(TestService::kBankA, "a-1", "A-1", 500'000, 1'000);
  auto freeze = Change("REQ-FREEZE-1");
  freeze.frozen = true;
  Protect(freeze);

  // A member with no relationship: every application purpose refused, naming the freeze.
  v1::GetBorrowerExposureResponse exposure;
  for (const auto purpose : {v1::PURPOSE_LOAN_APPROVAL, v1::PURPOSE_CREDIT_CARD_APPROVAL, v1::PURPOSE_GUARANTEE_REVIEW}) {
    const auto st = Exposure(TestService::kFinanceC, &exposure, purpose);
    EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION) << purpose;
    EXPECT_NE(st.error_message().find("frozen"), std::string::npos) << st.error_message();
  }
  v1::CheckNewCreditResponse check;
  EXPECT_EQ(Check(TestService::kFinanceC, &check).error_code(), StatusCode::FAILED_PRECONDITION);
  v1::ReserveCreditResponse reserved;
  EXPECT_EQ(svc.ClientFor(TestService::kFinanceC).ReserveCredit(ReserveRequest("r-1", kBorrower, 10'000), &reserved).error_code(),
            StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(svc.db().Count("reservations"), 0);
  // Each refusal audited; none recorded as an inquiry.
  EXPECT_EQ(svc.db().Count("audit_log WHERE principal = 'finance-c' AND result_code = 9"), 5);
  EXPECT_EQ(svc.db().Count("inquiries WHERE member_id = (SELECT id FROM members WHERE code = 'finance-c')"), 0);
  // Each refused attempt tells the borrower: someone without a relationship tried (member type only).
  EXPECT_EQ(svc.db().Count("access_notices WHERE refused AND member_type = 2"), 4);  // consumer finance

  // The holder goes on: post-loan management and a new application of its own.
  ASSERT_TRUE(Exposure(TestService::kBankA, &exposure, v1::PURPOSE_POST_LOAN_MANAGEMENT).ok());
  EXPECT_TRUE(exposure.protections().frozen());
  ASSERT_TRUE(Check(TestService::kBankA, &check).ok());
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(ReserveRequest("r-2", kBorrower, 10'000), &reserved).ok());

  // Lifted: the very next call is answered.
  auto lift = Change("REQ-FREEZE-2");
  lift.frozen = false;
  Protect(lift);
  ASSERT_TRUE(Exposure(TestService::kFinanceC, &exposure).ok());
  EXPECT_FALSE(exposure.has_protections());

  // A freeze can come before any credit: the person had no record yet.
  const auto newcomer = domain::ResidentId::Parse(kOtherBorrower, {2026, 11, 23}, "id").value();
  auto early = Change("REQ-FREEZE-3");
  early.frozen = true;
  admin::Protect(*pool, keyer, "operator-test", newcomer, early, svc.clock().NowMicros());
  const auto st = svc.ClientFor(TestService::kMicroB).GetBorrowerExposure(ExposureRequest(kOtherBorrower), &exposure);
  EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION);
}

TEST_F(ProtectionTest, EveryInquiryOnASubscribedBorrowerLeavesANoticeReadByCursor) {
  Report(TestService::kBankA, "a-1", "A-1", 500'000, 1'000);
  storage::ProtectionRepository repo(*pool);
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(Exposure(TestService::kMicroB, &exposure).ok());
  EXPECT_TRUE(repo.NoticesAfter(0, 0, 100).empty());  // not subscribed: no notice

  auto subscribe = Change("NOTIFY-77");
  subscribe.notices = true;
  Protect(subscribe);
  ASSERT_TRUE(Exposure(TestService::kMicroB, &exposure).ok());
  ASSERT_TRUE(Exposure(TestService::kBankA, &exposure, v1::PURPOSE_POST_LOAN_MANAGEMENT).ok());
  v1::CheckNewCreditResponse check;
  ASSERT_TRUE(Check(TestService::kFinanceC, &check).ok());
  const auto notices = repo.NoticesAfter(0, 0, 100);
  ASSERT_EQ(notices.size(), 3u);
  EXPECT_EQ(notices[0].member_type, domain::MemberType::kMicroLender);
  EXPECT_EQ(notices[0].purpose, domain::Purpose::kLoanApproval);
  EXPECT_EQ(notices[1].member_type, domain::MemberType::kBank);
  EXPECT_EQ(notices[1].purpose, domain::Purpose::kPostLoanManagement);
  EXPECT_EQ(notices[2].member_type, domain::MemberType::kConsumerFinance);
  for (const auto& n : notices) EXPECT_EQ(n.reference, "NOTIFY-77");
  // The cursor: only what came after.
  ASSERT_TRUE(Exposure(TestService::kMicroB, &exposure).ok());
  const auto next = repo.NoticesAfter(notices.back().id, 0, 100);
  ASSERT_EQ(next.size(), 1u);
  // A reader that stays behind the newest never steps past an unsettled notice.
  EXPECT_TRUE(repo.NoticesAfter(notices.back().id, 3600, 100).empty());
  // No member, no contact data: the notice names only the member type, the purpose and the time.
  EXPECT_EQ(svc.db().Count("access_notices"), 4);
  // Purged after their retention: three are back-dated past it, the newest stays.
  svc.db().conn().Execute("UPDATE access_notices SET at_us = at_us - 91 * 86400000000 WHERE id <= " +
                          std::to_string(notices.back().id));
  storage::RetentionRepository retention(*pool);
  EXPECT_EQ(retention.PurgeNotices(domain::AlertRetentionCutoff(svc.clock().NowMicros(), domain::kDefaultNoticeRetentionDays)),
            3);
  EXPECT_EQ(svc.db().Count("access_notices"), 1);
}

TEST_F(ProtectionTest, TheBorrowersOwnReportShowsEveryLineLenderDisputeAndInquiryAndRendersToAPage) {
  Report(TestService::kBankA, "a-1", "TJB-0001", 5'000'000, 1'234'567);
  Report(TestService::kMicroB, "b-1", "WL-9", 300'000, 0);
  Report(TestService::kFinanceC, "c-1", "BH-CARD", 2'000'000, 50'000);
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(Exposure(TestService::kFinanceC, &exposure).ok());
  std::string micro_line;
  for (const auto& l : exposure.lines())
    if (l.lender_type() == v1::MEMBER_TYPE_MICRO_LENDER) micro_line = l.line_id();
  v1::FileDisputeRequest file;
  file.set_request_id("d-1");
  file.set_resident_id(kBorrower);
  file.set_line_id(micro_line);
  file.set_reason("I never took this loan");
  v1::FileDisputeResponse filed;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).FileDispute(file, &filed).ok());
  ASSERT_TRUE(Exposure(TestService::kMicroB, &exposure).ok());
  auto change = Change("REQ-REPORT-1");
  change.statement = "Please call me before any new credit.";
  Protect(change);

  const auto report = admin::BuildBorrowerReport(*pool, keyer, id, svc.clock().NowMicros());
  const auto json = admin::ReportJson(report);
  ASSERT_EQ(json["lines"].size(), 3u);
  std::map<std::string, nlohmann::json> by_account;
  for (const auto& l : json["lines"]) by_account[l["account_reference"]] = l;
  // Field by field against what each member reported, the lender named.
  const auto& tjb = by_account.at("TJB-0001");
  EXPECT_EQ(tjb["lender_code"], "bank-a");
  EXPECT_EQ(tjb["lender_type"], "bank");
  EXPECT_EQ(tjb["credit_limit_minor"], 5'000'000);
  EXPECT_EQ(tjb["outstanding_balance_minor"], 1'234'567);
  EXPECT_EQ(tjb["currency"], "CNY");
  EXPECT_EQ(tjb["product_type"], "online_micro_loan");
  EXPECT_EQ(tjb["status"], "open");
  EXPECT_EQ(tjb["opened_date"], "2026-01-15");
  EXPECT_EQ(tjb["as_of_date"], "2026-10-31");
  ASSERT_EQ(tjb["history"].size(), 1u);
  EXPECT_EQ(tjb["history"][0]["month"], "2026-10");
  EXPECT_EQ(tjb["history"][0]["code"], "N");
  EXPECT_EQ(by_account.at("WL-9")["lender_code"], "micro-b");
  EXPECT_EQ(by_account.at("WL-9")["disputed"], true);
  EXPECT_EQ(by_account.at("BH-CARD")["outstanding_balance_minor"], 50'000);
  ASSERT_EQ(json["disputes"].size(), 1u);
  EXPECT_EQ(json["disputes"][0]["account_reference"], "WL-9");
  EXPECT_EQ(json["disputes"][0]["status"], "open");
  EXPECT_EQ(json["disputes"][0]["reason"], "I never took this loan");
  EXPECT_EQ(json["protections"]["statement"], "Please call me before any new credit.");
  ASSERT_EQ(json["inquiries"].size(), 2u);  // the two exposures; reports and disputes are no inquiries
  EXPECT_EQ(json["inquiries"][0]["member_type"], "consumer_finance");
  EXPECT_EQ(json["inquiries"][0]["purpose"], "loan_approval");
  EXPECT_EQ(json["inquiries"][1]["member_type"], "micro_lender");
  EXPECT_EQ(json["borrower"]["region_code"], "120101");
  EXPECT_EQ(json.dump().find(kBorrower), std::string::npos);  // the ID itself never appears

  // The printable page, rendered by a browser to PDF, and read back.
  const fs::path dir = fs::temp_directory_path() / ("creditshare-report-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "report.html") << admin::ReportHtml(report);
  const auto pdf = RunProcess({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                               "--no-pdf-header-footer", "--print-to-pdf=" + (dir / "report.pdf").string(),
                               "file://" + (dir / "report.html").string()});
  ASSERT_TRUE(fs::exists(dir / "report.pdf")) << "chromium (scripts/bootstrap.sh installs it): " << pdf.err;
  const auto text = RunProcess({"/usr/bin/pdftotext", (dir / "report.pdf").string(), "-"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::string words;  // table cells wrap: compare with runs of white space as one space
  for (const char c : text.out)
    if (!std::isspace(static_cast<unsigned char>(c)))
      words += c;
    else if (!words.empty() && words.back() != ' ')
      words += ' ';
  for (const std::string expected : {"Personal credit report", "TJB-0001", "WL-9", "BH-CARD", "Test member bank-a",
                                     "Test member micro-b", "Test member finance-c", "12345.67 CNY", "under dispute", "I never took this loan",
                                     "Please call me before any new credit.", "loan_approval"})
    EXPECT_NE(words.find(expected), std::string::npos) << expected << " missing from the rendered page:\n" << text.out;
  const auto png = RunProcess({"/usr/bin/pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                               (dir / "report.pdf").string(), (dir / "page").string()});
  EXPECT_EQ(png.exit_code, 0) << png.err;
  std::cout << "rendered: " << (dir / "page-1.png").string() << "\n";
}

}  // namespace
}  // namespace creditshare::testing
