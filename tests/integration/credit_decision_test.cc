// What lenders come for: inquiries and their counts, CheckNewCredit signals, reservations that
// can never together exceed a cap (also across two server processes), and disputes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using grpc::StatusCode;

class CreditDecisionTest : public ::testing::Test {
 protected:
  TestService svc;

  void Report(const char* member, v1::ReportCreditLineRequest req) {
    v1::ReportCreditLineResponse resp;
    const auto st = svc.ClientFor(member).ReportCreditLine(req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  v1::GetBorrowerExposureResponse Exposure(const char* member, const std::string& id = kBorrower) {
    v1::GetBorrowerExposureResponse e;
    const auto st = svc.ClientFor(member).GetBorrowerExposure(ExposureRequest(id), &e);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return e;
  }
  v1::CheckNewCreditResponse Check(const char* member, v1::ProductType product, long limit) {
    v1::CheckNewCreditResponse r;
    const auto st = svc.ClientFor(member).CheckNewCredit(CheckRequest(kBorrower, product, limit), &r);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return r;
  }
  static std::set<int> Codes(const v1::CheckNewCreditResponse& r) {
    std::set<int> out;
    for (const auto& s : r.signals()) out.insert(s.code());
    return out;
  }
};

TEST_F(CreditDecisionTest, InquiryCountsDistinctOtherMembersAtTheWindowEdges) {
  Exposure(TestService::kBankA);  // at T
  Exposure(TestService::kBankA);  // the same member twice counts once
  Exposure(TestService::kMicroB);
  auto counts = Exposure(TestService::kFinanceC).inquiries();
  EXPECT_EQ(counts.last_7_days(), 2);
  EXPECT_EQ(Exposure(TestService::kBankA).inquiries().last_7_days(), 2);  // the caller itself is not counted

  // Windows are (now - N days, now]. Moves are relative to the first inquiries at T.
  auto at = [&](std::chrono::seconds since_t) {
    svc.clock().Advance(since_t);
    auto e = Exposure(TestService::kFinanceC).inquiries();
    svc.clock().Advance(-since_t);
    return e;
  };
  using std::chrono::hours;
  using std::chrono::seconds;
  const auto day = std::chrono::duration_cast<seconds>(hours(24));
  // The four inquiries at T happened within a second; move just inside and just past each edge.
  EXPECT_EQ(at(7 * day - seconds(5)).last_7_days(), 2);
  EXPECT_EQ(at(7 * day + seconds(5)).last_7_days(), 0);
  EXPECT_EQ(at(7 * day + seconds(5)).last_30_days(), 2);
  EXPECT_EQ(at(30 * day + seconds(5)).last_30_days(), 0);
  EXPECT_EQ(at(90 * day - seconds(5)).last_90_days(), 2);
  EXPECT_EQ(at(90 * day + seconds(5)).last_90_days(), 0);
}

TEST_F(CreditDecisionTest, PostLoanAndSelfQueriesAreNotApplications) {
  Report(TestService::kBankA, LineRequest("a", "A-1", kBorrower, 100, 0));
  v1::GetBorrowerExposureResponse e;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                  .GetBorrowerExposure(ExposureRequest(kBorrower, v1::PURPOSE_POST_LOAN_MANAGEMENT), &e).ok());
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).GetBorrowerExposure(ExposureRequest(kBorrower, v1::PURPOSE_SELF_QUERY), &e).ok());
  EXPECT_EQ(Exposure(TestService::kFinanceC).inquiries().last_7_days(), 0);
}

TEST_F(CreditDecisionTest, CallerListsItsOwnInquiriesPageByPage) {
  for (int i = 0; i < 5; ++i) Exposure(TestService::kBankA);
  Check(TestService::kBankA, v1::PRODUCT_TYPE_CREDIT_CARD, 100);
  Exposure(TestService::kMicroB);
  v1::ListMyInquiriesRequest req;
  req.set_page_size(4);
  v1::ListMyInquiriesResponse page1, page2;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ListMyInquiries(req, &page1).ok());
  ASSERT_EQ(page1.inquiries_size(), 4);
  EXPECT_EQ(page1.inquiries(0).method(), "CheckNewCredit");  // newest first
  EXPECT_EQ(page1.inquiries(1).consent_reference(), "CONSENT-001");
  ASSERT_FALSE(page1.next_page_token().empty());
  req.set_page_token(page1.next_page_token());
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ListMyInquiries(req, &page2).ok());
  EXPECT_EQ(page2.inquiries_size(), 2);
  EXPECT_TRUE(page2.next_page_token().empty());
  req.set_page_token("x12");
  EXPECT_EQ(svc.ClientFor(TestService::kBankA).ListMyInquiries(req, &page2).error_code(), StatusCode::INVALID_ARGUMENT);
}

