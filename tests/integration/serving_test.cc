// The serving model: unary calls queue for workers instead of being refused, a member's backlog
// does not hold another member's call, a call whose deadline passes in the queue ends without its
// work, a full queue answers RESOURCE_EXHAUSTED with RetryInfo, and bytes that do not parse get
// INVALID_ARGUMENT, a request id and an audit record on every method.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <chrono>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "creditshare/v1/inquiry_service.grpc.pb.h"
#include "creditshare/v1/reporting_service.grpc.pb.h"
#include "harness.h"
#include "requests.h"

namespace creditshare::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Field 1, length-delimited, with a length of 4 GiB: no message type parses it.
const std::string kMalformed("\x0a\xff\xff\xff\xff\x0f", 6);

grpc::ByteBuffer Bytes(const std::string& s) {
  grpc::Slice slice(s);
  return grpc::ByteBuffer(&slice, 1);
}

struct RawAnswer {
  grpc::Status status;
  int responses = 0;
  std::string request_id;  // the x-request-id trailer
};

// Sends `messages` as raw bytes on any method (unary or streaming look alike on the wire), then
// half-closes and reads every answer.
RawAnswer RawExchange(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::vector<std::string>& messages) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto call = stub.PrepareCall(&context, method, &cq);
  void* tag = nullptr;
  bool ok = false;
  auto wait = [&] { return cq.Next(&tag, &ok) && ok; };
  RawAnswer answer;
  call->StartCall(reinterpret_cast<void*>(1));
  if (wait()) {
    for (const auto& m : messages) {
      call->Write(Bytes(m), reinterpret_cast<void*>(2));
      if (!wait()) break;
    }
    call->WritesDone(reinterpret_cast<void*>(3));
    wait();
    for (;;) {
      grpc::ByteBuffer response;
      call->Read(&response, reinterpret_cast<void*>(4));
      if (!wait()) break;
      ++answer.responses;
    }
  }
  call->Finish(&answer.status, reinterpret_cast<void*>(5));
  wait();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("x-request-id"); it != trailers.end())
    answer.request_id = std::string(it->second.data(), it->second.size());
  return answer;
}

// Holds the tables a credit-line report writes, from a session of its own, so a report that
// starts blocks on its worker until Release.
class TableBlocker {
 public:
  explicit TableBlocker(TestDatabase& db) : pool_(db.config()), lease_(pool_.Acquire()) {
    lease_->Execute("LOCK TABLES borrowers WRITE, credit_lines WRITE, idempotency_keys WRITE");
  }
  ~TableBlocker() { Release(); }
  void Release() {
    if (!released_) lease_->Execute("UNLOCK TABLES");
    released_ = true;
  }

 private:
  storage::ConnectionPool pool_;
  storage::ConnectionPool::Lease lease_;
  bool released_ = false;
};

// Unary calls in flight through the callback client API; Wait returns their statuses.
template <typename Request, typename Response>
class Flight {
 public:
  template <typename Start>
  void Add(Request request, Start start, std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
    auto c = std::make_unique<Call>();
    c->request = std::move(request);
    c->context.set_deadline(std::chrono::system_clock::now() + deadline);
    Call* raw = c.get();
    calls_.push_back(std::move(c));
    ++pending_;
    start(&raw->context, &raw->request, &raw->response, [this, raw](grpc::Status s) {
      std::lock_guard lock(mu_);
      raw->status = std::move(s);
      raw->done = true;
      if (--pending_ == 0) all_done_.notify_all();
    });
  }
  std::vector<grpc::Status> Wait() {
    std::unique_lock lock(mu_);
    all_done_.wait(lock, [this] { return pending_ == 0; });
    std::vector<grpc::Status> out;
    for (const auto& c : calls_) out.push_back(c->status);
    return out;
  }
  int done() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& c : calls_) n += c->done ? 1 : 0;
    return n;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
    grpc::Status status;
    bool done = false;
  };
  std::mutex mu_;
  std::condition_variable all_done_;
  int pending_ = 0;
  std::vector<std::unique_ptr<Call>> calls_;
};

auto ExposureStart(v1::InquiryService::Stub& stub) {
  return [&stub](grpc::ClientContext* c, const v1::GetBorrowerExposureRequest* q, v1::GetBorrowerExposureResponse* r,
                 std::function<void(grpc::Status)> done) { stub.async()->GetBorrowerExposure(c, q, r, std::move(done)); };
}
auto ReportStart(v1::ReportingService::Stub& stub) {
  return [&stub](grpc::ClientContext* c, const v1::ReportCreditLineRequest* q, v1::ReportCreditLineResponse* r,
                 std::function<void(grpc::Status)> done) { stub.async()->ReportCreditLine(c, q, r, std::move(done)); };
}

