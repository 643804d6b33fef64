// The borrower's stored state (schema 0019): a copy of their lines, reservations and protections
// that exposures read instead of the tables. Whoever changes those tables (the API, an operator's
// SQL) clears it in the same transaction; the background builder, on any number of replicas,
// writes it back; a reader never sees a state older than the tables.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "harness.h"
#include "requests.h"
#include "storage/borrower_state.h"

namespace creditshare::testing {
namespace {

class BorrowerStateTest : public ::testing::Test {
 protected:
  TestService svc;
  int next_request = 0;

  void Report(const std::string& account, const std::string& borrower, long balance,
              const char* member = TestService::kBankA) {
    v1::ReportCreditLineResponse resp;
    const auto st = svc.ClientFor(member).ReportCreditLine(
        LineRequest("bs-" + std::to_string(++next_request), account, borrower, 5'000'000, balance), &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  v1::GetBorrowerExposureResponse Exposure(const std::string& borrower, const char* viewer = TestService::kFinanceC) {
    v1::GetBorrowerExposureResponse e;
    const auto st = svc.ClientFor(viewer).GetBorrowerExposure(ExposureRequest(borrower), &e);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return e;
  }
  // The state column of every borrower, "NULL" where it is not built.
  std::string StateOf(std::uint64_t borrower_id) {
    auto& stmt = svc.db().conn().Prepare("SELECT state FROM borrowers WHERE id = ?");
    stmt.setUInt64(1, borrower_id);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (!rs->next()) return "no borrower";
    return rs->isNull(1) ? "NULL" : std::string(rs->getString(1));
  }
  // Waits (up to 20 s) until the server's builder has written a state that decodes.
  bool WaitBuilt(std::uint64_t borrower_id) {
    for (int i = 0; i < 1000; ++i) {
      const auto s = StateOf(borrower_id);
      if (s != "NULL" && storage::borrower_state::Decode(s)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  std::uint64_t OnlyBorrowerId() {
    std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare("SELECT MAX(id) FROM borrowers").executeQuery());
    rs->next();
    return rs->getUInt64(1);
  }
};

TEST_F(BorrowerStateTest, EveryChangeClearsTheStateInItsOwnTransactionAndReadersSeeTheTables) {
  Report("L-1", kBorrower, 100'000);
  const auto id = OnlyBorrowerId();
  ASSERT_TRUE(WaitBuilt(id));  // the sweep finds it
  auto e = Exposure(kBorrower);
  ASSERT_EQ(e.lines_size(), 1);
  EXPECT_EQ(e.lines(0).outstanding_balance_minor(), 100'000);

  // A report through the API: cleared by the time it is acknowledged.
  Report("L-1", kBorrower, 200'000);
  EXPECT_EQ(StateOf(id), "NULL");
  EXPECT_EQ(Exposure(kBorrower).lines(0).outstanding_balance_minor(), 200'000);

  // An operator's SQL, bypassing the server: the trigger clears it just the same.
  ASSERT_TRUE(WaitBuilt(id));
  svc.db().conn().Execute("UPDATE credit_lines SET outstanding_balance_minor = 300000");
  EXPECT_EQ(StateOf(id), "NULL");
  EXPECT_EQ(Exposure(kBorrower).lines(0).outstanding_balance_minor(), 300'000);

  // A reservation, and its release.
  ASSERT_TRUE(WaitBuilt(id));
  v1::ReserveCreditResponse reserved;
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ReserveCredit(ReserveRequest("bs-r1", kBorrower, 50'000), &reserved).ok());
  EXPECT_EQ(StateOf(id), "NULL");
  EXPECT_EQ(Exposure(kBorrower).reservations_size(), 1);
  ASSERT_TRUE(WaitBuilt(id));
  EXPECT_EQ(Exposure(kBorrower).reservations_size(), 1);  // read from the state
  v1::ReleaseReservationRequest release;
  release.set_request_id("bs-r2");
  release.set_reservation_id(reserved.reservation_id());
  v1::ReleaseReservationResponse released;
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ReleaseReservation(release, &released).ok());
  EXPECT_EQ(StateOf(id), "NULL");
  EXPECT_EQ(Exposure(kBorrower).reservations_size(), 0);

  // A reservation whose expiry passes while the state stands: no longer shown, without a change.
  ASSERT_TRUE(svc.ClientFor(TestService::kMicroB).ReserveCredit(ReserveRequest("bs-r3", kBorrower, 70'000), &reserved).ok());
  ASSERT_TRUE(WaitBuilt(id));
  EXPECT_EQ(Exposure(kBorrower).reservations_size(), 1);
  svc.clock().Advance(std::chrono::hours(24 * 31));
  EXPECT_EQ(Exposure(kBorrower).reservations_size(), 0);

  // A protection row (as creditshare-admin writes it).
  ASSERT_TRUE(WaitBuilt(id));
  auto& protect = svc.db().conn().Prepare(
      "INSERT INTO borrower_protections (borrower_id, notice_reference, statement, updated_at_us) "
      "VALUES (?, 'N-1', 'I was abroad in 2026', 1)");
  protect.setUInt64(1, id);
  protect.executeUpdate();
  EXPECT_EQ(StateOf(id), "NULL");
  EXPECT_EQ(Exposure(kBorrower).protections().statement(), "I was abroad in 2026");
  ASSERT_TRUE(WaitBuilt(id));
  EXPECT_EQ(Exposure(kBorrower).protections().statement(), "I was abroad in 2026");

  // A state that is not this version's encoding is not read: the tables are, and it is rebuilt.
  svc.db().conn().Execute("UPDATE borrowers SET state = 'BS not a state'");
  e = Exposure(kBorrower);
  ASSERT_EQ(e.lines_size(), 1);
  EXPECT_EQ(e.lines(0).outstanding_balance_minor(), 300'000);
  ASSERT_TRUE(WaitBuilt(id));
  // One that decodes but does not read (a balance that is no number): the same.
  storage::borrower_state::StoredRow bad;
  bad.cells.resize(storage::borrower_state::kColumns);
  bad.cells[0] = "1";
  bad.cells[1] = "1";
  bad.cells[9] = "not a number";
  bad.cells[storage::borrower_state::kKindColumn - 1] = std::to_string(storage::borrower_state::kLineRow);
  bad.cells[storage::borrower_state::kOwnerColumn - 1] = std::to_string(id);
  auto& corrupt = svc.db().conn().Prepare("UPDATE borrowers SET state = ? WHERE id = ?");
  corrupt.setString(1, storage::borrower_state::Encode({bad}));
  corrupt.setUInt64(2, id);
  corrupt.executeUpdate();
  e = Exposure(kBorrower);
  ASSERT_EQ(e.lines_size(), 1);
  EXPECT_EQ(e.lines(0).outstanding_balance_minor(), 300'000);
  // The read asked for a rebuild, which replaces even a state that decodes.
  for (int i = 0; i < 500 && !svc.db().StaleBorrowerStates(svc.clock().NowMicros()).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
  EXPECT_NE(StateOf(id), "NULL");
}

// Writers on two members, the server's builder and two more builders (as other replicas would
// run), all on the same few borrowers for a few seconds; a checker compares every built state
// with the tables in one snapshot all along.
TEST_F(BorrowerStateTest, ConcurrentWritersAndBuildersNeverLeaveAStateOlderThanTheTables) {
  std::vector<std::string> borrowers;
  for (int i = 0; i < 6; ++i) borrowers.push_back(ResidentIdFor("110101", 1980 + i, i));
  for (const auto& b : borrowers)
    for (const char* member : {TestService::kBankA, TestService::kMicroB}) Report("C-" + b, b, 1'000, member);
  std::vector<std::uint64_t> ids;
  {
    std::unique_ptr<sql::ResultSet> rs(svc.db().conn().Prepare("SELECT id FROM borrowers").executeQuery());
    while (rs->next()) ids.push_back(rs->getUInt64(1));
  }
  ASSERT_EQ(ids.size(), borrowers.size());
  std::atomic<bool> stop = false;
  std::atomic<int> reports = 0, checks = 0;
  std::vector<std::string> stale;
  std::vector<std::thread> threads;
  for (const char* member : {TestService::kBankA, TestService::kMicroB}) {
    auto& client = svc.ClientFor(member);
    threads.emplace_back([&, member] {
      std::mt19937 rng(member[0]);
      for (int n = 0; !stop; ++n) {
        const auto& b = borrowers[rng() % borrowers.size()];
        v1::ReportCreditLineResponse resp;
        const auto st = client.ReportCreditLine(
            LineRequest(std::string(member) + "-" + std::to_string(n), "C-" + b, b, 5'000'000, 1'000 + n), &resp);
        if (st.ok()) ++reports;
      }
    });
  }
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&] {
      storage::BorrowerStateBuilder builder(svc.db().config(), svc.clock(), {10000, 4, 50});
      while (!stop) {
        for (const auto id : ids) builder.Request(id);
        builder.RunOnce();
      }
    });
  threads.emplace_back([&] {
    storage::ConnectionPool pool(svc.db().config());
    auto conn = pool.Acquire();
    while (!stop) {
      for (auto& s : StaleBorrowerStates(*conn, svc.clock().NowMicros())) stale.push_back(std::move(s));
      ++checks;
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(6));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(stale, std::vector<std::string>{});
  EXPECT_GT(reports.load(), 50);
  EXPECT_GT(checks.load(), 10);
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{}) << "after the writers stopped";
  // Every borrower is still readable, and ends built and equal to the tables.
  storage::BorrowerStateBuilder(svc.db().config(), svc.clock()).BuildAll();
  EXPECT_EQ(svc.db().StaleBorrowerStates(svc.clock().NowMicros()), std::vector<std::string>{});
  for (const auto& b : borrowers) {
    const auto e = Exposure(b);
    ASSERT_EQ(e.lines_size(), 2);  // one line of each member
  }
}

}  // namespace
}  // namespace creditshare::testing