TEST_F(CreditDecisionTest, CleanBorrowerGetsNoSignalsAndTheProjection) {
  auto old = LineRequest("a", "A-1", kBorrower, 10'000'000, 0);
  *old.mutable_line()->mutable_opened_date() = MakeDate(2025, 1, 1);
  Report(TestService::kBankA, old);
  const auto r = Check(TestService::kFinanceC, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 5'000'000);
  EXPECT_TRUE(r.signals().empty()) << r.DebugString();
  EXPECT_EQ(r.projected_product_limit_minor(), 15'000'000);
  EXPECT_EQ(r.projected_total_limit_minor(), 15'000'000);
  EXPECT_EQ(r.projected_lender_count(), 2);
  EXPECT_EQ(r.summary().open_line_count(), 1);
}

TEST_F(CreditDecisionTest, EachSignalIsRaisedWhenItsConditionHolds) {
  // Product cap (300,000 CNY for micro-loans) and a duplicate: B opened a micro-loan last week.
  auto recent = LineRequest("b", "B-1", kBorrower, 25'000'000, 0);
  *recent.mutable_line()->mutable_opened_date() = MakeDate(2026, 11, 16);
  *recent.mutable_line()->mutable_as_of_date() = MakeDate(2026, 11, 20);
  Report(TestService::kMicroB, recent);
  auto r = Check(TestService::kFinanceC, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 6'000'000);
  EXPECT_EQ(Codes(r), (std::set<int>{v1::SIGNAL_CODE_PRODUCT_CAP_EXCEEDED, v1::SIGNAL_CODE_DUPLICATE_SUSPECTED}));
  for (const auto& s : r.signals()) EXPECT_FALSE(s.message().empty());

  // Overall cap (1,000,000 CNY) and the lender count (max 3: A, B, D + the caller C).
  auto big = LineRequest("a", "A-1", kBorrower, 70'000'000, 0);
  big.mutable_line()->set_product_type(v1::PRODUCT_TYPE_MORTGAGE);
  *big.mutable_line()->mutable_opened_date() = MakeDate(2020, 1, 1);
  Report(TestService::kBankA, big);
  svc.AddMember("bank-d", domain::MemberType::kBank);
  Report("bank-d", LineRequest("d", "D-1", kBorrower, 100, 0));
  r = Check(TestService::kFinanceC, v1::PRODUCT_TYPE_CREDIT_CARD, 6'000'000);
  EXPECT_TRUE(Codes(r).contains(v1::SIGNAL_CODE_TOTAL_CAP_EXCEEDED));
  EXPECT_TRUE(Codes(r).contains(v1::SIGNAL_CODE_LENDER_COUNT_EXCEEDED));
  EXPECT_EQ(r.projected_lender_count(), 4);

  // Delinquency, collections, restructuring, charge-off.
  auto bad = LineRequest("a2", "A-1", kBorrower, 70'000'000, 50'000'000, MakeDate(2026, 11, 20));
  bad.mutable_line()->set_product_type(v1::PRODUCT_TYPE_MORTGAGE);
  *bad.mutable_line()->mutable_opened_date() = MakeDate(2020, 1, 1);
  bad.mutable_line()->set_status(v1::LINE_STATUS_CHARGED_OFF);
  bad.mutable_line()->set_days_past_due(200);
  bad.mutable_line()->set_overdue_amount_minor(1'000'000);
  *bad.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 4, 1);
  bad.mutable_line()->set_collections_stage(v1::COLLECTIONS_STAGE_LEGAL);
  bad.mutable_line()->set_charged_off_amount_minor(50'000'000);
  *bad.mutable_line()->mutable_charged_off_date() = MakeDate(2026, 11, 1);
  Report(TestService::kBankA, bad);
  v1::RestructureCreditLineRequest restructure;
  restructure.set_request_id("rs");
  restructure.set_account_reference("A-1");
  *restructure.mutable_restructure_date() = MakeDate(2026, 6, 1);
  restructure.set_reason("hardship");
  restructure.add_concessions(v1::CONCESSION_PRINCIPAL_HAIRCUT);
  v1::RestructureCreditLineResponse restructured;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).RestructureCreditLine(restructure, &restructured).ok());
  r = Check(TestService::kFinanceC, v1::PRODUCT_TYPE_AUTO_LOAN, 100);
  for (int code : {v1::SIGNAL_CODE_CURRENTLY_DELINQUENT, v1::SIGNAL_CODE_IN_COLLECTIONS, v1::SIGNAL_CODE_RESTRUCTURED,
                   v1::SIGNAL_CODE_CHARGED_OFF})
    EXPECT_TRUE(Codes(r).contains(code)) << code << r.DebugString();

  // Many other members applying (A, B and D queried; C checks).
  Exposure(TestService::kBankA);
  Exposure(TestService::kMicroB);
  Exposure("bank-d");
  r = Check(TestService::kFinanceC, v1::PRODUCT_TYPE_AUTO_LOAN, 100);
  EXPECT_TRUE(Codes(r).contains(v1::SIGNAL_CODE_MULTI_LENDER_APPLICATIONS));
  EXPECT_EQ(r.inquiries().last_30_days(), 3);

  // A disputed record.
  const auto line_id = Exposure(TestService::kFinanceC).lines(0).line_id();
  v1::FileDisputeRequest dispute;
  dispute.set_request_id("dp");
  dispute.set_resident_id(kBorrower);
  dispute.set_line_id(line_id);
  dispute.set_reason("borrower says this loan is not theirs");
  v1::FileDisputeResponse filed;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).FileDispute(dispute, &filed).ok());
  EXPECT_TRUE(Codes(Check(TestService::kFinanceC, v1::PRODUCT_TYPE_AUTO_LOAN, 100)).contains(v1::SIGNAL_CODE_DISPUTED_RECORD));
}

