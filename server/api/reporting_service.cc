#include "api/reporting_service.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "api/proto_mapping.h"
#include "api/streams.h"
#include "domain/resident_id.h"
#include "domain/scorecard.h"

namespace creditshare::api {

namespace {

void RecordReport(metrics::Metrics& m, const CallContext& call, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) {
    m.LineReported(call.outcome);
    for (const auto& [outcome, n] : call.record_outcomes)
      if (outcome.starts_with("warning:")) m.QualityWarned(outcome.substr(8), n);
  } else if (code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::FAILED_PRECONDITION) {
    m.ReportRejected(CodeName(code));
  }
}

std::string_view OutcomeName(domain::ReportOutcome outcome, bool replayed) {
  if (replayed) return "replayed";
  switch (outcome) {
    case domain::ReportOutcome::kCreated: return "created";
    case domain::ReportOutcome::kUpdated: return "updated";
    case domain::ReportOutcome::kStaleIgnored: return "stale_ignored";
    case domain::ReportOutcome::kHistoryUpdated: return "history_updated";
  }
  return "unknown";
}

constexpr MethodPolicy kReportCreditLine{"ReportCreditLine", /*lenders=*/true, /*regulators=*/false, RecordReport,
                                         kMaxUnaryRequestBytes, RateClass::kReport};
constexpr MethodPolicy kRestructureCreditLine{"RestructureCreditLine", /*lenders=*/true, /*regulators=*/false, nullptr,
                                              kMaxUnaryRequestBytes, RateClass::kReport};

void RecordBulk(metrics::Metrics& m, const CallContext& call, grpc::StatusCode) {
  for (const auto& [outcome, n] : call.record_outcomes) {
    if (outcome.starts_with("rejected:")) {
      m.ReportRejected(outcome.substr(9), n);
    } else if (outcome.starts_with("warning:")) {
      m.QualityWarned(outcome.substr(8), n);
    } else {
      m.LineReported(outcome, n);
    }
  }
}

constexpr MethodPolicy kBulkReportCreditLines{"BulkReportCreditLines", /*lenders=*/true, /*regulators=*/false,
                                              RecordBulk, /*max_request_bytes=*/kMaxMessageBytes};
constexpr int kMaxRecordsPerMessage = 1000;
constexpr MethodPolicy kGetMemberScorecard{"GetMemberScorecard", /*lenders=*/true, /*regulators=*/false};

// A validated report ready to apply, or the reason it cannot be.
struct Prepared {
  domain::Result<domain::LineReport> report = domain::Error{domain::ErrorCode::kInternal, "", ""};
  storage::BorrowerIdentity borrower;
  domain::KeyedDigest fingerprint;
};

// Validation shared by the unary and the bulk report: the request id, the resident ID, the
// fields; then the borrower identity and the request fingerprint.
Prepared PrepareReport(const std::string& request_id, const v1::CreditLineReport& line, const ServiceDeps& deps) {
  Prepared p;
  if (auto e = ValidateToken(request_id, kMaxRequestIdLength, "request_id")) {
    p.report = *e;
    return p;
  }
  const domain::Date today = deps.clock.Today();
  auto id = domain::ResidentId::Parse(line.resident_id(), today, "line.resident_id");
  if (!id.ok()) {
    p.report = id.error();
    return p;
  }
  p.report = FromProto(line, "line.");
  if (!p.report.ok()) return p;
  if (auto e = domain::ValidateLineReport(p.report.value(), today, deps.policy.plausibility, "line.")) {
    p.report = *e;
    return p;
  }
  p.borrower = {deps.keyer.BorrowerKey(id.value()), id.value().region_code(), id.value().birth_date().year};
  p.fingerprint = deps.keyer.RequestFingerprint(domain::CanonicalEncoding(p.report.value(), id.value().normalized()));
  return p;
}
}  // namespace

