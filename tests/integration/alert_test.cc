// Post-loan alerts through the real server over mTLS: every event kind, the relationship rule,
// masking, cursors (live, resumed, across a kill -9 of the server and of MariaDB, across two
// replicas), settings, and consumers that are slow or stuck.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "creditshare/v1/alert_service.grpc.pb.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using namespace std::chrono_literals;

// Collects a member's alerts from a WatchAlerts stream on a thread of its own.
class Watcher {
 public:
  Watcher(client::Client& client, std::string cursor = "") {
    thread_ = std::thread([this, &client, cursor] {
      v1::WatchAlertsRequest req;
      req.set_cursor(cursor);
      status_ = client.WatchAlerts(context_, req, [this](const v1::WatchAlertsResponse& m) {
        std::lock_guard lock(mu_);
        for (const auto& a : m.alerts()) alerts_.push_back(a);
        if (!m.cursor().empty()) cursor_ = m.cursor();
        changed_.notify_all();
        return true;
      });
      std::lock_guard lock(mu_);
      ended_ = true;
      changed_.notify_all();
    });
  }
  ~Watcher() { Stop(); }
  void Stop() {
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }
  // The alerts received once there are at least `n` (or after `timeout`).
  std::vector<v1::Alert> WaitFor(std::size_t n, std::chrono::milliseconds timeout = 15s) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return alerts_.size() >= n || ended_; });
    return alerts_;
  }
  std::string cursor() {
    std::lock_guard lock(mu_);
    return cursor_;
  }
  grpc::Status WaitEnd(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return ended_; });
    return ended_ ? status_ : grpc::Status(grpc::StatusCode::UNKNOWN, "still running");
  }

 private:
  grpc::ClientContext context_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<v1::Alert> alerts_;
  std::string cursor_;
  bool ended_ = false;
  grpc::Status status_;
  std::thread thread_;
};

class AlertTest : public ::testing::Test {
 protected:
  TestService svc;
  int next = 0;