TEST_F(CreditDecisionTest, ReservationsAreSeenByOthersAndEndByReportReleaseOrExpiry) {
  v1::ReserveCreditResponse reserved;
  auto req = ReserveRequest("rv-1", kBorrower, 10'000'000);
  req.set_account_reference("A-NEW");
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(req, &reserved).ok());
  EXPECT_EQ(reserved.expires_at_unix_seconds(),
            std::chrono::duration_cast<std::chrono::seconds>(TestNow().time_since_epoch()).count() + 24 * 3600);

  auto seen = Exposure(TestService::kMicroB);
  ASSERT_EQ(seen.reservations_size(), 1);
  EXPECT_FALSE(seen.reservations(0).own());
  EXPECT_TRUE(seen.reservations(0).reservation_id().empty());
  EXPECT_EQ(seen.reservations(0).lender_type(), v1::MEMBER_TYPE_BANK);
  EXPECT_EQ(seen.summary().totals(0).reserved_minor(), 10'000'000);
  const auto check = Check(TestService::kMicroB, v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, 1'000'000);
  EXPECT_TRUE(Codes(check).contains(v1::SIGNAL_CODE_DUPLICATE_SUSPECTED));
  EXPECT_EQ(check.projected_product_limit_minor(), 11'000'000);
  EXPECT_EQ(Exposure(TestService::kBankA).reservations(0).reservation_id(), reserved.reservation_id());

  // Reporting the line under the reserved account reference ends the reservation.
  Report(TestService::kBankA, LineRequest("a", "A-NEW", kBorrower, 10'000'000, 0));
  EXPECT_EQ(Exposure(TestService::kMicroB).reservations_size(), 0);

  // Release; another member cannot release it; releasing twice fails.
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(ReserveRequest("rv-2", kBorrower, 1'000), &reserved).ok());
  v1::ReleaseReservationRequest release;
  release.set_request_id("rl-1");
  release.set_reservation_id(reserved.reservation_id());
  v1::ReleaseReservationResponse released;
  EXPECT_EQ(svc.ClientFor(TestService::kMicroB).ReleaseReservation(release, &released).error_code(), StatusCode::NOT_FOUND);
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReleaseReservation(release, &released).ok());
  EXPECT_EQ(Exposure(TestService::kMicroB).reservations_size(), 0);
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'ReleaseReservation' AND LENGTH(borrower_key) = 32"), 1);
  release.set_request_id("rl-2");
  EXPECT_EQ(svc.ClientFor(TestService::kBankA).ReleaseReservation(release, &released).error_code(),
            StatusCode::FAILED_PRECONDITION);

  // Expiry.
  req = ReserveRequest("rv-3", kBorrower, 1'000);
  req.set_ttl_seconds(3600);
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(req, &reserved).ok());
  EXPECT_EQ(Exposure(TestService::kMicroB).reservations_size(), 1);
  svc.clock().Advance(std::chrono::seconds(3601));
  EXPECT_EQ(Exposure(TestService::kMicroB).reservations_size(), 0);
}

