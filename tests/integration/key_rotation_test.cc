// The borrower key set rotated while the service runs (docs/operations.md, "Rotating the
// borrower key set"): a version added, made current, every stored value re-keyed under load,
// the old version retired and removed. Before, during and after, the same borrowers show the
// same exposures, a report lands on the one borrower, replays are recognised, the audit chain
// verifies at every moment, and at the end nothing derived from the old key is left.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "admin/key_rotation.h"
#include "audit/audit_chain.h"
#include "harness.h"
#include "requests.h"
#include "security/borrower_keyer.h"

namespace creditshare::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

constexpr int kStable = 24;   // borrowers nobody reports during the rotation: exposures must not move
constexpr int kMoving = 12;   // borrowers that get a new line at finance-c during the move
constexpr int kFiller = 1500;  // more borrowers, so that the move takes long enough to overlap the load
constexpr auto kReload = std::chrono::milliseconds(2500);  // the server reads the key set every second

class KeyRotationTest : public ::testing::Test {
 protected:
  TestService svc{std::nullopt, false, 10, [](ServerConfig& c) { c.key_set_reload_interval = std::chrono::seconds(1); }};
  fs::path key_set = svc.pki().hmac_key_file();
  // The key as it was before the rotation (a bare key file: version 0).
  security::BorrowerKeyer old_keyer = security::BorrowerKeyer::FromFile(key_set);

  std::vector<std::string> ids;  // every borrower of the test
  std::string Id(int n) { return ResidentIdFor("110105", 1980 + n % 20, n); }

