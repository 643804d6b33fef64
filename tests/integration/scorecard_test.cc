// The data-quality scorecard over the real server, on a known data set: every figure of two
// months (records received, accepted and refused by reason on both write paths, warnings by rule,
// timeliness, book freshness, look-to-book) as GetMemberScorecard and creditshare-admin give it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"
#include "scorecard_format.h"

namespace creditshare::testing {
namespace {

// A valid resident ID of a Tianjin borrower born in 1980, numbered n.
std::string Borrower(int n) {
  char body[18];
  std::snprintf(body, sizeof body, "12010119800101%03d", n);
  return std::string(body) + domain::ResidentId::CheckCharacter(body);
}

std::chrono::system_clock::time_point BeijingNoon(int y, int m, int d) {
  // Midnight in Beijing is 16:00 UTC the day before: noon is 04:00 UTC.
  return std::chrono::system_clock::time_point(std::chrono::seconds(
      (domain::Date{y, m, d}.DaysSinceEpoch() * 86400) + 4 * 3600));
}

v1::ReportCreditLineRequest Line(const std::string& id, const std::string& account, const std::string& borrower,
                                 v1::Date as_of, v1::Date opened = MakeDate(2026, 1, 15)) {
  auto r = LineRequest(id, account, borrower, 100'000, 50'000, as_of);
  *r.mutable_line()->mutable_opened_date() = opened;
  return r;
}

std::map<std::string, std::int64_t> Counts(const google::protobuf::RepeatedPtrField<v1::ScorecardCount>& counts) {
  std::map<std::string, std::int64_t> out;
  for (const auto& c : counts) out[c.key()] = c.records();
  return out;
}

class ScorecardTest : public ::testing::Test {
 protected:
  static void WritePolicy(ServerConfig& c) {
    c.policy_file = (std::filesystem::path(c.tls_cert_file).parent_path() / "scorecard-policy.json").string();
    std::ofstream(c.policy_file) << R"({"quality": {"overdue_without_days_past_due": "warn",
        "stale_as_of": "refuse", "stale_as_of_days": 60}})";
  }
  TestService svc{std::nullopt, false, 10, &WritePolicy};

  void Report(const v1::ReportCreditLineRequest& r) {
    v1::ReportCreditLineResponse resp;
    const auto st = svc.ClientFor(TestService::kBankA).ReportCreditLine(r, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  grpc::StatusCode Refused(const v1::ReportCreditLineRequest& r) {
    v1::ReportCreditLineResponse resp;
    return svc.ClientFor(TestService::kBankA).ReportCreditLine(r, &resp).error_code();
  }
  void Inquire(const std::string& borrower, v1::Purpose purpose = v1::PURPOSE_LOAN_APPROVAL) {
    v1::GetBorrowerExposureResponse resp;
    const auto st = svc.ClientFor(TestService::kBankA).GetBorrowerExposure(ExposureRequest(borrower, purpose), &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // The data set, October then November (the test clock's today, 2026-11-23).
  void Load() {
    svc.clock().Set(BeijingNoon(2026, 10, 5));
    Inquire(Borrower(1));  // followed by a line opened 2026-10-20: booked
    Inquire(Borrower(2));  // nothing follows: not booked
    Report(Line("o-1", "O-1", Borrower(3), MakeDate(2026, 9, 30)));  // lag 5; on Nov 23 54 days old: stale
    Inquire(Borrower(3), v1::PURPOSE_POST_LOAN_MANAGEMENT);  // not an application

    svc.clock().Set(TestNow());
    Report(Line("n-1", "N-1", Borrower(1), MakeDate(2026, 11, 20), MakeDate(2026, 10, 20)));  // lag 3
    Report(Line("n-1", "N-1", Borrower(1), MakeDate(2026, 11, 20), MakeDate(2026, 10, 20)));  // a replay: not counted again
    Report(Line("n-2", "N-2", Borrower(4), MakeDate(2026, 11, 13)));  // lag 10
    auto warned = Line("n-3", "N-3", Borrower(5), MakeDate(2026, 10, 31));  // lag 23, one warning
    warned.mutable_line()->set_overdue_amount_minor(1'000);
    Report(warned);
    auto closed = Line("n-4", "N-4", Borrower(6), MakeDate(2026, 11, 1));  // lag 22, closed: not in the book
    closed.mutable_line()->set_status(v1::LINE_STATUS_CLOSED);
    closed.mutable_line()->set_outstanding_balance_minor(0);
    Report(closed);

    auto bad_id = Line("r-1", "R-1", Borrower(7), MakeDate(2026, 11, 20));
    bad_id.mutable_line()->set_resident_id("120101198001010000");
    EXPECT_EQ(Refused(bad_id), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Refused(Line("r-2", "R-2", Borrower(7), MakeDate(2026, 9, 1))), grpc::StatusCode::INVALID_ARGUMENT);

    // Bulk: two accepted (lag 1), one refused before the commit, one by the ledger's quality gate.
    std::vector<v1::ReportCreditLineRequest> records = {
        Line("b-1", "B-1", Borrower(8), MakeDate(2026, 11, 22)), Line("b-2", "B-2", Borrower(9), MakeDate(2026, 11, 22)),
        Line("b-3", "B-3", Borrower(10), MakeDate(2026, 11, 22)), Line("b-4", "B-4", Borrower(11), MakeDate(2026, 9, 2))};
    records[2].mutable_line()->set_currency("XXQ");
    std::size_t n = 0;
    std::vector<v1::BulkRecordResult> results;
    const auto st = svc.ClientFor(TestService::kBankA).BulkReportCreditLines(
        [&](v1::BulkLineRecord* r) {
          if (n >= records.size()) return false;
          r->set_sequence(static_cast<int>(n));
          r->set_request_id(records[n].request_id());
          *r->mutable_line() = records[n].line();
          ++n;
          return true;
        },
        10, [&](const v1::BulkRecordResult& r) { results.push_back(r); });
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(results.size(), 4u);

    // Look-to-book in November: a reservation the same day books one; another is still pending.
    Inquire(Borrower(12));
    v1::ReserveCreditResponse reserved;
    ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(ReserveRequest("rsv-1", Borrower(12), 10'000), &reserved).ok());
    Inquire(Borrower(13));
    // Another member's figures are its own.
    v1::ReportCreditLineResponse other;
    ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ReportCreditLine(Line("m-1", "M-1", Borrower(2), MakeDate(2026, 11, 1)), &other).ok());
  }

  v1::MemberScorecard Scorecard(const char* member) {
    v1::GetMemberScorecardRequest req;
    req.mutable_from_month()->set_year(2026);
    req.mutable_from_month()->set_month(10);
    v1::MemberScorecard card;
    const auto st = svc.ClientFor(member).GetMemberScorecard(req, &card);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return card;
  }
};

TEST_F(ScorecardTest, EveryFigureOnAKnownDataSet) {
  Load();
  const auto card = Scorecard(TestService::kBankA);
  EXPECT_EQ(card.member_code(), "bank-a");
  ASSERT_EQ(card.months_size(), 2);
  const auto& oct = card.months(0);
  EXPECT_EQ(oct.month().month(), 10);
  EXPECT_EQ(oct.records_received(), 1);
  EXPECT_EQ(oct.records_accepted(), 1);
  EXPECT_EQ(oct.records_refused(), 0);
  EXPECT_EQ(oct.timeliness().median_days(), 5);
  EXPECT_EQ(oct.timeliness().p95_days(), 5);
  // On Oct 31: O-1 (Sep 30) and N-3 (Oct 31) fresh; N-1, N-2 and the two bulk lines open (their
  // first records say so) but unreported; N-4 closed.
  EXPECT_EQ(oct.freshness_date().day(), 31);
  EXPECT_EQ(oct.open_lines(), 6);
  EXPECT_EQ(oct.fresh_lines(), 2);
  EXPECT_EQ(oct.application_inquiries(), 2);
  EXPECT_EQ(oct.inquiries_booked(), 1);
  EXPECT_EQ(oct.inquiries_not_booked(), 1);
  EXPECT_EQ(oct.inquiries_pending(), 0);

  const auto& nov = card.months(1);
  EXPECT_EQ(nov.records_received(), 10);
  EXPECT_EQ(nov.records_accepted(), 6);
  EXPECT_EQ(nov.records_refused(), 4);
  EXPECT_EQ(Counts(nov.refused_by_reason()),
            (std::map<std::string, std::int64_t>{{"currency", 1}, {"quality:stale_as_of", 2}, {"resident_id", 1}}));
  EXPECT_EQ(Counts(nov.warnings_by_rule()), (std::map<std::string, std::int64_t>{{"overdue_without_days_past_due", 1}}));
  EXPECT_EQ(nov.accepted_with_warnings(), 1);
  // Lags 1, 1, 3, 10, 22, 23: nearest rank, the 3rd and the 6th.
  EXPECT_EQ(nov.timeliness().median_days(), 3);
  EXPECT_EQ(nov.timeliness().p95_days(), 23);
  EXPECT_EQ(nov.freshness_date().day(), 23);
  EXPECT_EQ(nov.open_lines(), 6);
  EXPECT_EQ(nov.fresh_lines(), 5);
  EXPECT_EQ(nov.application_inquiries(), 2);
  EXPECT_EQ(nov.inquiries_booked(), 1);
  EXPECT_EQ(nov.inquiries_pending(), 1);
  EXPECT_EQ(nov.inquiries_not_booked(), 0);

  const auto micro = Scorecard(TestService::kMicroB);
  ASSERT_EQ(micro.months_size(), 2);
  EXPECT_EQ(micro.months(1).records_received(), 1);
  EXPECT_EQ(micro.months(1).application_inquiries(), 0);

}

TEST_F(ScorecardTest, RefusesBadRangesAndRegulators) {
  v1::GetMemberScorecardRequest req;
  req.mutable_from_month()->set_year(2026);
  req.mutable_from_month()->set_month(13);
  v1::MemberScorecard card;
  auto st = svc.ClientFor(TestService::kBankA).GetMemberScorecard(req, &card);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("from_month"), std::string::npos) << st.error_message();
  req.mutable_from_month()->set_month(11);
  req.mutable_to_month()->set_year(2027);
  req.mutable_to_month()->set_month(1);
  st = svc.ClientFor(TestService::kBankA).GetMemberScorecard(req, &card);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("to_month"), std::string::npos) << st.error_message();
  st = svc.ClientFor(TestService::kRegulator).GetMemberScorecard(v1::GetMemberScorecardRequest(), &card);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  st = svc.ClientFor(TestService::kBankA).GetMemberScorecard(v1::GetMemberScorecardRequest(), &card);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(card.months_size(), 6) << "six months ending with the current one";
}

TEST_F(ScorecardTest, OperatorsGetEveryLendersScorecardAsTableCsvAndJson) {
  Load();
  auto admin = [&](const std::string& output) {
    return RunProcess({CREDITSHARE_ADMIN_BINARY, "member", "scorecard", "--from", "2026-10", "--to", "2026-11",
                       "--output", output},
                      DatabaseEnv(svc.db().config(), svc.pki().dir()));
  };
  const auto csv = admin("csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string header, row;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("member,month,received,accepted,refused,refused_by_reason,", 0), 0u) << header;
  std::vector<std::string> rows;
  while (std::getline(lines, row)) rows.push_back(row);
  ASSERT_EQ(rows.size(), 6u) << "three lenders, two months each; no regulator\n" << csv.out;
  EXPECT_NE(csv.out.find("bank-a,2026-11,10,6,4,currency=1;quality:stale_as_of=2;resident_id=1,1,"), std::string::npos)
      << csv.out;

  const auto json = admin("json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::istringstream objects(json.out);
  int cards = 0;
  for (std::string line; std::getline(objects, line); ++cards) {
    const auto card = nlohmann::json::parse(line);
    if (card["member_code"] == "bank-a") {
      EXPECT_EQ(card["months"][1]["records_refused"], "4");  // int64 as a JSON string
    }
  }
  EXPECT_EQ(cards, 3);
  const auto table = admin("table");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("look_to_book_pct"), std::string::npos);

  // Receipts older than any scorecard can reach (24 months on the real clock) go with the daily purge.
  svc.db().conn().Execute("INSERT INTO report_receipts (member_id, day, outcome, reason, warnings, lag_days, records) "
                          "SELECT id, '2023-05-01', 1, '', 0, 0, 5 FROM members WHERE code = 'bank-a'");
  const long before = svc.db().Count("report_receipts");
  const auto purged = RunProcess({CREDITSHARE_ADMIN_BINARY, "retention", "purge", "--output", "json"},
                                 DatabaseEnv(svc.db().config(), svc.pki().dir()));
  ASSERT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_EQ(nlohmann::json::parse(purged.out)["receipts_deleted"], 1);
  EXPECT_EQ(svc.db().Count("report_receipts"), before - 1);
  EXPECT_EQ(svc.db().Count("report_receipts WHERE day < '2025-01-01'"), 0);

  const auto not_lender = RunProcess({CREDITSHARE_ADMIN_BINARY, "member", "scorecard", "regulator-r"},
                                     DatabaseEnv(svc.db().config(), svc.pki().dir()));
  EXPECT_EQ(not_lender.exit_code, 1);
  EXPECT_NE(not_lender.err.find("not a lender"), std::string::npos) << not_lender.err;
}

TEST_F(ScorecardTest, AFileReportListsItsWarningsAndTheScorecardCountsThem) {
  const auto dir = svc.pki().dir();
  const auto creds = svc.IssueCredentialFiles(TestService::kBankA, "file-bank");
  const auto book = (dir / "warned.csv").string();
  std::ofstream(book) << "account_reference,resident_id,product_type,currency,credit_limit_minor,"
                         "outstanding_balance_minor,opened_date,status,days_past_due,overdue_amount_minor,as_of_date\n"
                      << "F-1," << Borrower(20) << ",credit_card,CNY,100000,50000,2026-01-15,open,0,0,2026-11-20\n"
                      << "F-2," << Borrower(21) << ",credit_card,CNY,100000,50000,2026-01-15,open,0,700,2026-11-20\n";
  const auto r = RunProcess({CREDITSHARE_CLIENT_BINARY, "--target", svc.target(), "--ca", svc.pki().ca_file(), "--cert",
                             creds.first, "--key", creds.second, "report", "--file", book});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 accepted, 0 already applied, 0 rejected; 1 with data-quality warnings"), std::string::npos)
      << r.out;
  std::ifstream warnings(book + ".warnings.csv");
  std::string header, row, more;
  std::getline(warnings, header);
  std::getline(warnings, row);
  EXPECT_EQ(header, "line,rule,field,message");
  EXPECT_EQ(row.rfind("3,overdue_without_days_past_due,\"line.days_past_due\",", 0), 0u) << row;
  EXPECT_FALSE(std::getline(warnings, more)) << "one warning: " << more;

  const auto card = Scorecard(TestService::kBankA);
  EXPECT_EQ(card.months(1).records_accepted(), 2);
  EXPECT_EQ(Counts(card.months(1).warnings_by_rule())["overdue_without_days_past_due"], 1);
}

}  // namespace
}  // namespace creditshare::testing