grpc::ServerUnaryReactor* ReportingServiceImpl::ReportCreditLine(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::ReportCreditLineRequest, v1::ReportCreditLineResponse>(
      context, raw_request, raw_response, kReportCreditLine,
      [this](CallContext& call, const v1::ReportCreditLineRequest* request, v1::ReportCreditLineResponse* response) -> domain::MaybeError {
    // A refused record leaves its receipt for the member's scorecard (an accepted one is
    // recorded in the report's transaction).
    auto refuse = [&](domain::Error e) -> domain::MaybeError {
      if (auto r = domain::ReceiptFor({}, nullptr, &e, false, deps_.clock.Today()))
        deps_.scorecard.Record(call.member.id, domain::Tally(deps_.clock.Today(), {*r}));
      return e;
    };
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return refuse(*e);
    if (!request->has_line()) return refuse(domain::Error::InvalidArgument("line", "is required"));
    auto prepared = PrepareReport(request->request_id(), request->line(), deps_);
    if (!prepared.report.ok()) return refuse(prepared.report.error());
    const auto& report = prepared.report;
    call.audit.set_borrower(prepared.borrower.key);
    bool replayed = false;
    auto result = deps_.lines.ApplyReport(call.member.id, {request->request_id(), prepared.fingerprint},
                                          prepared.borrower, report.value(), deps_.clock.NowMicros(),
                                          [&call] { return call.AuditForTransaction(); }, &replayed);
    if (!result.ok()) return refuse(result.error());
    call.outcome = OutcomeName(result.value().outcome, replayed);
    if (!replayed)
      for (const auto& w : result.value().warnings) ++call.record_outcomes["warning:" + std::string(domain::ToString(w.rule))];
    ToProto(result.value(), report.value().account_reference, response);
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::RestructureCreditLine(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::RestructureCreditLineRequest, v1::RestructureCreditLineResponse>(
      context, raw_request, raw_response, kRestructureCreditLine,
      [this](CallContext& call, const v1::RestructureCreditLineRequest* request, v1::RestructureCreditLineResponse* response) -> domain::MaybeError {
    using domain::Error;
    if (auto e = ValidateToken(request->request_id(), kMaxRequestIdLength, "request_id")) return e;
    if (auto e = ValidateToken(request->account_reference(), domain::kMaxAccountReferenceLength, "account_reference"))
      return e;
    storage::Restructuring r;
    r.account_reference = request->account_reference();
    r.restructure_date = FromProto(request->restructure_date());
    if (!r.restructure_date.IsValid()) return Error::InvalidArgument("restructure_date", "is required and must be a valid date");
    if (r.restructure_date > deps_.clock.Today())
      return Error::InvalidArgument("restructure_date", "must not be in the future");
    if (request->reason().empty() || request->reason().size() > 255)
      return Error::InvalidArgument("reason", "must be 1-255 characters");
    r.reason = request->reason();
    if (request->concessions().empty()) return Error::InvalidArgument("concessions", "at least one is required");
    for (int c : request->concessions()) {
      auto concession = EnumFromProto<domain::Concession>(c, domain::kMaxConcession, "concessions");
      if (!concession.ok()) return concession.error();
      if (concession.value() == domain::Concession::kUnspecified)
        return Error::InvalidArgument("concessions", "must not contain CONCESSION_UNSPECIFIED");
      r.concessions.push_back(concession.value());
    }
    r.new_maturity_date = OptionalFromProto(request->new_maturity_date());
    if (r.new_maturity_date && !r.new_maturity_date->IsValid())
      return Error::InvalidArgument("new_maturity_date", "must be a valid date");
    if (request->new_scheduled_payment_minor() < 0)
      return Error::InvalidArgument("new_scheduled_payment_minor", "must not be negative");
    if (request->new_interest_rate_bps() < 0) return Error::InvalidArgument("new_interest_rate_bps", "must not be negative");
    if (request->principal_forgiven_minor() < 0)
      return Error::InvalidArgument("principal_forgiven_minor", "must not be negative");
    r.new_scheduled_payment_minor = request->new_scheduled_payment_minor();
    r.new_interest_rate_bps = request->new_interest_rate_bps();
    r.principal_forgiven_minor = request->principal_forgiven_minor();
    r.now_us = deps_.clock.NowMicros();

    v1::RestructureCreditLineRequest canonical = *request;
    canonical.clear_request_id();
    const storage::IdempotencyKey idempotency{request->request_id(),
                                              deps_.keyer.RequestFingerprint(CanonicalBytes(canonical))};
    bool replayed = false;
    auto count = deps_.lines.Restructure(call.member.id, idempotency, r, [&call] { return call.AuditForTransaction(); },
                                         &replayed);
    if (!count.ok()) return count.error();
    response->set_account_reference(r.account_reference);
    response->set_restructure_count(count.value());
    return std::nullopt;
  });
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ReportingServiceImpl::BulkReportCreditLines(
    grpc::CallbackServerContext* context) {
  return deps_.guard.Bidi(context, kBulkReportCreditLines, [this](CallContext& call, BidiStream& stream) -> domain::MaybeError {
    // Chunks are committed by up to `bulk_parallelism` transactions at once, each on its own
    // pooled connection. A writer thread answers each chunk as soon as it has committed, in the
    // order the chunks came in, whatever the client sends next: a client that sends one chunk and
    // waits for its answer gets it at once.
    struct InFlight {
      v1::BulkReportCreditLinesResponse response;
      std::vector<int> pending;  // indexes into response.results waiting for the commit, in item order
      std::map<std::string, int> outcomes;  // of records refused before the commit
      std::future<std::vector<storage::BulkItemOutcome>> committed;
    };
    std::mutex mu;
    std::condition_variable changed;
    std::deque<InFlight> queue;  // read, not yet answered
    bool reading_done = false, client_gone = false;
    auto last_activity = std::chrono::steady_clock::now();  // last chunk read or answer written
    std::exception_ptr failure;  // of a chunk's commit: ends the stream, rethrown to the guard

    // Only this thread touches call.record_outcomes until it is joined.
    std::thread writer([&] {
      for (;;) try {
        InFlight f;
        {
          std::unique_lock lock(mu);
          changed.wait(lock, [&] { return !queue.empty() || reading_done; });
          if (queue.empty()) return;
          f = std::move(queue.front());
        }
        const auto outcomes = f.committed.get();
        for (size_t i = 0; i < outcomes.size(); ++i) {
          auto* result = f.response.mutable_results(f.pending[i]);
          const auto& o = outcomes[i];
          if (o.result) {
            result->set_status(o.replayed ? v1::BULK_RECORD_STATUS_REPLAYED : v1::BULK_RECORD_STATUS_ACCEPTED);
            result->set_outcome(static_cast<v1::ReportOutcome>(o.result->outcome));
            ++call.record_outcomes[std::string(OutcomeName(o.result->outcome, o.replayed))];
            for (const auto& w : o.result->warnings) {
              ToProto(w, result->add_warnings());
              if (!o.replayed) ++call.record_outcomes["warning:" + std::string(domain::ToString(w.rule))];
            }
          } else {
            const auto code = ToStatus(o.error).error_code();
            result->set_status(v1::BULK_RECORD_STATUS_REJECTED);
            result->set_code(std::string(CodeName(code)));
            result->set_field(o.error.field);
            result->set_message(o.error.message);
            ++call.record_outcomes["rejected:" + std::string(CodeName(code))];
          }
        }
        for (const auto& [outcome, n] : f.outcomes) call.record_outcomes[outcome] += n;
        const bool written = !client_gone && stream.WriteMessage(f.response);
        std::lock_guard lock(mu);
        queue.pop_front();
        last_activity = std::chrono::steady_clock::now();
        if (!written) client_gone = true;
        changed.notify_all();
      } catch (...) {
        // Later chunks are still committed (their futures run), but no more answers go out.
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
        queue.pop_front();
        client_gone = true;
        changed.notify_all();
      }
    });
    struct JoinAtExit {
      std::thread& t;
      std::mutex& mu;
      std::condition_variable& changed;
      bool& done;
      ~JoinAtExit() {
        {
          std::lock_guard lock(mu);
          done = true;
          changed.notify_all();
        }
        t.join();
      }
    };

    domain::MaybeError error;
    bool idle = false;
    {
    JoinAtExit join_writer{writer, mu, changed, reading_done};
    for (int chunk_number = 1;; ++chunk_number) {
      grpc::ByteBuffer raw;
      BidiStream::ReadResult read;
      for (;;) {
        std::chrono::steady_clock::time_point until;
        {
          std::lock_guard lock(mu);
          until = last_activity + deps_.stream_idle_timeout;
        }
        read = stream.Read(&raw, until, deps_.draining);
        if (read != BidiStream::ReadResult::kTimeout) break;
        // A client that neither sends a chunk nor waits for an answer holds a stream thread and
        // one of its member's streams: past the idle limit the stream is closed.
        std::lock_guard lock(mu);
        if (queue.empty() && std::chrono::steady_clock::now() >= last_activity + deps_.stream_idle_timeout) {
          idle = true;
          break;
        }
      }
      if (idle || read == BidiStream::ReadResult::kEnd) break;
      if (read == BidiStream::ReadResult::kStopped) {
        error = domain::Error{domain::ErrorCode::kUnavailable, "",
                              "the server is shutting down: every chunk answered is committed; send the rest again "
                              "(to another replica)"};
        break;
      }
      {
        std::lock_guard lock(mu);
        last_activity = std::chrono::steady_clock::now();
      }
      if (raw.Length() > kBulkReportCreditLines.max_request_bytes) {
        error = CallGuard::TooLarge(raw.Length(), kBulkReportCreditLines);
        break;
      }
      v1::BulkReportCreditLinesRequest chunk;
      if (!ParseMessage(raw, &chunk)) {
        auto malformed = CallGuard::Malformed(v1::BulkReportCreditLinesRequest::descriptor()->full_name());
        malformed.message = "chunk " + std::to_string(chunk_number) + ": " + malformed.message +
                            "; the chunks before it were answered";
        error = std::move(malformed);
        break;
      }
      if (chunk.records_size() > kMaxRecordsPerMessage) {
        error = domain::Error::InvalidArgument("records", "at most 1000 records per message");
        break;
      }
      InFlight f;
      auto& response = f.response;
      std::vector<storage::BulkItem> items;
      std::vector<domain::Receipt> refusals;  // of records refused before the commit
      for (const auto& record : chunk.records()) {
        auto* result = response.add_results();
        result->set_sequence(record.sequence());
        auto prepared = PrepareReport(record.request_id(), record.line(), deps_);
        if (!prepared.report.ok()) {
          const auto& e = prepared.report.error();
          result->set_status(v1::BULK_RECORD_STATUS_REJECTED);
          result->set_code(std::string(CodeName(ToStatus(e).error_code())));
          result->set_field(e.field);
          result->set_message(e.message);
          ++f.outcomes["rejected:" + std::string(CodeName(ToStatus(e).error_code()))];
          if (auto r = domain::ReceiptFor({}, nullptr, &e, false, deps_.clock.Today())) refusals.push_back(std::move(*r));
          continue;
        }
        storage::BulkItem item{{record.request_id(), prepared.fingerprint}, prepared.borrower,
                               std::move(prepared.report).value(), call.audit};
        item.audit.set_borrower(item.borrower.key);
        item.audit.request_id = record.request_id();
        item.audit.result_code = 0;
        items.push_back(std::move(item));
        f.pending.push_back(response.results_size() - 1);
      }
      {
        // At most `bulk_parallelism` chunks of this stream between reading and answering.
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return static_cast<int>(queue.size()) < deps_.bulk_parallelism || client_gone; });
        if (client_gone) break;
      }
      deps_.bulk_slots->Acquire();  // back-pressure: waits while other streams use every bulk slot
      try {
        f.committed = std::async(std::launch::async, [this, member = call.member.id, items = std::move(items),
                                                      refusals = std::move(refusals)] {
          struct Release {
            Semaphore* slots;
            ~Release() { slots->Release(); }
          } release{deps_.bulk_slots};
          // Durable before the chunk is answered, like the records applied.
          if (!refusals.empty()) deps_.scorecard.Record(member, domain::Tally(deps_.clock.Today(), refusals));
          return deps_.lines.ApplyBatch(member, items, deps_.clock.NowMicros());
        });
      } catch (...) {
        deps_.bulk_slots->Release();  // no thread for the chunk: its slot is not taken
        throw;
      }
      std::lock_guard lock(mu);
      queue.push_back(std::move(f));
      changed.notify_all();
    }
    }  // joins the writer: every chunk read was committed (or refused) and answered, or the client left
    if (failure) std::rethrow_exception(failure);
    if (idle) call.dropped = "stream_idle";
    if (stream.slow_reader()) {
      call.dropped = "slow_reader";
      return domain::Error{domain::ErrorCode::kUnavailable, "",
                           "the client took no answer for " + std::to_string(deps_.stream_idle_timeout.count()) +
                               " ms and the stream was cancelled"};
    }
    if (idle)
      return domain::Error{domain::ErrorCode::kUnavailable, "",
                           "the stream sent nothing for " + std::to_string(deps_.stream_idle_timeout.count()) +
                               " ms (--stream-idle-timeout-ms) and was closed; open a new one to send more"};
    if (error) return error;
    if (client_gone) return domain::Error{domain::ErrorCode::kUnavailable, "", "the client went away"};
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetMemberScorecard(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request, grpc::ByteBuffer* raw_response) {
  return deps_.guard.Unary<v1::GetMemberScorecardRequest, v1::MemberScorecard>(
      context, raw_request, raw_response, kGetMemberScorecard,
      [this](CallContext& call, const v1::GetMemberScorecardRequest* request, v1::MemberScorecard* response) -> domain::MaybeError {
    std::optional<domain::Date> from, to;
    if (request->has_from_month()) {
      auto m = MonthFromProto(request->from_month(), "from_month");
      if (!m.ok()) return m.error();
      from = m.value();
    }
    if (request->has_to_month()) {
      auto m = MonthFromProto(request->to_month(), "to_month");
      if (!m.ok()) return m.error();
      to = m.value();
    }
    const domain::Date today = deps_.clock.Today();
    auto range = domain::ScorecardRange(from, to, today, "from_month", "to_month");
    if (!range.ok()) return range.error();
    const auto facts = deps_.scorecard.Facts(call.member.id, range.value(), today);
    response->set_member_code(call.member.code);
    for (const auto& m : domain::BuildScorecard(facts, range.value().first, range.value().last, today))
      ToProto(m, response->add_months());
    return std::nullopt;
  });
}

}  // namespace creditshare::api
