// Alert delivery across failures: two replicas sequencing one feed, kill -9 of the server and of
// MariaDB while reports flow and a consumer follows, and a consumer that falls behind.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "creditshare/v1/alert_service.grpc.pb.h"
#include "harness.h"
#include "storage/transaction.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using namespace std::chrono_literals;

std::uint64_t Sequence(const std::string& cursor) { return std::stoull(cursor.substr(1)); }

// What a consumer received, in order, with repeats counted.
struct Received {
  std::mutex mu;
  std::vector<v1::Alert> in_order;  // first delivery of each id
  std::map<std::string, std::string> by_id;  // id -> serialized alert
  int repeats = 0;
  int out_of_order = 0;
  void Add(const v1::Alert& a) {
    std::lock_guard lock(mu);
    const auto [it, fresh] = by_id.emplace(a.alert_id(), a.SerializeAsString());
    if (!fresh) {
      ++repeats;
      EXPECT_EQ(it->second, a.SerializeAsString()) << "a repeated alert must be the same alert";
      return;
    }
    if (!in_order.empty() && Sequence(a.cursor()) <= Sequence(in_order.back().cursor())) ++out_of_order;
    in_order.push_back(a);
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return in_order.size();
  }
};

std::unique_ptr<client::Client> ClientAt(TestService& svc, const std::string& target, const std::string& member,
                                         const std::string& stem) {
  auto [cert, key] = svc.IssueCredentialFiles(member, stem);
  client::ClientOptions o;
  o.target = target;
  o.ca_file = svc.pki().ca_file();
  o.cert_file = cert;
  o.key_file = key;
  return std::make_unique<client::Client>(o);
}

// The member's alert ids in the database, in sequence order.
// Fresh connections: the test's own may have died with the database.
std::vector<std::string> StoredAlertIds(TestService& svc, const std::string& member) {
  storage::ConnectionPool pool(svc.db().config());
  auto conn = pool.Acquire();
  auto& stmt = conn->Prepare(
      "SELECT a.public_id FROM alerts a JOIN members m ON m.id = a.recipient_member_id WHERE m.code = ? "
      "ORDER BY a.sequence");
  stmt.setString(1, member);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<std::string> out;
  while (rs->next()) out.push_back(rs->getString(1));
  return out;
}

void WaitUntil(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
}