TEST_F(CreditDecisionTest, AReservationBreachingACapIsRefusedNamingTheCap) {
  Report(TestService::kMicroB, LineRequest("b", "B-1", kBorrower, 25'000'000, 0));
  auto& bank = svc.ClientFor(TestService::kBankA);  // issues its credential before the snapshot
  const auto before = svc.db().DumpAllTables();
  v1::ReserveCreditResponse reserved;
  const auto st = bank.ReserveCredit(ReserveRequest("rv", kBorrower, 5'000'001), &reserved);
  EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(st.error_message(),
            "amount_minor: would exceed the online_micro_loan cap of 300000.00 CNY per borrower (projected 300000.01 CNY)");
  EXPECT_EQ(svc.db().DumpAllTables(), before);
  EXPECT_TRUE(svc.ClientFor(TestService::kBankA).ReserveCredit(ReserveRequest("rv2", kBorrower, 5'000'000), &reserved).ok());
}

TEST_F(CreditDecisionTest, BadReservationInputNamesTheFieldAndWritesNothing) {
  struct Case {
    std::function<void(v1::ReserveCreditRequest&)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.set_amount_minor(-5); }, "amount_minor"},
      {[](auto& r) { r.set_amount_minor(0); }, "amount_minor"},
      {[](auto& r) { r.set_product_type(static_cast<v1::ProductType>(42)); }, "product_type"},
      {[](auto& r) { r.clear_product_type(); }, "product_type"},
      {[](auto& r) { r.set_ttl_seconds(-60); }, "ttl_seconds"},
      {[](auto& r) { r.set_ttl_seconds(8 * 24 * 3600); }, "ttl_seconds"},
      {[](auto& r) { r.clear_purpose(); }, "purpose"},
      {[](auto& r) { r.clear_consent_reference(); }, "consent_reference"},
      {[](auto& r) { r.set_currency("cny"); }, "currency"},
      {[](auto& r) { r.set_resident_id("120101199003071236"); }, "resident_id"},
  };
  auto& bank = svc.ClientFor(TestService::kBankA);
  const auto before = svc.db().DumpAllTables();
  for (const auto& c : cases) {
    auto req = ReserveRequest("bad", kBorrower, 100);
    c.mutate(req);
    v1::ReserveCreditResponse resp;
    const auto st = bank.ReserveCredit(req, &resp);
    EXPECT_EQ(st.error_code(), StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(st.error_message().rfind(std::string(c.field) + ": ", 0), 0u) << st.error_message();
  }
  v1::CheckNewCreditResponse check;
  auto req = CheckRequest(kBorrower, v1::PRODUCT_TYPE_CREDIT_CARD, 100);
  req.clear_purpose();
  EXPECT_EQ(bank.CheckNewCredit(req, &check).error_message().rfind("purpose: ", 0), 0u);
  req = CheckRequest(kBorrower, v1::PRODUCT_TYPE_CREDIT_CARD, -1);
  EXPECT_EQ(bank.CheckNewCredit(req, &check).error_message().rfind("proposed_limit_minor: ", 0), 0u);
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

// N members reserve at once against one borrower whose remaining cap fits only some of them.
void RaceReservations(const std::vector<client::Client*>& clients, const std::string& borrower, long amount,
                      int round, std::atomic<int>* accepted, std::atomic<int>* refused) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i)
    threads.emplace_back([&, i] {
      v1::ReserveCreditResponse resp;
      const auto st = clients[i]->ReserveCredit(
          ReserveRequest("race-" + std::to_string(round) + "-" + std::to_string(i), borrower, amount), &resp);
      if (st.ok()) {
        ++*accepted;
      } else if (st.error_code() == StatusCode::FAILED_PRECONDITION) {
        ++*refused;
      } else {
        ADD_FAILURE() << st.error_code() << " " << st.error_message();
      }
    });
  for (auto& t : threads) t.join();
}

