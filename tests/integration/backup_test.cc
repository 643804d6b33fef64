// Backups and point-in-time recovery (scripts/backup.sh): a hot backup taken while a unary and a
// bulk client keep reporting, reporting going on after it, and a restore of a fresh MariaDB to a
// time between two known reports. Every report acknowledged before that time is there, none
// started after it is, the schema is current and `audit verify` passes on the restored data.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "domain/resident_id.h"
#include "harness.h"
#include "requests.h"
#include "storage/migrations.h"

namespace creditshare::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

struct Sent {
  std::string account;
  Clock::time_point started, acknowledged;
  bool ok = false;
};

ProcessResult Script(const std::string& name, std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), {"/bin/bash", SourcePath("scripts/" + name)});
  return RunProcess(args, env);
}

std::string Utc(Clock::time_point t) {
  const std::time_t s = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
  return out;
}

// Physical (mariadb-backup on the database host) and logical (mariadb-dump and the binary logs
// copied over the network, as the Helm chart's CronJob takes them).
class BackupTest : public ::testing::TestWithParam<bool> {};

TEST_P(BackupTest, AHotBackupRestoresToAChosenTimeWithExactlyTheReportsAcknowledgedBeforeIt) {
  const bool logical = GetParam();
  PrivateMariaDb source(/*binlog=*/true);
  TestService svc(source.config());
  const std::string socket = "--socket=" + (source.dir() / "mariadb.sock").string();
  std::mutex mu;
  std::vector<Sent> sent;
  std::atomic<bool> stop = false;

  std::thread unary([&] {
    for (int i = 0; !stop; ++i) {
      Sent s{"U-" + std::to_string(i), Clock::now(), {}, false};
      v1::ReportCreditLineResponse resp;
      s.ok = svc.ClientFor(TestService::kBankA)
                 .ReportCreditLine(LineRequest("u-" + std::to_string(i), s.account, ResidentIdFor("120101", 1975, i), 100'000, 1'000), &resp)
                 .ok();
      s.acknowledged = Clock::now();
      std::lock_guard lock(mu);
      sent.push_back(s);
    }
  });
  std::thread bulk([&] {
    for (int stream = 0; !stop; ++stream) {
      std::map<int64_t, Sent> pending;
      int n = 0;
      svc.ClientFor(TestService::kMicroB)
          .BulkReportCreditLines(
              [&](v1::BulkLineRecord* r) {
                if (stop || n == 200) return false;
                const std::string account = "B-" + std::to_string(stream) + "-" + std::to_string(n);
                r->set_sequence(n);
                r->set_request_id("b-" + account);
                *r->mutable_line() = LineRequest("b-" + account, account, ResidentIdFor("120101", 1975, 1000 + n), 50'000, 500).line();
                pending[n] = {account, Clock::now(), {}, false};
                ++n;
                return true;
              },
              50,
              [&](const v1::BulkRecordResult& result) {
                auto& s = pending[result.sequence()];
                s.acknowledged = Clock::now();
                s.ok = result.status() == v1::BULK_RECORD_STATUS_ACCEPTED;
              });
      std::lock_guard lock(mu);
      for (auto& [seq, s] : pending)
        if (s.acknowledged != Clock::time_point{}) sent.push_back(s);
    }
  });

  std::this_thread::sleep_for(std::chrono::seconds(1));
  const fs::path backup = source.dir().parent_path() / (source.dir().filename().string() + "-backup");
  std::vector<std::string> take{"take", "--out", backup.string(), "--database", svc.db().config().database, socket,
                                "--user=root"};
  if (logical) take.push_back("--logical");
  const auto taken = Script("backup.sh", take);
  ASSERT_EQ(taken.exit_code, 0) << taken.err << taken.out;
  // Reporting goes on after the backup; the restore point is a whole second in the middle of it.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto until = std::chrono::ceil<std::chrono::seconds>(Clock::now()) + std::chrono::seconds(1);
  std::this_thread::sleep_until(until + std::chrono::milliseconds(1500));
  stop = true;
  unary.join();
  bulk.join();
  // The next logical backup copies the logs from this one's position on: the restore point lies
  // between the two, and the logs come from the second, not from the source's data directory.
  const fs::path next_backup = backup.string() + "-next";
  if (logical) {
    const auto next = Script("backup.sh", {"take", "--logical", "--since", backup.string(), "--out", next_backup.string(),
                                           "--database", svc.db().config().database, socket, "--user=root"});
    ASSERT_EQ(next.exit_code, 0) << next.err << next.out;
  }

  // A fresh MariaDB from the backup, then the binary log up to `until`.
  const fs::path restored = backup.string() + "-restored";
  const auto started = std::chrono::steady_clock::now();
  const std::string restored_socket = "--socket=" + (restored / "mariadb.sock").string();
  if (logical) {
    // A fresh, empty server; the dump is loaded into it.
    const auto fresh = Script("testdb.sh", {"start", restored.string()});
    ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
    const auto loaded = Script("backup.sh", {"restore", "--from", backup.string(), "--database",
                                             svc.db().config().database, restored_socket, "--user=root"});
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err << loaded.out;
  } else {
    const auto copy = Script("backup.sh", {"restore", "--from", backup.string(), "--datadir", (restored / "data").string()});
    ASSERT_EQ(copy.exit_code, 0) << copy.err;
    fs::copy_file(source.dir() / "password", restored / "password");
    const auto adopted = Script("testdb.sh", {"adopt", restored.string()});
    ASSERT_EQ(adopted.exit_code, 0) << adopted.err;
  }
  const std::string binlogs = logical ? (next_backup / "binlogs").string() : (source.dir() / "data").string();
  const auto replayed = Script("backup.sh", {"replay", "--from", backup.string(), "--binlogs", binlogs, "--until",
                                             Utc(until), restored_socket, "--user=root"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto config = DbConfigFromEnvFile((restored / "env").string());
  config.database = svc.db().config().database;
  std::set<std::string> accounts;
  {
    storage::ConnectionPool pool(config);
    auto conn = pool.Acquire();
    std::unique_ptr<sql::ResultSet> rs(conn->Prepare("SELECT account_reference FROM credit_lines").executeQuery());
    while (rs->next()) accounts.insert(rs->getString(1));
  }
  int before = 0, after = 0, in_flight = 0;
  for (const auto& s : sent) {
    if (!s.ok) continue;
    if (s.acknowledged < until) {
      ++before;
      EXPECT_TRUE(accounts.contains(s.account)) << s.account << " was acknowledged before the restore point";
    } else if (s.started >= until) {
      ++after;
      EXPECT_FALSE(accounts.contains(s.account)) << s.account << " was sent after the restore point";
    } else {
      ++in_flight;  // committed just before or just after: either is right
    }
  }
  EXPECT_GT(before, 50);
  EXPECT_GT(after, 20);

  const auto check = Script("backup.sh", {"check", "--admin", CREDITSHARE_ADMIN_BINARY, "--database", config.database,
                                          restored_socket, "--user=root"},
                            DatabaseEnv(config, restored));
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("schema version: " + std::to_string(storage::RequiredSchemaVersion())), std::string::npos) << check.out;
  std::cout << (logical ? "logical" : "physical") << " restore (copy or load, start, replay): " << seconds << " s; reports before " << before << ", after "
            << after << ", in flight " << in_flight << "\n";

  Script("testdb.sh", {"stop", restored.string()});
  std::error_code ec;
  fs::remove_all(backup, ec);
  fs::remove_all(next_backup, ec);
}

INSTANTIATE_TEST_SUITE_P(Kinds, BackupTest, ::testing::Values(false, true),
                         [](const auto& param_info) { return param_info.param ? "Logical" : "Physical"; });

}  // namespace
}  // namespace creditshare::testing