TEST(AlertReplicaTest, TwoReplicasSequenceOneFeedAndAWatcherOnEitherSeesEveryAlertOnce) {
  TestService svc;  // replica one, in this process
  ServerProcess two(svc.server_config(), svc.pki().dir() / "replica-two.log");
  const int port = two.WaitForPort(20s);
  ASSERT_GT(port, 0) << two.Log();
  const std::string target_two = "127.0.0.1:" + std::to_string(port);
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReportCreditLine(LineRequest("a-1", "A-1", kBorrower, 9'000'000, 0), &resp).ok());

  Received on_two, on_one;
  auto bank_two = ClientAt(svc, target_two, TestService::kBankA, "bank-two");
  grpc::ClientContext watch_two, watch_one;
  std::thread follower_two([&] {
    bank_two->WatchAlerts(watch_two, {}, [&](const v1::WatchAlertsResponse& m) {
      for (const auto& a : m.alerts()) on_two.Add(a);
      return true;
    });
  });
  std::thread follower_one([&] {
    svc.ClientFor(TestService::kBankA).WatchAlerts(watch_one, {}, [&](const v1::WatchAlertsResponse& m) {
      for (const auto& a : m.alerts()) on_one.Add(a);
      return true;
    });
  });
  // Two members write at once, one through each replica: both replicas' sequencers run.
  constexpr int kEach = 100;
  auto micro_one = &svc.ClientFor(TestService::kMicroB);
  auto finance_two = ClientAt(svc, target_two, TestService::kFinanceC, "finance-two");
  std::thread writer_one([&] {
    for (int i = 0; i < kEach; ++i) {
      v1::ReportCreditLineResponse r;
      EXPECT_TRUE(micro_one->ReportCreditLine(LineRequest("m-" + std::to_string(i), "M-" + std::to_string(i), kBorrower, 100'000, 0), &r).ok());
    }
  });
  std::thread writer_two([&] {
    for (int i = 0; i < kEach; ++i) {
      v1::ReportCreditLineResponse r;
      EXPECT_TRUE(finance_two->ReportCreditLine(LineRequest("f-" + std::to_string(i), "F-" + std::to_string(i), kBorrower, 100'000, 0), &r).ok());
    }
  });
  writer_one.join();
  writer_two.join();
  WaitUntil([&] { return on_two.size() >= 2 * kEach && on_one.size() >= 2 * kEach; }, 20s);
  watch_two.TryCancel();
  watch_one.TryCancel();
  follower_two.join();
  follower_one.join();

  // bank-a hears of every new line exactly once per watcher, in cursor order.
  const auto stored = StoredAlertIds(svc, TestService::kBankA);
  ASSERT_EQ(stored.size(), 2u * kEach);
  for (auto* r : {&on_two, &on_one}) {
    ASSERT_EQ(r->in_order.size(), stored.size());
    EXPECT_EQ(r->repeats, 0);
    EXPECT_EQ(r->out_of_order, 0);
    for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(r->in_order[i].alert_id(), stored[i]);
  }
  // Sequence numbers have no gap and no duplicate however the replicas interleaved.
  std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare(
      "SELECT COUNT(*), COUNT(DISTINCT sequence), MIN(sequence), MAX(sequence) FROM alerts").executeQuery());
  ASSERT_TRUE(rs->next());
  EXPECT_EQ(rs->getInt64(1), rs->getInt64(2));
  EXPECT_EQ(rs->getInt64(3), 1);
  EXPECT_EQ(rs->getInt64(4), rs->getInt64(1));
  EXPECT_EQ(svc.db().Count("alert_outbox"), 0);
}

TEST(AlertCrashTest, AFollowerMissesNothingAcrossKillNineOfTheServerAndOfMariaDb) {
  PrivateMariaDb mariadb;
  TestService svc(mariadb.config());  // the writers' replica, in this process
  auto config = svc.server_config();
  config.listen_address = "127.0.0.1:" + std::to_string(FreePort());
  int generation = 0;
  std::unique_ptr<ServerProcess> server;
  auto start_server = [&] {
    server = std::make_unique<ServerProcess>(config, svc.pki().dir() / ("alerts-" + std::to_string(generation++) + ".log"));
    ASSERT_GT(server->WaitForPort(30s), 0) << server->Log();
  };
  start_server();
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReportCreditLine(LineRequest("a-1", "A-1", kBorrower, 9'000'000, 0), &resp).ok());

  // The follower is on the replica that gets killed; FollowAlerts resumes from its last cursor.
  Received received;
  std::atomic<bool> stop{false};
  std::atomic<int> resumes{0};
  auto follower_client = ClientAt(svc, config.listen_address, TestService::kBankA, "follower");
  std::thread follower([&] {
    follower_client->FollowAlerts(
        {},
        [&](const v1::WatchAlertsResponse& m) {
          for (const auto& a : m.alerts()) received.Add(a);
          return !stop;
        },
        [&](const grpc::Status&) { ++resumes; });
  });
  // micro-b reports new lines through the surviving replica, each resent under its request id
  // until acknowledged.
  std::atomic<int> acknowledged{0};
  auto report = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const auto request = LineRequest("m-" + std::to_string(i), "M-" + std::to_string(i), kBorrower, 100'000, 0);
      for (int attempt = 0; attempt < 300; ++attempt) {
        v1::ReportCreditLineResponse r;
        if (svc.ClientFor(TestService::kMicroB).ReportCreditLine(request, &r).ok()) break;
        std::this_thread::sleep_for(100ms);
      }
      ++acknowledged;
    }
  };
  report(0, 20);
  // The follower has these 20 from the server about to die, so what follows spans the kill. (A
  // stream killed before its first message can be retried by gRPC's retry policy unseen, and
  // the resume below would then not be counted.)
  WaitUntil([&] { return received.size() >= 20; }, 20s);
  ASSERT_EQ(received.size(), 20u) << "the follower's stream on the first server";
  server.reset();  // kill -9 of the follower's server
  report(20, 40);
  start_server();
  report(40, 60);
  mariadb.Crash();
  mariadb.Resume();
  report(60, 80);
  WaitUntil([&] { return received.size() >= 80; }, 60s);
  stop = true;
  report(80, 81);  // one more message ends the follower's callback
  follower.join();

  const auto stored = StoredAlertIds(svc, TestService::kBankA);
  ASSERT_EQ(stored.size(), 81u) << "one new_line alert per line micro-b reported";
  ASSERT_GE(received.in_order.size(), 80u);
  EXPECT_EQ(received.out_of_order, 0);
  for (std::size_t i = 0; i < received.in_order.size(); ++i)
    EXPECT_EQ(received.in_order[i].alert_id(), stored[i]) << "gap or reorder at " << i;
  EXPECT_GE(resumes.load(), 1) << "the follower's stream ended when its server died";
}

TEST(AlertLagTest, AConsumerThatStaysBehindIsEndedWithAbortedAndResumesWithoutAGap) {
  TestService svc(std::nullopt, false, 10, [](ServerConfig& c) { c.alert_max_lag = 1000ms; });
  v1::ReportCreditLineResponse resp;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA).ReportCreditLine(LineRequest("a-1", "A-1", kBorrower, 9'000'000, 0), &resp).ok());
  // A small receive window, so the consumer's pace is what the server sees.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 << 10);
  const auto [cert, key] = svc.IssueCredentialFiles(TestService::kBankA, "slow");
  auto stub = v1::AlertService::NewStub(NoRetryChannel(svc.target(), svc.pki().ca_file(), cert, key, args));
  grpc::ClientContext context;
  auto reader = stub->WatchAlerts(&context, v1::WatchAlertsRequest());
  std::this_thread::sleep_for(300ms);  // caught up with an empty feed

  constexpr int kLines = 2000;
  int n = 0;
  const auto bulk = svc.ClientFor(TestService::kMicroB).BulkReportCreditLines(
      [&](v1::BulkLineRecord* r) {
        if (n >= kLines) return false;
        const auto line = LineRequest("", "M-" + std::to_string(n), kBorrower, 100'000, 0);
        r->set_sequence(n);
        r->set_request_id("m-" + std::to_string(n));
        *r->mutable_line() = line.line();
        ++n;
        return true;
      },
      500, [](const v1::BulkRecordResult&) {});
  ASSERT_TRUE(bulk.ok()) << bulk.error_message();

  Received received;
  v1::WatchAlertsResponse message;
  std::string last_cursor;
  while (reader->Read(&message)) {
    for (const auto& a : message.alerts()) received.Add(a);
    if (!message.cursor().empty()) last_cursor = message.cursor();
    std::this_thread::sleep_for(150ms);
  }
  const auto status = reader->Finish();
  ASSERT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_NE(status.error_message().find("resume from cursor " + last_cursor), std::string::npos)
      << status.error_message();
  ASSERT_LT(received.size(), static_cast<std::size_t>(kLines));

  // Resuming from the last cursor received picks up exactly where it stopped.
  Received rest;
  grpc::ClientContext again;
  v1::WatchAlertsRequest resume;
  resume.set_cursor(last_cursor);
  std::thread drain([&] {
    svc.ClientFor(TestService::kBankA).WatchAlerts(again, resume, [&](const v1::WatchAlertsResponse& m) {
      for (const auto& a : m.alerts()) rest.Add(a);
      return received.size() + rest.size() < static_cast<std::size_t>(kLines);
    });
  });
  drain.join();
  ASSERT_EQ(received.size() + rest.size(), static_cast<std::size_t>(kLines));
  EXPECT_EQ(Sequence(rest.in_order.front().cursor()), Sequence(last_cursor) + 1);
  EXPECT_EQ(rest.repeats + received.repeats, 0);
}

}  // namespace
}  // namespace creditshare::testing