// Fresh borrowers for each round: valid IDs in Tianjin with varying birth dates.
std::string BorrowerForRound(int round) {
  const std::string body = "12010119800101" + std::string(1, static_cast<char>('0' + round / 100)) +
                           std::string(1, static_cast<char>('0' + (round / 10) % 10)) +
                           std::string(1, static_cast<char>('0' + round % 10));
  return body + domain::ResidentId::CheckCharacter(body);
}

class ReservationRaceTest : public CreditDecisionTest {
 protected:
  std::vector<std::string> members;
  void SetUp() override {
    for (int i = 0; i < 10; ++i) {
      members.push_back("racer-" + std::to_string(i));
      svc.AddMember(members.back(), i % 2 ? domain::MemberType::kMicroLender : domain::MemberType::kBank);
    }
  }
};

TEST_F(ReservationRaceTest, ConcurrentReservationsNeverTogetherExceedTheCap) {
  std::vector<client::Client*> clients;
  for (const auto& m : members) clients.push_back(&svc.ClientFor(m));  // one channel (connection) each
  constexpr int kRounds = 15;
  constexpr long kAmount = 7'000'000;  // 4 fit under the 300,000 CNY micro-loan cap, 10 try
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> accepted = 0, refused = 0;
    RaceReservations(clients, BorrowerForRound(round), kAmount, round, &accepted, &refused);
    EXPECT_EQ(accepted.load(), 4) << "round " << round;
    EXPECT_EQ(refused.load(), 6) << "round " << round;
  }
  EXPECT_EQ(svc.db().Count("reservations"), 4 * kRounds);
}

TEST_F(ReservationRaceTest, TwoServerProcessesOnOneDatabaseStillNeverExceedTheCap) {
  // The other server process runs on the real clock; reservations expire, so the in-process
  // server must agree with it on the time (a fixed test date made each see the other's as expired).
  svc.clock().Set(std::chrono::system_clock::now());
  ServerProcess other(svc.server_config(), svc.pki().dir() / "other-server.log");
  const int port = other.WaitForPort(std::chrono::seconds(20));
  ASSERT_GT(port, 0) << other.Log();
  std::vector<std::unique_ptr<client::Client>> owned;
  std::vector<client::Client*> clients;
  for (size_t i = 0; i < members.size(); ++i) {
    if (i % 2 == 0) {
      clients.push_back(&svc.ClientFor(members[i]));  // the in-process server
    } else {
      auto [cert, key] = svc.IssueCredentialFiles(members[i], members[i] + "-other");
      client::ClientOptions o;
      o.target = "127.0.0.1:" + std::to_string(port);  // the separate server process
      o.ca_file = svc.pki().ca_file();
      o.cert_file = cert;
      o.key_file = key;
      owned.push_back(std::make_unique<client::Client>(o));
      clients.push_back(owned.back().get());
    }
  }
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> accepted = 0, refused = 0;
    RaceReservations(clients, BorrowerForRound(500 + round), 7'000'000, round, &accepted, &refused);
    EXPECT_EQ(accepted.load(), 4) << "round " << round;
    EXPECT_EQ(refused.load(), 6) << "round " << round;
  }
}