  void SetUp() override {
    for (int i = 0; i < kStable + kMoving; ++i) {
      ids.push_back(Id(i));
      v1::ReportCreditLineResponse out;
      for (const char* member : {TestService::kBankA, TestService::kMicroB}) {
        const auto st = svc.ClientFor(member).ReportCreditLine(
            LineRequest(std::string("pre-") + member + "-" + std::to_string(i), "ACC-" + std::to_string(i), ids.back(),
                        5'000'000 + i, 1'000'000 + i),
            &out);
        ASSERT_TRUE(st.ok()) << st.error_message();
      }
      // An application inquiry by micro-b: other members' inquiry counts must survive the move.
      v1::GetBorrowerExposureResponse exposure;
      ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).GetBorrowerExposure(ExposureRequest(ids.back()), &exposure).ok());
    }
    int next = 0;
    const auto st = svc.ClientFor(TestService::kBankA)
                        .BulkReportCreditLines(
                            [&](v1::BulkLineRecord* out) {
                              if (next >= kFiller) return false;
                              const auto r = LineRequest("filler-" + std::to_string(next), "FL-" + std::to_string(next),
                                                         Id(10'000 + next), 1'000'000, 1000);
                              out->set_sequence(next++);
                              out->set_request_id(r.request_id());
                              *out->mutable_line() = r.line();
                              return true;
                            },
                            500, [](const v1::BulkRecordResult&) {});
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // What bank-a, a holder, sees in post-loan management (records no application inquiry).
  v1::GetBorrowerExposureResponse Exposure(client::Client& c, const std::string& id, grpc::Status* st = nullptr) {
    v1::GetBorrowerExposureResponse out;
    const auto s = c.GetBorrowerExposure(ExposureRequest(id, v1::PURPOSE_POST_LOAN_MANAGEMENT), &out);
    if (st != nullptr) *st = s;
    return out;
  }

  std::vector<v1::GetBorrowerExposureResponse> StableExposures() {
    std::vector<v1::GetBorrowerExposureResponse> out;
    for (int i = 0; i < kStable; ++i) out.push_back(Exposure(svc.ClientFor(TestService::kBankA), ids[i]));
    return out;
  }

  void ExpectIntactChain() {
    const auto report = audit::VerifyChain(*pool_);
    EXPECT_FALSE(report.broken_record_id) << report.problem;
  }

  std::unique_ptr<storage::ConnectionPool> pool_ = std::make_unique<storage::ConnectionPool>([this] {
    auto c = svc.server_config().db;
    c.pool_size = 4;
    return c;
  }());
};

TEST_F(KeyRotationTest, UnderLoadTheSameBorrowersStayTheSameAndNothingOfTheOldKeyIsLeft) {
  const auto before = StableExposures();
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kStable));
  ASSERT_EQ(before[0].lines_size(), 2);
  ASSERT_GT(before[0].inquiries().last_30_days(), 0);
  const long borrowers_before = svc.db().Count("borrowers");

  // Step 1: a version every server knows, not yet written.
  EXPECT_EQ(admin::AddKeyVersion(key_set), 1);
  std::this_thread::sleep_for(kReload);
  EXPECT_EQ(svc.db().Count("borrowers WHERE key_version = 1"), 0);

  // Step 2: the new version is current; a borrower first seen now is stored under it.
  EXPECT_EQ(admin::PromoteKeyVersion(*pool_, key_set), 1);
  std::this_thread::sleep_for(kReload);
  const std::string fresh = Id(900);
  v1::ReportCreditLineResponse report;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC)
                  .ReportCreditLine(LineRequest("fresh-1", "F-1", fresh, 3'000'000, 100), &report)
                  .ok());
  EXPECT_EQ(svc.db().Count("borrowers WHERE key_version = 1"), 1);
  // A replay of a report stored under version 0 is recognised while its key is still version 0.
  v1::ReportCreditLineResponse replay;
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                  .ReportCreditLine(LineRequest("pre-bank-a-0", "ACC-0", ids[0], 5'000'000, 1'000'000), &replay)
                  .ok());
  EXPECT_EQ(replay.version(), 1);
  for (int i = 0; i < kStable; ++i)
    EXPECT_TRUE(MessageDifferencer::Equals(Exposure(svc.ClientFor(TestService::kBankA), ids[i]), before[i])) << i;

  // Step 3: re-key while members query, report and bulk-report, and the chain is verified.
  std::atomic<bool> done{false};
  std::atomic<int> exposures{0}, mismatches{0}, failures{0}, reports{0}, verifies{0};
  std::mutex failure_mu;
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    ++failures;
    std::lock_guard lock(failure_mu);
    if (first_failure.empty()) first_failure = what;
  };
  std::thread queries([&] {
    for (int n = 0; !done; ++n) {
      grpc::Status st;
      const auto got = Exposure(svc.ClientFor(TestService::kBankA), ids[n % kStable], &st);
      if (!st.ok()) {
        fail("exposure: " + st.error_message());
        continue;
      }
      ++exposures;
      if (!MessageDifferencer::Equals(got, before[n % kStable])) ++mismatches;
    }
  });
  std::thread reporter([&] {
    for (int i = 0; i < kMoving && !done; ++i) {
      // A second lender for a borrower the job may or may not have reached yet.
      v1::ReportCreditLineResponse out;
      const auto st = svc.ClientFor(TestService::kFinanceC)
                          .ReportCreditLine(LineRequest("move-" + std::to_string(i), "M-" + std::to_string(i),
                                                        ids[kStable + i], 2'000'000, 500'000),
                                            &out);
      if (!st.ok()) fail("report: " + st.error_message());
      ++reports;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // And a bulk chunk of new and existing borrowers at once.
    int next = 0;
    const auto st = svc.ClientFor(TestService::kFinanceC)
                        .BulkReportCreditLines(
                            [&](v1::BulkLineRecord* out) {
                              if (next >= 8) return false;
                              const std::string id = next < 4 ? Id(950 + next) : ids[kStable + next];
                              const auto r = LineRequest("bulk-" + std::to_string(next), "BK-" + std::to_string(next),
                                                         id, 1'000'000, 1000);
                              out->set_sequence(next++);
                              out->set_request_id(r.request_id());
                              *out->mutable_line() = r.line();
                              return true;
                            },
                            8, [&](const v1::BulkRecordResult& r) {
                              if (r.status() == v1::BULK_RECORD_STATUS_REJECTED) fail("bulk record rejected");
                            });
    if (!st.ok()) fail("bulk: " + st.error_message());
  });
  std::thread verifier([&] {
    while (!done) {
      const auto r = audit::VerifyChain(*pool_);
      if (r.broken_record_id) fail("audit chain during the re-seal: " + r.problem);
      ++verifies;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  security::BorrowerKeyer keyer = security::BorrowerKeyer::FromFile(key_set);
  admin::RekeyReport rekeyed;
  std::string rekey_error;
  const auto started = std::chrono::steady_clock::now();
  try {
    rekeyed = admin::Rekey(*pool_, keyer, "test-operator", 7);  // small batches: many transactions under load
  } catch (const std::exception& e) {
    rekey_error = e.what();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int exposures_during = exposures.load();
  const int reports_during = reports.load();
  reporter.join();
  done = true;
  queries.join();
  verifier.join();
  ASSERT_EQ(rekey_error, "");
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(mismatches.load(), 0) << "of " << exposures.load() << " exposures during the move";
  EXPECT_GT(exposures_during, 20);
  std::cout << "re-keyed in " << seconds << " s (" << rekeyed.passes << " pass(es)): borrowers "
            << rekeyed.converted["borrowers"] << ", inquiries " << rekeyed.converted["inquiries"] << ", idempotency keys "
            << rekeyed.converted["idempotency_keys"] << ", audit records " << rekeyed.converted["audit_log"] << "; "
            << exposures_during << " exposures and " << reports_during << " reports meanwhile\n";
  EXPECT_GT(verifies.load(), 0);
  EXPECT_EQ(rekeyed.from, 0);
  EXPECT_EQ(rekeyed.to, 1);
  EXPECT_GE(rekeyed.converted["borrowers"], kStable + kMoving + kFiller);
  EXPECT_GT(reports_during, 0);
  EXPECT_GT(rekeyed.converted["audit_log"], 0);

  // Step 4: the old version leaves the file; servers read the set without it.
  EXPECT_EQ(admin::RetireKeyVersion(*pool_, key_set), 0);
  std::this_thread::sleep_for(kReload);
  EXPECT_EQ(security::BorrowerKeyer::FromFile(key_set).versions(), std::vector<int>{1});

  // The same borrowers, the same exposures; each moving borrower has its finance-c line on the
  // one borrower row; no person was created twice.
  for (int i = 0; i < kStable; ++i)
    EXPECT_TRUE(MessageDifferencer::Equals(Exposure(svc.ClientFor(TestService::kBankA), ids[i]), before[i])) << i;
  for (int i = 0; i < kMoving; ++i) EXPECT_EQ(Exposure(svc.ClientFor(TestService::kBankA), ids[kStable + i]).lines_size(), i >= 4 && i < 8 ? 4 : 3) << i;
  EXPECT_EQ(svc.db().Count("borrowers"), borrowers_before + 1 + 4);
  // Replays of requests stored before the rotation are still recognised; a different request under
  // the same id is still refused.
  ASSERT_TRUE(svc.ClientFor(TestService::kBankA)
                  .ReportCreditLine(LineRequest("pre-bank-a-1", "ACC-1", ids[1], 5'000'001, 1'000'001), &replay)
                  .ok());
  EXPECT_EQ(replay.version(), 1);
  EXPECT_EQ(svc.ClientFor(TestService::kBankA)
                .ReportCreditLine(LineRequest("pre-bank-a-1", "ACC-1", ids[1], 7, 1), &replay)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ExpectIntactChain();

  // Nothing stored is under version 0 or equals a version-0 key of any borrower, and no raw ID
  // appears anywhere.
  for (const char* table : {"borrowers", "inquiries", "idempotency_keys"})
    EXPECT_EQ(svc.db().Count(std::string(table) + " WHERE key_version = 0"), 0) << table;
  EXPECT_EQ(svc.db().Count("audit_log WHERE key_version = 0 AND borrower_key <> ''"), 0);
  std::vector<std::string> all_ids = ids;
  all_ids.push_back(fresh);
  for (int n = 0; n < 4; ++n) all_ids.push_back(Id(950 + n));
  const auto rows = svc.db().DumpAllTables(true);
  for (const auto& id : all_ids) {
    const auto old_key = old_keyer.BorrowerKey(domain::ResidentId::Parse(id, {2026, 11, 1}, "id").value()).current;
    for (const auto& row : rows) {
      ASSERT_EQ(row.find(old_key), std::string::npos) << "a version-0 key survives in " << row.substr(0, 40);
      ASSERT_EQ(row.find(id), std::string::npos) << "a raw ID is stored in " << row.substr(0, 40);
    }
  }
  // The rotation is an admin action in the audit log, with the lane heads it started from.
  EXPECT_EQ(svc.db().Count("admin_actions WHERE action = 'keys.rekey' AND target = 'v0->v1' AND detail LIKE "
                           "'audit lane heads before: %'"),
            1);
}

TEST_F(KeyRotationTest, TheReSealNeverBlessesARecordEditedBeforeIt) {
  admin::AddKeyVersion(key_set);
  std::this_thread::sleep_for(kReload);
  admin::PromoteKeyVersion(*pool_, key_set);
  std::this_thread::sleep_for(kReload);
  audit::Sealer(*pool_).SealAll();
  // Someone with database access edits a sealed record that the re-seal will rewrite (one with a
  // borrower key) before the rotation.
  svc.db().conn().Execute(
      "UPDATE audit_log SET consent_reference = 'FORGED' WHERE chain_seq = (SELECT s FROM (SELECT MAX(chain_seq) AS s "
      "FROM audit_log WHERE borrower_key <> '') t)");
  const auto keyer = security::BorrowerKeyer::FromFile(key_set);
  try {
    admin::Rekey(*pool_, keyer, "test-operator", 3);
    ADD_FAILURE() << "the re-seal rewrote a chain with an edited record";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the chain"), std::string::npos) << e.what();
  }
  const auto report = audit::VerifyChain(*pool_);
  ASSERT_TRUE(report.broken_record_id);  // still found, and named
  EXPECT_EQ(svc.db().Count("key_versions WHERE state = 2"), 0);  // nothing retired
}

TEST_F(KeyRotationTest, AServerRefusesAKeySetThatWouldOrphanStoredBorrowers) {
  admin::AddKeyVersion(key_set);
  // Promoting before the server has read the new version is refused, naming the server.
  try {
    admin::PromoteKeyVersion(*pool_, key_set);
    ADD_FAILURE() << "promoted while a server held only version 0";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds key versions 0, not 0,1"), std::string::npos) << e.what();
  }
  std::this_thread::sleep_for(kReload);
  admin::PromoteKeyVersion(*pool_, key_set);
  std::this_thread::sleep_for(kReload);
  v1::ReportCreditLineResponse out;
  ASSERT_TRUE(svc.ClientFor(TestService::kFinanceC).ReportCreditLine(LineRequest("v1-1", "V-1", Id(700), 100, 1), &out).ok());

  // A set with only version 1 would lose every borrower still under version 0.
  auto set = admin::ReadKeySet(key_set);
  const auto full = set;
  std::erase_if(set.versions, [](const auto& v) { return v.version == 0; });
  const fs::path only_new = key_set.string() + ".only-new";
  admin::WriteKeySet(only_new, set);
  auto config = svc.server_config();
  config.hmac_key_file = only_new.string();
  config.listen_address = "127.0.0.1:0";
  try {
    Server refused(config, std::make_shared<FixedClock>(svc.clock().Now()));
    ADD_FAILURE() << "a server started with a key set lacking version 0";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("key version 0"), std::string::npos) << e.what();
  }
  // The running server keeps its set when the file is replaced by such a one.
  admin::WriteKeySet(key_set, set);
  std::this_thread::sleep_for(kReload);
  EXPECT_EQ(Exposure(svc.ClientFor(TestService::kBankA), ids[0]).lines_size(), 2);
  admin::WriteKeySet(key_set, full);

  // Rekeying needs every in-use version: retiring is refused before it ran.
  EXPECT_THROW(admin::RetireKeyVersion(*pool_, key_set), std::runtime_error);
  // After it, the retired version can never be current again.
  const auto keyer = security::BorrowerKeyer::FromFile(key_set);
  admin::Rekey(*pool_, keyer, "test-operator", 100);
  auto back = admin::ReadKeySet(key_set);
  back.current = 0;
  admin::WriteKeySet(only_new, back);
  config.hmac_key_file = only_new.string();
  try {
    Server refused(config, std::make_shared<FixedClock>(svc.clock().Now()));
    ADD_FAILURE() << "a server started writing under a retired version";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("retired"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace creditshare::testing