TEST(ServingTest, ABurstOf258CallsInFlightAtOnceIsQueuedAndAnsweredNotRefused) {
  TestService svc;  // 8 workers; a member runs 6 calls at once and queues up to 256
  std::vector<std::unique_ptr<v1::InquiryService::Stub>> stubs;
  Flight<v1::GetBorrowerExposureRequest, v1::GetBorrowerExposureResponse> flight;
  for (const char* member : {TestService::kBankA, TestService::kMicroB, TestService::kFinanceC}) {
    stubs.push_back(v1::InquiryService::NewStub(svc.ClientFor(member).channel()));
    for (int i = 0; i < 86; ++i) flight.Add(ExposureRequest(kBorrower), ExposureStart(*stubs.back()));
  }
  int ok = 0;
  for (const auto& s : flight.Wait()) {
    EXPECT_NE(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    ok += s.ok() ? 1 : 0;
  }
  EXPECT_EQ(ok, 258);
}

TEST(ServingTest, AFullQueueAnswersResourceExhaustedWithRetryInfoAndRecordsIt) {
  TestService svc(std::nullopt, false, 10, [](ServerConfig& c) {
    c.workers = 1;
    c.member_max_calls = 1;
    c.queue_capacity = 2;
  });
  auto bank = v1::ReportingService::NewStub(svc.ClientFor(TestService::kBankA).channel());
  auto micro = v1::InquiryService::NewStub(svc.ClientFor(TestService::kMicroB).channel());
  TableBlocker blocker(svc.db());
  Flight<v1::ReportCreditLineRequest, v1::ReportCreditLineResponse> held;
  held.Add(LineRequest("q-1", "Q-1", kBorrower, 1000, 10), ReportStart(*bank));  // takes the only worker
  svc.db().WaitForATableLockWait();

  Flight<v1::GetBorrowerExposureRequest, v1::GetBorrowerExposureResponse> flight;
  for (int i = 0; i < 5; ++i) flight.Add(ExposureRequest(kBorrower), ExposureStart(*micro));
  for (int t = 0; t < 500 && flight.done() < 3; ++t) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(flight.done(), 3) << "two calls fit the queue, three are refused at once";
  blocker.Release();

  int refused = 0, ok = 0;
  for (const auto& s : flight.Wait()) {
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_NE(s.error_message().find("queue holds"), std::string::npos) << s.error_message();
      const auto delay = RetryDelay(s);
      ASSERT_TRUE(delay.has_value()) << "no google.rpc.RetryInfo in the status details";
      EXPECT_GE(delay->count(), 50);
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
      ++ok;
    }
  }
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(ok, 2);
  EXPECT_TRUE(held.Wait().front().ok());
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'GetBorrowerExposure' AND principal = 'micro-b' AND "
                           "result_code = 8"),
            3);
}

