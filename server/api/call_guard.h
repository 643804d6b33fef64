#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/authenticator.h"
#include "api/member_admission.h"
#include "api/scheduler.h"
#include "api/streams.h"
#include "domain/audit.h"
#include "domain/clock.h"
#include "domain/error.h"
#include "domain/member.h"
#include "metrics/metrics.h"
#include "storage/group_commit.h"

namespace creditshare::api {

struct CallContext;

// Who may call a method, and which business metrics its outcome moves. Checked and recorded by
// the wrapper, not by handlers.
// gRPC refuses any message above this before a handler sees it (it has buffered it by then; the
// server's memory quota bounds how much it buffers at once).
inline constexpr int kMaxMessageBytes = 4 << 20;
// A request of a unary method is a few hundred bytes; anything near this is not a client bug
// worth parsing.
inline constexpr std::size_t kMaxUnaryRequestBytes = 64 << 10;

// Which of a member's per-minute rate bounds a call spends a token of.
enum class RateClass { kNone, kInquiry, kReport };

struct MethodPolicy {
  std::string_view name;
  bool lenders = false;
  bool regulators = false;
  void (*record_business)(metrics::Metrics&, const CallContext&, grpc::StatusCode) = nullptr;
  std::size_t max_request_bytes = kMaxUnaryRequestBytes;  // streams: per message
  RateClass rate = RateClass::kNone;
};

// One call as the wrapper sees it. Handlers add what they learn (purpose, consent, borrower
// key, outcome) so the wrapper can audit and count it.
struct CallContext {
  domain::Member member;
  domain::AuditEvent audit;
  std::string_view outcome;  // business outcome label (e.g. "created"), when the method has one
  std::vector<std::string_view> signals;  // decision signals raised (CheckNewCredit)
  std::map<std::string, int> record_outcomes;  // per-record outcomes of a bulk stream
  std::chrono::steady_clock::time_point started;
  bool audit_written = false;
  std::string queue_key;  // the member as the certificate names it, before authentication
  std::string_view dropped;  // why the call ended without its work (CallDropped reason), if so
  // The inquiry a query's answer shows data under: written with the call's audit record in one
  // group commit, and the answer sent once both are durable. Set by the handler; the worker is
  // then free for the next call while the commit runs (no wait on the writer per call).
  std::unique_ptr<storage::InquiryRecord> inquiry;

  // For repositories that write the audit record inside the transaction of a change: returns
  // the record as a successful call's and marks it written.
  domain::AuditEvent AuditForTransaction();
};

grpc::Status ToStatus(const domain::Error& error);
std::string_view CodeName(grpc::StatusCode code);

struct GuardOptions {
  MemberLimits limits;
  int max_streams = 64;  // open streams, all members together (each has a thread of its own)
  // A stream whose client takes no answer for this long is cancelled.
  std::chrono::milliseconds stream_write_timeout{60000};
};

// The one wrapper every RPC goes through: request id, parsing, the queue (unary calls) or a
// stream thread, authentication from the verified client certificate, authorisation by role,
// the member's bounds, the handler, error mapping (never leaking internal text), one audit
// record per call (accepted, refused or dropped), metrics, and one log line.
//
// Methods are registered raw (bytes in, bytes out), so a request that does not parse is
// answered here like any other bad request instead of by gRPC with a bare INTERNAL.
class CallGuard {
 public:
  using Handler = std::function<domain::MaybeError(CallContext&)>;
  using Finish = std::function<void(const grpc::Status&)>;

  CallGuard(Authenticator& authenticator, storage::GroupCommitWriter& audit, metrics::Metrics& metrics,
            const domain::Clock& clock, Scheduler& scheduler, GuardOptions options)
      : authenticator_(authenticator),
        audit_(audit),
        metrics_(metrics),
        clock_(clock),
        scheduler_(scheduler),
        options_(std::move(options)) {}