  void Report(const char* member, v1::ReportCreditLineRequest req) {
    req.set_request_id(std::string(member) + "-" + std::to_string(++next));
    v1::ReportCreditLineResponse resp;
    const auto st = svc.ClientFor(member).ReportCreditLine(req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  v1::ReportCreditLineRequest Line(const std::string& account, int dpd = 0, v1::Date as_of = MakeDate(2026, 10, 31)) {
    auto r = LineRequest("", account, kBorrower, 5'000'000, 1'000'000, as_of);
    if (dpd > 0) {
      r.mutable_line()->set_days_past_due(dpd);
      r.mutable_line()->set_overdue_amount_minor(70'000);
      *r.mutable_line()->mutable_first_delinquency_date() = MakeDate(2026, 6, 1);
    }
    return r;
  }
  // Polls ListAlerts until the member has `n` alerts (the feed is sequenced every 50 ms).
  std::vector<v1::Alert> ListAll(const char* member, std::size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::vector<v1::Alert> out;
      std::string cursor;
      for (;;) {
        v1::ListAlertsRequest req;
        req.set_cursor(cursor);
        req.set_page_size(1000);
        v1::ListAlertsResponse resp;
        const auto st = svc.ClientFor(member).ListAlerts(req, &resp);
        EXPECT_TRUE(st.ok()) << st.error_message();
        if (!st.ok()) return out;
        out.insert(out.end(), resp.alerts().begin(), resp.alerts().end());
        cursor = resp.next_cursor();
        if (!resp.more()) break;
      }
      if (out.size() >= n || std::chrono::steady_clock::now() > until) return out;
      std::this_thread::sleep_for(20ms);
    }
  }
  static std::vector<v1::AlertKind> KindsOf(const std::vector<v1::Alert>& alerts) {
    std::vector<v1::AlertKind> out;
    for (const auto& a : alerts) out.push_back(a.kind());
    return out;
  }
  // Waits until nothing is left to sequence, then gives watchers a moment: "no alert" checks.
  void Settle() {
    for (int i = 0; i < 500 && svc.db().Count("alert_outbox") > 0; ++i) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(200ms);
  }
};

TEST_F(AlertTest, EveryKindReachesTheLenderOfTheBorrowerWithItsFigures) {
  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));  // bank-a's relationship
  Report(TestService::kMicroB, Line("B-1"));                                             // new_line
  Report(TestService::kMicroB, Line("B-1", 12, MakeDate(2026, 11, 10)));                 // past_due (1-30)
  Report(TestService::kMicroB, Line("B-1", 40, MakeDate(2026, 11, 20)));                 // past_due (31-60)
  auto collections = Line("B-1", 45, MakeDate(2026, 11, 21));
  collections.mutable_line()->set_collections_stage(v1::COLLECTIONS_STAGE_AGENCY);
  Report(TestService::kMicroB, collections);  // collections
  v1::RestructureCreditLineRequest restructure;
  restructure.set_request_id("rs-1");
  restructure.set_account_reference("B-1");
  *restructure.mutable_restructure_date() = MakeDate(2026, 11, 21);
  restructure.set_reason("hardship");
  restructure.add_concessions(v1::CONCESSION_TERM_EXTENSION);
  restructure.set_principal_forgiven_minor(30'000);
  v1::RestructureCreditLineResponse restructured;
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).RestructureCreditLine(restructure, &restructured).ok());
  auto charged = collections;
  charged.mutable_line()->set_status(v1::LINE_STATUS_CHARGED_OFF);
  charged.mutable_line()->set_charged_off_amount_minor(900'000);
  *charged.mutable_line()->mutable_charged_off_date() = MakeDate(2026, 11, 22);
  *charged.mutable_line()->mutable_as_of_date() = MakeDate(2026, 11, 22);
  Report(TestService::kMicroB, charged);  // charged_off
  v1::ReserveCreditResponse reserved;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).ReserveCredit(ReserveRequest("rv-1", kBorrower, 1'500'000), &reserved).ok());
  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  // Not an application: no alert.
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC)
                  .GetBorrowerExposure(ExposureRequest(kBorrower, v1::PURPOSE_SELF_QUERY), &exposure)
                  .ok());
  std::string bank_line_id;
  for (const auto& l : exposure.lines())
    if (l.lender_type() == v1::MEMBER_TYPE_BANK) bank_line_id = l.line_id();
  v1::FileDisputeRequest dispute;
  dispute.set_request_id("dp-1");
  dispute.set_resident_id(kBorrower);
  dispute.set_line_id(bank_line_id);
  dispute.set_reason("the borrower never opened this line");
  v1::FileDisputeResponse filed;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).FileDispute(dispute, &filed).ok());

  const auto alerts = ListAll(TestService::kBankA, 9);
  ASSERT_EQ(KindsOf(alerts), (std::vector<v1::AlertKind>{
                                 v1::ALERT_KIND_NEW_LINE, v1::ALERT_KIND_PAST_DUE, v1::ALERT_KIND_PAST_DUE,
                                 v1::ALERT_KIND_COLLECTIONS, v1::ALERT_KIND_RESTRUCTURED, v1::ALERT_KIND_CHARGED_OFF,
                                 v1::ALERT_KIND_NEW_RESERVATION, v1::ALERT_KIND_APPLICATION_INQUIRY,
                                 v1::ALERT_KIND_DISPUTE_FILED}));
  std::set<std::string> ids;
  for (const auto& a : alerts) {
    ids.insert(a.alert_id());
    if (a.kind() != v1::ALERT_KIND_DISPUTE_FILED && a.kind() != v1::ALERT_KIND_APPLICATION_INQUIRY &&
        a.kind() != v1::ALERT_KIND_NEW_RESERVATION) {
      EXPECT_EQ(a.lender_type(), v1::MEMBER_TYPE_MICRO_LENDER);
      EXPECT_EQ(a.lender_ordinal(), 1) << "bank-a's exposure shows micro-b as lender #1";
    }
    EXPECT_EQ(std::vector<std::string>(a.account_references().begin(), a.account_references().end()),
              std::vector<std::string>{"A-1"});
  }
  EXPECT_EQ(ids.size(), alerts.size()) << "alert ids are unique";
  EXPECT_EQ(alerts[0].amount_minor(), 5'000'000);
  EXPECT_EQ(alerts[0].severity(), v1::ALERT_SEVERITY_INFO);
  EXPECT_EQ(alerts[1].days_past_due(), 12);
  EXPECT_EQ(alerts[1].previous_days_past_due(), 0);
  EXPECT_EQ(alerts[1].severity(), v1::ALERT_SEVERITY_WARNING);
  EXPECT_EQ(alerts[2].days_past_due(), 40);
  EXPECT_EQ(alerts[2].previous_days_past_due(), 12);
  EXPECT_EQ(alerts[2].overdue_amount_minor(), 70'000);
  EXPECT_EQ(alerts[2].severity(), v1::ALERT_SEVERITY_CRITICAL);
  EXPECT_EQ(alerts[3].collections_stage(), v1::COLLECTIONS_STAGE_AGENCY);
  EXPECT_EQ(alerts[4].amount_minor(), 30'000);
  EXPECT_EQ(alerts[5].amount_minor(), 900'000);
  EXPECT_EQ(alerts[5].event_date().day(), 22);
  EXPECT_EQ(alerts[6].amount_minor(), 1'500'000);
  EXPECT_EQ(alerts[6].lender_type(), v1::MEMBER_TYPE_CONSUMER_FINANCE);
  EXPECT_GT(alerts[6].deadline_unix_seconds(), 0);
  EXPECT_EQ(alerts[7].purpose(), v1::PURPOSE_LOAN_APPROVAL);
  EXPECT_EQ(alerts[7].lender_ordinal(), 2) << "finance-c holds a reservation, after micro-b's line";
  EXPECT_EQ(alerts[8].lender_type(), v1::MEMBER_TYPE_CONSUMER_FINANCE);

  // micro-b lends too: it hears of finance-c's reservation and inquiry, never of its own changes
  // nor of a dispute on someone else's line.
  const auto micro = ListAll(TestService::kMicroB, 2);
  EXPECT_EQ(KindsOf(micro),
            (std::vector<v1::AlertKind>{v1::ALERT_KIND_NEW_RESERVATION, v1::ALERT_KIND_APPLICATION_INQUIRY}));
  for (const auto& a : micro)
    EXPECT_EQ(std::vector<std::string>(a.account_references().begin(), a.account_references().end()),
              std::vector<std::string>{"B-1"});
  // finance-c's reservation made it a holder, but every change came before or from it.
  EXPECT_TRUE(ListAll(TestService::kFinanceC, 1, 300ms).empty());
}

TEST_F(AlertTest, NoAlertByteNamesAnotherMemberOrItsAccountOrTheBorrower) {
  Report(TestService::kBankA, LineRequest("", "ACCT-BANK-SECRET", kBorrower, 8'000'000, 2'000'000));
  Report(TestService::kMicroB, Line("ACCT-MICRO-SECRET", 35));
  v1::ReserveCreditResponse reserved;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).ReserveCredit(ReserveRequest("rv-2", kBorrower, 100'000), &reserved).ok());
  const auto bank = ListAll(TestService::kBankA, 3);
  const auto micro = ListAll(TestService::kMicroB, 1);
  ASSERT_EQ(bank.size(), 3u);
  ASSERT_EQ(micro.size(), 1u);
  auto bytes = [](const std::vector<v1::Alert>& alerts) {
    std::string all;
    for (const auto& a : alerts) all += a.SerializeAsString();
    return all;
  };
  for (const auto& [who, text, foreign] : std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
           {"bank-a", bytes(bank), {"micro-b", "finance-c", "ACCT-MICRO-SECRET", reserved.reservation_id()}},
           {"micro-b", bytes(micro), {"bank-a", "finance-c", "ACCT-BANK-SECRET", reserved.reservation_id()}}}) {
    for (const auto& f : foreign) EXPECT_EQ(text.find(f), std::string::npos) << who << " sees " << f;
    EXPECT_EQ(text.find(kBorrower), std::string::npos);
    EXPECT_EQ(text.find("120101"), std::string::npos);
  }
  // The stored rows carry no borrower key and no raw ID either.
  EXPECT_EQ(svc.db().Count("alerts"), 4);
}

TEST_F(AlertTest, OnlyWhileARelationshipLastsAndNeverToAMemberWithout) {
  Report(TestService::kMicroB, Line("B-1"));  // bank-a has nothing yet
  Settle();
  EXPECT_TRUE(ListAll(TestService::kBankA, 1, 200ms).empty());

  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));
  Report(TestService::kMicroB, Line("B-1", 10, MakeDate(2026, 11, 10)));
  ASSERT_EQ(KindsOf(ListAll(TestService::kBankA, 1)), std::vector<v1::AlertKind>{v1::ALERT_KIND_PAST_DUE});

  auto closed = LineRequest("", "A-1", kBorrower, 8'000'000, 0, MakeDate(2026, 11, 12));
  closed.mutable_line()->set_status(v1::LINE_STATUS_CLOSED);
  closed.mutable_line()->set_settlement_type(v1::SETTLEMENT_TYPE_PAID_AS_AGREED);
  Report(TestService::kBankA, closed);
  Report(TestService::kMicroB, Line("B-1", 70, MakeDate(2026, 11, 20)));
  Report(TestService::kMicroB, Line("B-2"));
  Settle();
  EXPECT_EQ(ListAll(TestService::kBankA, 2, 300ms).size(), 1u) << "nothing after bank-a's line closed";
  // finance-c never lent: nothing, and a regulator may not ask.
  EXPECT_TRUE(ListAll(TestService::kFinanceC, 1, 200ms).empty());
  v1::ListAlertsResponse resp;
  EXPECT_EQ(svc.ClientFor(TestService::kRegulator).ListAlerts({}, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext context;
  const auto watched = svc.ClientFor(TestService::kRegulator).WatchAlerts(context, {}, [](const auto&) { return true; });
  EXPECT_EQ(watched.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AlertTest, AWatchFollowsLiveAndResumesFromItsCursorWithoutGapOrRepeat) {
  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));
  std::vector<v1::Alert> first;
  std::string cursor;
  {
    Watcher watch(svc.ClientFor(TestService::kBankA));
    for (int i = 0; i < 5; ++i) Report(TestService::kMicroB, Line("B-" + std::to_string(i)));
    first = watch.WaitFor(5);
    ASSERT_EQ(first.size(), 5u);
    cursor = first.back().cursor();
  }
  for (int i = 5; i < 12; ++i) Report(TestService::kMicroB, Line("B-" + std::to_string(i)));
  Watcher resumed(svc.ClientFor(TestService::kBankA), cursor);
  const auto rest = resumed.WaitFor(7);
  ASSERT_EQ(rest.size(), 7u);
  std::set<std::string> ids;
  for (const auto* batch : std::initializer_list<const std::vector<v1::Alert>*>{&first, &rest})
    for (const auto& a : *batch) EXPECT_TRUE(ids.insert(a.alert_id()).second) << "repeated " << a.alert_id();
  // Nothing more arrives; the last cursor is the feed's end.
  Settle();
  EXPECT_EQ(resumed.WaitFor(8, 300ms).size(), 7u);
  EXPECT_EQ(ListAll(TestService::kBankA, 12).size(), 12u);
}

TEST_F(AlertTest, SettingsChooseTheKindsAndBadInputIsNamed) {
  v1::UpdateAlertSettingsRequest only_past_due;
  only_past_due.add_kinds(v1::ALERT_KIND_PAST_DUE);
  v1::AlertSettings settings;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).UpdateAlertSettings(only_past_due, &settings).ok());
  ASSERT_EQ(settings.kinds_size(), 1);
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).GetAlertSettings(&settings).ok());
  EXPECT_EQ(settings.kinds(0), v1::ALERT_KIND_PAST_DUE);
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).GetAlertSettings(&settings).ok());
  EXPECT_EQ(settings.kinds_size(), 8) << "every kind unless chosen";

  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));
  Report(TestService::kMicroB, Line("B-1"));
  Report(TestService::kMicroB, Line("B-1", 9, MakeDate(2026, 11, 9)));
  EXPECT_EQ(KindsOf(ListAll(TestService::kBankA, 1)), std::vector<v1::AlertKind>{v1::ALERT_KIND_PAST_DUE});

  v1::UpdateAlertSettingsRequest none;
  EXPECT_EQ(svc.ClientFor(TestService::kBankA).UpdateAlertSettings(none, &settings).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::UpdateAlertSettingsRequest bogus;
  bogus.add_kinds(static_cast<v1::AlertKind>(99));
  const auto st = svc.ClientFor(TestService::kBankA).UpdateAlertSettings(bogus, &settings);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("kinds"), std::string::npos);
  for (const char* cursor : {"x1", "a", "a-1", "a99999999999999999999999", "a1 "}) {
    v1::ListAlertsRequest req;
    req.set_cursor(cursor);
    v1::ListAlertsResponse resp;
    const auto bad = svc.ClientFor(TestService::kBankA).ListAlerts(req, &resp);
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << cursor;
    EXPECT_NE(bad.error_message().find("cursor"), std::string::npos) << cursor;
    grpc::ClientContext context;
    v1::WatchAlertsRequest watch;
    watch.set_cursor(cursor);
    EXPECT_EQ(svc.ClientFor(TestService::kBankA).WatchAlerts(context, watch, [](const auto&) { return true; }).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // A page never exceeds its size; `more` says what waits.
  for (int i = 2; i < 8; ++i) Report(TestService::kMicroB, Line("B-" + std::to_string(i), 5));
  ListAll(TestService::kBankA, 7);
  v1::ListAlertsRequest page;
  page.set_page_size(3);
  v1::ListAlertsResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ListAlerts(page, &resp).ok());
  EXPECT_EQ(resp.alerts_size(), 3);
  EXPECT_TRUE(resp.more());
  EXPECT_EQ(resp.next_cursor(), resp.alerts(2).cursor());
}