TEST(ServingTest, ACallWhoseDeadlinePassesInTheQueueEndsWithoutTouchingTheData) {
  TestService svc(std::nullopt, false, 10, [](ServerConfig& c) {
    c.workers = 1;
    c.member_max_calls = 1;
  });
  auto bank = v1::ReportingService::NewStub(svc.ClientFor(TestService::kBankA).channel());
  auto micro = v1::InquiryService::NewStub(svc.ClientFor(TestService::kMicroB).channel());
  TableBlocker blocker(svc.db());
  Flight<v1::ReportCreditLineRequest, v1::ReportCreditLineResponse> held;
  held.Add(LineRequest("d-1", "D-1", kBorrower, 1000, 10), ReportStart(*bank));
  svc.db().WaitForATableLockWait();

  Flight<v1::GetBorrowerExposureRequest, v1::GetBorrowerExposureResponse> late;
  late.Add(ExposureRequest(kBorrower), ExposureStart(*micro), std::chrono::milliseconds(300));
  EXPECT_EQ(late.Wait().front().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  blocker.Release();
  EXPECT_TRUE(held.Wait().front().ok());

  // The worker took it after its deadline: recorded as DEADLINE_EXCEEDED, no inquiry made.
  const std::string dropped =
      "audit_log WHERE method = 'GetBorrowerExposure' AND principal = 'micro-b' AND result_code = 4";
  for (int t = 0; t < 100 && svc.db().Count(dropped) == 0; ++t) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(svc.db().Count(dropped), 1);
  EXPECT_EQ(svc.db().Count("inquiries i JOIN members m ON m.id = i.member_id WHERE m.code = 'micro-b'"), 0);
}

TEST(ServingTest, OneMembersBacklogDoesNotHoldAnotherMembersCall) {
  TestService svc(std::nullopt, false, 10, [](ServerConfig& c) {
    c.workers = 2;
    c.member_max_calls = 1;
  });
  auto bank = v1::ReportingService::NewStub(svc.ClientFor(TestService::kBankA).channel());
  TableBlocker blocker(svc.db());
  Flight<v1::ReportCreditLineRequest, v1::ReportCreditLineResponse> backlog;
  for (int i = 0; i < 40; ++i)
    backlog.Add(LineRequest("f-" + std::to_string(i), "F-" + std::to_string(i), kBorrower, 1000, 10),
                ReportStart(*bank));
  svc.db().WaitForATableLockWait();

  // bank-a's first report is stuck on its worker and its 39 others wait in its own queue; the
  // other worker is free for micro-b.
  const auto started = Clock::now();
  v1::ListMyInquiriesResponse listed;
  const auto st = svc.ClientFor(TestService::kMicroB).ListMyInquiries(v1::ListMyInquiriesRequest(), &listed);
  const auto waited = Clock::now() - started;
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_EQ(backlog.done(), 0);

  blocker.Release();
  for (const auto& s : backlog.Wait()) EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(svc.db().Count("credit_lines"), 40);
}

TEST(ServingTest, BytesThatDoNotParseGetInvalidArgumentARequestIdAndAnAuditRecordOnEveryMethod) {
  TestService svc;
  struct Method {
    const char* path;
    const char* member;
  };
  const Method methods[] = {
      {"/creditshare.v1.ReportingService/ReportCreditLine", TestService::kBankA},
      {"/creditshare.v1.ReportingService/RestructureCreditLine", TestService::kBankA},
      {"/creditshare.v1.ReportingService/BulkReportCreditLines", TestService::kBankA},
      {"/creditshare.v1.InquiryService/GetBorrowerExposure", TestService::kBankA},
      {"/creditshare.v1.InquiryService/CheckNewCredit", TestService::kBankA},
      {"/creditshare.v1.InquiryService/ListMyInquiries", TestService::kBankA},
      {"/creditshare.v1.CreditService/ReserveCredit", TestService::kBankA},
      {"/creditshare.v1.CreditService/ReleaseReservation", TestService::kBankA},
      {"/creditshare.v1.DisputeService/FileDispute", TestService::kBankA},
      {"/creditshare.v1.DisputeService/ResolveDispute", TestService::kBankA},
      {"/creditshare.v1.DisputeService/ListDisputes", TestService::kBankA},
      {"/creditshare.v1.RegulatorService/GetAggregateReport", TestService::kRegulator},
      {"/creditshare.v1.RegulatorService/GetMultiLendingReport", TestService::kRegulator},
  };
  for (const auto& m : methods) {
    SCOPED_TRACE(m.path);
    const auto answer = RawExchange(svc.ClientFor(m.member).channel(), m.path, {kMalformed});
    EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << answer.status.error_message();
    EXPECT_NE(answer.status.error_message().find("do not parse"), std::string::npos) << answer.status.error_message();
    EXPECT_EQ(answer.responses, 0);
    ASSERT_FALSE(answer.request_id.empty());
    const std::string name = std::string(m.path).substr(std::string(m.path).rfind('/') + 1);
    EXPECT_EQ(svc.db().Count("audit_log WHERE method = '" + name + "' AND result_code = 3 AND principal = '" +
                             m.member + "' AND request_id = '" + answer.request_id + "'"),
              1);
  }
  EXPECT_EQ(svc.db().Count("credit_lines"), 0);
}

TEST(ServingTest, AMalformedChunkMidStreamEndsItWithInvalidArgumentAfterAnsweringTheChunksBefore) {
  TestService svc;
  v1::BulkReportCreditLinesRequest good;
  auto* record = good.add_records();
  const auto line = LineRequest("mid-1", "MID-1", kBorrower, 1000, 10);
  record->set_request_id(line.request_id());
  *record->mutable_line() = line.line();
  const auto answer = RawExchange(svc.ClientFor(TestService::kBankA).channel(),
                                  "/creditshare.v1.ReportingService/BulkReportCreditLines",
                                  {good.SerializeAsString(), kMalformed, good.SerializeAsString()});
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << answer.status.error_message();
  EXPECT_NE(answer.status.error_message().find("chunk 2"), std::string::npos) << answer.status.error_message();
  EXPECT_EQ(answer.responses, 1);  // the first chunk's answer
  EXPECT_EQ(svc.db().Count("credit_lines"), 1);
}

}  // namespace
}  // namespace creditshare::testing