  // A unary call: queued for a worker, parsed and handled there. `body(call, request, response)`.
  template <typename Request, typename Response, typename Body>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                  grpc::ByteBuffer* raw_response, const MethodPolicy& policy, Body body) {
    auto* reactor = context->DefaultReactor();
    Submit(
        context, policy,
        [raw_request, raw_response, &policy, body = std::move(body)](CallContext& call) -> domain::MaybeError {
          if (raw_request->Length() > policy.max_request_bytes) return TooLarge(raw_request->Length(), policy);
          Request request;
          if (!ParseMessage(*raw_request, &request)) return Malformed(Request::descriptor()->full_name());
          Response response;
          if (auto error = body(call, &request, &response)) return error;
          *raw_response = SerializeMessage(response);
          return std::nullopt;
        },
        [reactor](const grpc::Status& status) { reactor->Finish(status); });
    return reactor;
  }

  // A server-streaming call: handled on a stream thread. `body(call, request, stream)`.
  template <typename Request, typename Body>
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ServerStreaming(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* raw_request,
                                                               const MethodPolicy& policy, Body body) {
    auto* stream = new ServerStream(context, options_.stream_write_timeout);
    StartStream(
        context, policy,
        [this, stream, raw = grpc::ByteBuffer(*raw_request), &policy, body = std::move(body)](CallContext& call) -> domain::MaybeError {
          if (raw.Length() > policy.max_request_bytes) return TooLarge(raw.Length(), policy);
          Request request;
          if (!ParseMessage(raw, &request)) return Malformed(Request::descriptor()->full_name());
          // A report discloses as it streams: its record is durable before the first message.
          // Should the call fail later, a second record says how it ended.
          stream->BeforeFirstWrite([this, &call] { RecordDisclosure(call); });
          return body(call, &request, *stream);
        },
        [stream](const grpc::Status& status) { stream->End(status); });
    return stream;
  }

  // A bidi stream: handled on a stream thread. `body(call, stream)`.
  template <typename Body>
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Bidi(grpc::CallbackServerContext* context,
                                                                     const MethodPolicy& policy, Body body) {
    auto* stream = new BidiStream(context, options_.stream_write_timeout);
    StartStream(
        context, policy, [stream, body = std::move(body)](CallContext& call) { return body(call, *stream); },
        [stream](const grpc::Status& status) { stream->End(status); });
    return stream;
  }

  // The answer to bytes that are not a `type` message.
  static domain::Error Malformed(const std::string& type);
  // The answer to a message larger than its method takes.
  static domain::Error TooLarge(std::size_t bytes, const MethodPolicy& policy);

  // Writes the call's record now (synchronously), as a successful call's.
  void RecordDisclosure(CallContext& call);

  // Returns once every stream thread has ended (after the server stopped taking calls).
  void WaitForStreams();

 private:
  std::shared_ptr<CallContext> Begin(grpc::CallbackServerContext* context, const MethodPolicy& policy);
  void Submit(grpc::CallbackServerContext* context, const MethodPolicy& policy, Handler handler, Finish finish);
  void StartStream(grpc::CallbackServerContext* context, const MethodPolicy& policy, Handler handler, Finish finish);
  grpc::Status Execute(grpc::CallbackServerContext* context, const MethodPolicy& policy, CallContext& call,
                       const Handler& handler, bool stream, std::string& detail);
  // Writes the audit record (unless the change's transaction did), then metrics, the log line
  // and `finish`; never blocks: the record is committed by the group-commit writer.
  void Complete(std::shared_ptr<CallContext> call, const MethodPolicy& policy, grpc::Status status, std::string detail,
                Finish finish);
  void Queue(std::shared_ptr<CallContext> call, const MethodPolicy& policy, grpc::Status status, std::string detail,
             std::shared_ptr<Finish> finish_once);
  void Record(const CallContext& call, const MethodPolicy& policy, const grpc::Status& status,
              const std::string& detail);
  domain::MaybeError Authenticate(grpc::CallbackServerContext* context, CallContext& call);
  MemberBounds BoundsFor(const std::string& code);

  Authenticator& authenticator_;
  storage::GroupCommitWriter& audit_;
  metrics::Metrics& metrics_;
  const domain::Clock& clock_;
  Scheduler& scheduler_;
  const GuardOptions options_;
  StreamAdmission streams_;
  RateBuckets inquiry_rate_;
  RateBuckets report_rate_;

  std::mutex mu_;
  std::condition_variable streams_ended_;
  int stream_threads_ = 0;
  std::map<std::string, domain::MemberType, std::less<>> member_types_;  // learned at authentication
};

}  // namespace creditshare::api