TEST_F(AlertTest, BulkReportsRaiseTheSameAlertsAsUnaryOnes) {
  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));
  Report(TestService::kBankA, LineRequest("", "A-2", kOtherBorrower, 8'000'000, 2'000'000));
  int n = 0;
  std::vector<v1::BulkRecordResult> results;
  const auto st = svc.ClientFor(TestService::kMicroB)
                      .BulkReportCreditLines(
                          [&](v1::BulkLineRecord* r) {
                            if (n >= 40) return false;
                            const auto line = Line("BULK-" + std::to_string(n), n % 2 ? 35 : 0);
                            r->set_sequence(n);
                            r->set_request_id("bulk-" + std::to_string(n));
                            *r->mutable_line() = line.line();
                            if (n >= 30) r->mutable_line()->set_resident_id(kOtherBorrower);
                            ++n;
                            return true;
                          },
                          10, [&](const v1::BulkRecordResult& r) { results.push_back(r); });
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(results.size(), 40u);
  // 40 new lines and 20 of them past due: 60 alerts, to bank-a for both borrowers.
  const auto alerts = ListAll(TestService::kBankA, 60);
  ASSERT_EQ(alerts.size(), 60u);
  int on_a2 = 0;
  for (const auto& a : alerts) on_a2 += a.account_references(0) == "A-2";
  EXPECT_EQ(on_a2, 15);
}