namespace creditshare::testing {
namespace {

long PeakRssMb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6)) / 1024;
  return -1;
}

TEST(ServingMemoryTest, SixHundredMegabyteMessagesAtOnceLeaveTheServerUnderItsMemoryBound) {
  TestService svc;
  ServerProcess server(svc.server_config(), svc.pki().dir() / "memory.log");
  const int port = server.WaitForPort(std::chrono::seconds(20));
  ASSERT_GT(port, 0) << server.Log();
  auto [cert, key] = svc.IssueCredentialFiles(TestService::kBankA, "memory");
  const long before = PeakRssMb(server.pid());
  const std::string big(100 << 20, 'x');
  std::vector<std::thread> senders;
  std::vector<grpc::Status> statuses(6);
  for (int i = 0; i < 6; ++i)
    senders.emplace_back([&, i] {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1);
      args.SetInt("sender", i);  // a connection each
      auto channel =
          NoRetryChannel("127.0.0.1:" + std::to_string(port), svc.pki().ca_file(), cert, key, std::move(args));
      statuses[i] = RawExchange(channel, "/creditshare.v1.ReportingService/ReportCreditLine", {big}).status;
    });
  for (auto& t : senders) t.join();
  const long peak = PeakRssMb(server.pid());
  for (const auto& s : statuses)
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  // The bound: --grpc-memory-mb (128) of buffers plus the server's own memory.
  EXPECT_LT(peak, 300) << "peak RSS " << peak << " MB (before: " << before << " MB)";
  // And it still serves.
  client::ClientOptions o;
  o.target = "127.0.0.1:" + std::to_string(port);
  o.ca_file = svc.pki().ca_file();
  o.cert_file = cert;
  o.key_file = key;
  client::Client after(o);
  v1::GetBorrowerExposureResponse e;
  const auto st = after.GetBorrowerExposure(ExposureRequest(kBorrower), &e);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST(ServingMemoryTest, AUnaryRequestAboveItsMethodsLimitIsRefusedUnreadAndRecorded) {
  TestService svc;
  v1::ReportCreditLineRequest request = LineRequest("big-1", "BIG-1", kBorrower, 1000, 10);
  request.mutable_line()->set_account_reference(std::string(100 << 10, 'A'));  // 100 KiB
  const auto answer = RawExchange(svc.ClientFor(TestService::kBankA).channel(),
                                  "/creditshare.v1.ReportingService/ReportCreditLine", {request.SerializeAsString()});
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << answer.status.error_message();
  EXPECT_NE(answer.status.error_message().find("takes at most 65536 bytes"), std::string::npos)
      << answer.status.error_message();
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'ReportCreditLine' AND result_code = 8 AND request_id = '" +
                           answer.request_id + "'"),
            1);
  EXPECT_EQ(svc.db().Count("credit_lines"), 0);
}

}  // namespace
}  // namespace creditshare::testing

namespace creditshare::testing {
namespace {

TEST(ServingAuditTest, AReportStreamsOnlyAfterItsRecordIsDurableAndLeavesOneRecord) {
  TestService svc;
  v1::GetAggregateReportRequest request;
  request.mutable_month()->set_year(2026);
  request.mutable_month()->set_month(10);
  request.add_dimensions(v1::REPORT_DIMENSION_PROVINCE);
  std::vector<v1::GetAggregateReportResponse> responses;
  ASSERT_TRUE(svc.ClientFor(TestService::kRegulator).GetAggregateReport(request, &responses).ok());
  ASSERT_FALSE(responses.empty());  // at least the summary
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'GetAggregateReport' AND principal = 'regulator-r'"), 1);
  EXPECT_EQ(svc.db().Count("audit_log WHERE method = 'GetAggregateReport' AND result_code = 0"), 1);
}

}  // namespace
}  // namespace creditshare::testing
