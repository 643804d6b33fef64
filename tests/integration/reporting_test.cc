// ReportCreditLine over real mTLS against a real database: idempotency, as-of ordering,
// validation that names the field and writes nothing.
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

class ReportingTest : public ::testing::Test {
 protected:
  TestService svc;
  client::Client& bank() { return svc.ClientFor(TestService::kBankA); }

  v1::ReportCreditLineResponse MustReport(client::Client& c, const v1::ReportCreditLineRequest& req) {
    v1::ReportCreditLineResponse resp;
    const auto st = c.ReportCreditLine(req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
    return resp;
  }
};

TEST_F(ReportingTest, CreatesThenUpdatesALine) {
  auto created = MustReport(bank(), LineRequest("r1", "L-1", kBorrower, 5'000'000, 1'000'000));
  EXPECT_EQ(created.outcome(), v1::REPORT_OUTCOME_CREATED);
  EXPECT_EQ(created.version(), 1);
  EXPECT_EQ(created.account_reference(), "L-1");

  auto updated = MustReport(bank(), LineRequest("r2", "L-1", kBorrower, 5'000'000, 800'000, MakeDate(2026, 11, 20)));
  EXPECT_EQ(updated.outcome(), v1::REPORT_OUTCOME_UPDATED);
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.stored_as_of_date().day(), 20);
  EXPECT_EQ(svc.db().Count("credit_lines"), 1);
  EXPECT_EQ(svc.db().Count("borrowers"), 1);
}

TEST_F(ReportingTest, ReplayWithTheSameKeyReturnsTheFirstResultAndChangesNothing) {
  const auto req = LineRequest("replay-1", "L-1", kBorrower, 5'000'000, 1'000'000);
  const auto first = MustReport(bank(), req);
  const auto before = svc.db().DumpAllTables();
  const auto again = MustReport(bank(), req);
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(ReportingTest, ReplayWithDifferentlyWrittenButEqualIdIsStillAReplay) {
  const auto first = MustReport(bank(), LineRequest("replay-2", "L-1", "11010519491231002X", 100, 0));
  const auto before = svc.db().DumpAllTables();
  const auto again = MustReport(bank(), LineRequest("replay-2", "L-1", " 11010519491231002x", 100, 0));
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(ReportingTest, SameKeyWithDifferentContentIsRejectedAndChangesNothing) {
  MustReport(bank(), LineRequest("k-1", "L-1", kBorrower, 5'000'000, 1'000'000));
  const auto before = svc.db().DumpAllTables();
  v1::ReportCreditLineResponse resp;
  const auto st = bank().ReportCreditLine(LineRequest("k-1", "L-1", kBorrower, 5'000'000, 999'999), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "request_id: was already used for a different request");
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(ReportingTest, SameKeyFromAnotherMemberIsIndependent) {
  MustReport(bank(), LineRequest("shared-key", "L-1", kBorrower, 100, 0));
  auto other = MustReport(svc.ClientFor(TestService::kMicroB), LineRequest("shared-key", "M-1", kBorrower, 200, 0));
  EXPECT_EQ(other.outcome(), v1::REPORT_OUTCOME_CREATED);
  EXPECT_EQ(svc.db().Count("credit_lines"), 2);
}

TEST_F(ReportingTest, OlderAsOfDateDoesNotOverwriteNewerData) {
  MustReport(bank(), LineRequest("n-1", "L-1", kBorrower, 5'000'000, 700'000, MakeDate(2026, 10, 31)));
  // An earlier month only fills in that month's history.
  auto earlier = MustReport(bank(), LineRequest("n-0", "L-1", kBorrower, 5'000'000, 900'000, MakeDate(2026, 9, 30)));
  EXPECT_EQ(earlier.outcome(), v1::REPORT_OUTCOME_HISTORY_UPDATED);
  EXPECT_EQ(earlier.stored_as_of_date().month(), 10);
  EXPECT_EQ(earlier.version(), 1);
  // An older date within an already covered month changes nothing at all.
  const auto before = svc.db().DumpAllTables();
  auto stale = MustReport(bank(), LineRequest("n-2", "L-1", kBorrower, 5'000'000, 800'000, MakeDate(2026, 10, 15)));
  EXPECT_EQ(stale.outcome(), v1::REPORT_OUTCOME_STALE_IGNORED);
  EXPECT_EQ(stale.version(), 1);
  auto after = svc.db().DumpAllTables();
  std::erase_if(after, [](const std::string& r) { return r.rfind("idempotency_keys|", 0) == 0; });
  auto before_lines = before;
  std::erase_if(before_lines, [](const std::string& r) { return r.rfind("idempotency_keys|", 0) == 0; });
  EXPECT_EQ(after, before_lines);

  v1::GetBorrowerExposureResponse exposure;
  ASSERT_TRUE(bank().GetBorrowerExposure(ExposureRequest(kBorrower), &exposure).ok());
  ASSERT_EQ(exposure.lines_size(), 1);
  EXPECT_EQ(exposure.lines(0).outstanding_balance_minor(), 700'000);
  EXPECT_EQ(svc.db().Count("credit_lines"), 1);
}

TEST_F(ReportingTest, AccountReferenceCannotMoveToAnotherBorrower) {
  MustReport(bank(), LineRequest("b-1", "L-1", kBorrower, 100, 0));
  const auto before = svc.db().DumpAllTables();
  v1::ReportCreditLineResponse resp;
  const auto st = bank().ReportCreditLine(LineRequest("b-2", "L-1", kOtherBorrower, 100, 0), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(st.error_message(), "line.resident_id: account_reference is already reported for a different borrower");
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

TEST_F(ReportingTest, ConcurrentRequestsWithOneKeyApplyOnce) {
  const auto req = LineRequest("race-1", "L-1", kBorrower, 100, 0);
  std::vector<std::thread> threads;
  std::vector<v1::ReportCreditLineResponse> responses(8);
  std::vector<grpc::Status> statuses(8);
  auto& c = bank();
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] { statuses[i] = c.ReportCreditLine(req, &responses[i]); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(responses[i].outcome(), v1::REPORT_OUTCOME_CREATED);
    EXPECT_EQ(responses[i].version(), 1);
  }
  EXPECT_EQ(svc.db().Count("credit_lines"), 1);
  EXPECT_EQ(svc.db().Count("idempotency_keys"), 1);
}

struct InvalidCase {
  const char* name;
  std::function<void(v1::ReportCreditLineRequest&)> mutate;
  const char* field;
};

// Keeps test names readable: gtest would otherwise print the struct's bytes.
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class ReportValidationTest : public ReportingTest, public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(ReportValidationTest, RejectsWithInvalidArgumentNamingTheFieldAndWritesNothing) {
  auto& client = bank();  // issues its credential before the snapshot
  const auto before = svc.db().DumpAllTables();
  auto req = LineRequest("v-1", "L-1", kBorrower, 100, 0);
  GetParam().mutate(req);
  v1::ReportCreditLineResponse resp;
  const auto st = client.ReportCreditLine(req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_EQ(st.error_message().rfind(std::string(GetParam().field) + ": ", 0), 0u) << st.error_message();
  EXPECT_EQ(st.error_message().find(kBorrower), std::string::npos);
  EXPECT_EQ(svc.db().DumpAllTables(), before);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ReportValidationTest,
    ::testing::Values(
        InvalidCase{"WrongCheckCharacter", [](auto& r) { r.mutable_line()->set_resident_id("120101199003071236"); },
                    "line.resident_id"},
        InvalidCase{"ImpossibleBirthDate", [](auto& r) { r.mutable_line()->set_resident_id("120101199002301238"); },
                    "line.resident_id"},
        InvalidCase{"EmptyResidentId", [](auto& r) { r.mutable_line()->clear_resident_id(); }, "line.resident_id"},
        InvalidCase{"EmptyRequestId", [](auto& r) { r.clear_request_id(); }, "request_id"},
        InvalidCase{"MissingLine", [](auto& r) { r.clear_line(); }, "line"},
        InvalidCase{"EmptyAccountReference", [](auto& r) { r.mutable_line()->clear_account_reference(); },
                    "line.account_reference"},
        InvalidCase{"MissingProduct", [](auto& r) { r.mutable_line()->clear_product_type(); }, "line.product_type"},
        InvalidCase{"UnknownProduct",
                    [](auto& r) { r.mutable_line()->set_product_type(static_cast<v1::ProductType>(99)); },
                    "line.product_type"},
        InvalidCase{"UnknownStatus", [](auto& r) { r.mutable_line()->set_status(static_cast<v1::LineStatus>(42)); },
                    "line.status"},
        InvalidCase{"EmptyCurrency", [](auto& r) { r.mutable_line()->clear_currency(); }, "line.currency"},
        InvalidCase{"NegativeLimit", [](auto& r) { r.mutable_line()->set_credit_limit_minor(-1); },
                    "line.credit_limit_minor"},
        InvalidCase{"NegativeBalance", [](auto& r) { r.mutable_line()->set_outstanding_balance_minor(-5); },
                    "line.outstanding_balance_minor"},
        InvalidCase{"NegativeDaysPastDue", [](auto& r) { r.mutable_line()->set_days_past_due(-1); },
                    "line.days_past_due"},
        InvalidCase{"ImpossibleAsOfDate", [](auto& r) { *r.mutable_line()->mutable_as_of_date() = MakeDate(2026, 2, 30); },
                    "line.as_of_date"},
        InvalidCase{"FutureAsOfDate", [](auto& r) { *r.mutable_line()->mutable_as_of_date() = MakeDate(2026, 12, 1); },
                    "line.as_of_date"},
        InvalidCase{"MissingOpenedDate", [](auto& r) { r.mutable_line()->clear_opened_date(); }, "line.opened_date"}),
    [](const ::testing::TestParamInfo<InvalidCase>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace creditshare::testing