TEST_F(AlertTest, AStuckConsumerDoesNotSlowReportsAndASlowOneIsToldToResume) {
  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));
  // A raw stream that never reads.
  const auto [cert, key] = svc.IssueCredentialFiles(TestService::kBankA, "stuck");
  auto stub = v1::AlertService::NewStub(NoRetryChannel(svc.target(), svc.pki().ca_file(), cert, key));
  grpc::ClientContext stuck_context;
  auto stuck = stub->WatchAlerts(&stuck_context, v1::WatchAlertsRequest());
  for (int i = 0; i < 300; ++i) Report(TestService::kMicroB, Line("B-" + std::to_string(i)));
  EXPECT_EQ(ListAll(TestService::kBankA, 300).size(), 300u);
  stuck_context.TryCancel();
}

TEST_F(AlertTest, OperatorsSetKindsAndThePurgeDeletesAlertsPastTheirRetention) {
  auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), CREDITSHARE_ADMIN_BINARY);
    auto env = DatabaseEnv(svc.db().config(), svc.pki().dir());
    env.push_back("CREDITSHARE_ADMIN_ACTOR=alice@ops");
    return RunProcess(args, env);
  };
  const auto shown = admin({"member", "alerts", TestService::kBankA});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("new_line,new_reservation,application_inquiry,past_due"), std::string::npos) << shown.out;
  const auto set = admin({"member", "alerts", TestService::kBankA, "--kinds", "past_due,charged_off", "--output", "json"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("\"past_due,charged_off\""), std::string::npos) << set.out;
  v1::AlertSettings settings;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).GetAlertSettings(&settings).ok());
  EXPECT_EQ(settings.kinds_size(), 2);
  EXPECT_EQ(svc.db().Count("admin_actions WHERE action = 'member.alerts' AND actor = 'alice@ops'"), 1);
  const auto bad = admin({"member", "alerts", TestService::kBankA, "--kinds", "new_line,nonsense"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown alert kind 'nonsense'"), std::string::npos) << bad.err;

  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).UpdateAlertSettings([] {
    v1::UpdateAlertSettingsRequest all;
    for (int k = 1; k <= 8; ++k) all.add_kinds(static_cast<v1::AlertKind>(k));
    return all;
  }(), &settings).ok());
  Report(TestService::kBankA, LineRequest("", "A-1", kBorrower, 8'000'000, 2'000'000));
  Report(TestService::kMicroB, Line("B-1"));
  ASSERT_EQ(ListAll(TestService::kBankA, 1).size(), 1u);
  // The test clock raised it on 2026-11-23; the purge runs on the real clock, days later.
  const auto kept = admin({"retention", "purge", "--output", "json"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("\"alerts_deleted\":0"), std::string::npos) << kept.out;
  const auto purged = admin({"retention", "purge", "--alert-retention-days", "1", "--output", "json"});
  ASSERT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_NE(purged.out.find("\"alerts_deleted\":1"), std::string::npos) << purged.out;
  EXPECT_EQ(svc.db().Count("alerts"), 0);
}

}  // namespace
}  // namespace creditshare::testing