TEST_F(CreditDecisionTest, DisputeFlagsTheLineAtOnceAndTheReporterResolvesIt) {
  Report(TestService::kBankA, LineRequest("a", "A-1", kBorrower, 100, 0));
  const auto line_id = Exposure(TestService::kFinanceC).lines(0).line_id();
  ASSERT_FALSE(line_id.empty());

  v1::FileDisputeRequest file;
  file.set_request_id("f-1");
  file.set_resident_id(kBorrower);
  file.set_line_id(line_id);
  file.set_reason("the borrower never took this loan");
  v1::FileDisputeResponse filed;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).FileDispute(file, &filed).ok());
  const auto& d = filed.dispute();
  EXPECT_EQ(d.status(), v1::DISPUTE_STATUS_OPEN);
  EXPECT_EQ(d.due_at_unix_seconds() - d.filed_at_unix_seconds(), 20 * 24 * 3600);
  EXPECT_TRUE(d.account_reference().empty());  // the filer does not learn the reporter's reference

  // Flagged at once, for everyone.
  for (const char* viewer : {TestService::kBankA, TestService::kMicroB, TestService::kFinanceC}) {
    const auto e = Exposure(viewer);
    EXPECT_TRUE(e.lines(0).disputed()) << viewer;
    EXPECT_TRUE(e.summary().disputed()) << viewer;
  }
  file.set_request_id("f-2");
  EXPECT_EQ(svc.ClientFor(TestService::kMicroB).FileDispute(file, &filed).error_code(), StatusCode::FAILED_PRECONDITION);

  // The reporter sees it with its deadline; after 20 days it is overdue.
  v1::ListDisputesRequest list;
  v1::ListDisputesResponse open;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ListDisputes(list, &open).ok());
  ASSERT_EQ(open.disputes_size(), 1);
  EXPECT_EQ(open.disputes(0).account_reference(), "A-1");
  EXPECT_FALSE(open.disputes(0).overdue());
  list.set_filter(v1::ListDisputesRequest::FILTER_OVERDUE);
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ListDisputes(list, &open).ok());
  EXPECT_EQ(open.disputes_size(), 0);
  svc.clock().Advance(std::chrono::hours(24 * 20 + 1));
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ListDisputes(list, &open).ok());
  ASSERT_EQ(open.disputes_size(), 1);
  EXPECT_TRUE(open.disputes(0).overdue());
  v1::ListDisputesResponse others;
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ListDisputes(list, &others).ok());
  EXPECT_EQ(others.disputes_size(), 0);

  // Only the reporter may resolve; DELETED removes the line from every response.
  v1::ResolveDisputeRequest resolve;
  resolve.set_request_id("r-1");
  resolve.set_dispute_id(d.dispute_id());
  resolve.set_resolution(v1::DISPUTE_STATUS_DELETED);
  resolve.set_note("identity theft confirmed");
  v1::ResolveDisputeResponse resolved;
  EXPECT_EQ(svc.ClientFor(TestService::kFinanceC).ResolveDispute(resolve, &resolved).error_code(), StatusCode::NOT_FOUND);
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ResolveDispute(resolve, &resolved).ok());
  EXPECT_EQ(resolved.dispute().status(), v1::DISPUTE_STATUS_DELETED);
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'ResolveDispute' AND result_code = 0 AND LENGTH(borrower_key) = 32"),
            1);
  EXPECT_EQ(Exposure(TestService::kFinanceC).lines_size(), 0);
  resolve.set_request_id("r-2");
  EXPECT_EQ(svc.ClientFor(TestService::kBankA).ResolveDispute(resolve, &resolved).error_code(),
            StatusCode::FAILED_PRECONDITION);
}

TEST_F(CreditDecisionTest, ConfirmedDisputeClearsTheFlag) {
  Report(TestService::kBankA, LineRequest("a", "A-1", kBorrower, 100, 0));
  v1::FileDisputeRequest file;
  file.set_request_id("f");
  file.set_resident_id(kBorrower);
  file.set_line_id(Exposure(TestService::kBankA).lines(0).line_id());
  file.set_reason("amount looks wrong");
  v1::FileDisputeResponse filed;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).FileDispute(file, &filed).ok());
  v1::ResolveDisputeRequest resolve;
  resolve.set_request_id("r");
  resolve.set_dispute_id(filed.dispute().dispute_id());
  resolve.set_resolution(v1::DISPUTE_STATUS_CONFIRMED);
  v1::ResolveDisputeResponse resolved;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ResolveDispute(resolve, &resolved).ok());
  EXPECT_FALSE(Exposure(TestService::kMicroB).lines(0).disputed());
  // With the dispute resolved the line may be disputed again.
  file.set_request_id("f-again");
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).FileDispute(file, &filed).ok());
  EXPECT_TRUE(Exposure(TestService::kBankA).lines(0).disputed());
  // Bad input names the field.
  resolve.set_resolution(v1::DISPUTE_STATUS_OPEN);
  EXPECT_EQ(svc.ClientFor(TestService::kBankA).ResolveDispute(resolve, &resolved).error_message().rfind("resolution: ", 0), 0u);
  file.set_line_id("l-no-such-line");
  file.set_request_id("f2");
  EXPECT_EQ(svc.ClientFor(TestService::kBankA).FileDispute(file, &filed).error_code(), StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace creditshare::testing
