#include "api/call_guard.h"

#include <random>
#include <thread>

#include "api/proto_mapping.h"
#include "api/rich_status.h"
#include "log.h"
#include "security/borrower_keyer.h"
#include "storage/connection_pool.h"
#include "thread_name.h"

namespace creditshare::api {

using domain::Error;
using domain::ErrorCode;

namespace {
std::int64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
}

// The caller's x-request-id when it is a sane token, else a fresh random one.
std::string RequestId(const grpc::CallbackServerContext& context) {
  const auto& md = context.client_metadata();
  if (auto it = md.find("x-request-id"); it != md.end()) {
    const std::string_view v(it->second.data(), it->second.size());
    if (!v.empty() && v.size() <= kMaxRequestIdLength &&
        std::all_of(v.begin(), v.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
      return std::string(v);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng(), b = rng();
  return security::ToHex(std::string_view(reinterpret_cast<const char*>(&a), 8)) +
         security::ToHex(std::string_view(reinterpret_cast<const char*>(&b), 8));
}
}  // namespace

domain::AuditEvent CallContext::AuditForTransaction() {
  audit_written = true;
  domain::AuditEvent e = audit;
  e.result_code = 0;
  e.latency_us = MicrosSince(started);
  return e;
}

grpc::Status ToStatus(const Error& e) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (e.code) {
    case ErrorCode::kInvalidArgument: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case ErrorCode::kNotFound: code = grpc::StatusCode::NOT_FOUND; break;
    case ErrorCode::kAlreadyExists: code = grpc::StatusCode::ALREADY_EXISTS; break;
    case ErrorCode::kFailedPrecondition: code = grpc::StatusCode::FAILED_PRECONDITION; break;
    case ErrorCode::kPermissionDenied: code = grpc::StatusCode::PERMISSION_DENIED; break;
    case ErrorCode::kUnauthenticated: code = grpc::StatusCode::UNAUTHENTICATED; break;
    case ErrorCode::kResourceExhausted: code = grpc::StatusCode::RESOURCE_EXHAUSTED; break;
    case ErrorCode::kUnavailable: code = grpc::StatusCode::UNAVAILABLE; break;
    case ErrorCode::kAborted: code = grpc::StatusCode::ABORTED; break;
    case ErrorCode::kInternal: code = grpc::StatusCode::INTERNAL; break;
  }
  if (code == grpc::StatusCode::INVALID_ARGUMENT && !e.field.empty()) return BadField(e.field, e.message);
  return grpc::Status(code, e.field.empty() ? e.message : e.field + ": " + e.message);
}

std::string_view CodeName(grpc::StatusCode code) {
  static constexpr std::string_view kNames[] = {
      "OK",      "CANCELLED",         "UNKNOWN",      "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "UNKNOWN";
}

domain::Error CallGuard::Malformed(const std::string& type) {
  return Error{ErrorCode::kInvalidArgument, "",
               "the request is not a valid " + type + " message: its bytes do not parse (check the client's .proto)"};
}

domain::Error CallGuard::TooLarge(std::size_t bytes, const MethodPolicy& policy) {
  return Error{ErrorCode::kResourceExhausted, "",
               "the message is " + std::to_string(bytes) + " bytes; " + std::string(policy.name) + " takes at most " +
                   std::to_string(policy.max_request_bytes) + " bytes a message"};
}

namespace {
// The common name of the client certificate the TLS layer verified against the member CA: the
// member's code. It keys the member's queue before the call is authenticated on a worker.
std::string PeerCommonName(const grpc::CallbackServerContext& context) {
  auto auth = context.auth_context();
  if (!auth) return {};
  const auto names = auth->FindPropertyValues("x509_common_name");
  return names.size() == 1 ? std::string(names.front().data(), names.front().size()) : std::string();
}

// How a call dropped from the queue is answered, and its CallDropped reason.
struct DroppedAnswer {
  grpc::StatusCode code;
  const char* message;
  std::string_view reason;
};

DroppedAnswer AnswerFor(Dropped why) {
  switch (why) {
    case Dropped::kDeadlineExceeded:
      return {grpc::StatusCode::DEADLINE_EXCEEDED,
              "the call's deadline passed while it waited for a worker; nothing was done", "deadline_exceeded"};
    case Dropped::kCancelled:
      return {grpc::StatusCode::CANCELLED, "the call was cancelled while it waited for a worker; nothing was done",
              "cancelled"};
    case Dropped::kStopping: break;
  }
  return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down; nothing was done, retry (on another replica)",
          "stopping"};
}
}  // namespace

domain::MaybeError CallGuard::Authenticate(grpc::CallbackServerContext* context, CallContext& call) {
  // The TLS layer has already verified the chain against the member CA.
  auto auth = context->auth_context();
  if (!auth || !auth->IsPeerAuthenticated())
    return Error{ErrorCode::kUnauthenticated, "", "a client certificate issued by the creditshare CA is required"};
  const auto names = auth->FindPropertyValues("x509_common_name");
  const auto certs = auth->FindPropertyValues("x509_pem_cert");
  if (names.size() != 1 || certs.size() != 1)
    return Error{ErrorCode::kUnauthenticated, "", "the client certificate has no single common name"};
  auto result = authenticator_.Authenticate(std::string(certs.front().data(), certs.front().size()),
                                            std::string(names.front().data(), names.front().size()));
  call.audit.cert_fingerprint = result.fingerprint;
  if (!result.member.ok()) {
    call.audit.principal = "-";  // the certificate's name is not a member's once authentication refused it
    return result.member.error();
  }
  call.member = std::move(result.member).value();
  call.audit.principal = call.member.code;
  return std::nullopt;
}

MemberBounds CallGuard::BoundsFor(const std::string& code) {
  std::optional<domain::MemberType> type;
  {
    std::lock_guard lock(mu_);
    if (auto it = member_types_.find(code); it != member_types_.end()) type = it->second;
  }
  return options_.limits.For(code, type);
}

std::shared_ptr<CallContext> CallGuard::Begin(grpc::CallbackServerContext* context, const MethodPolicy& policy) {
  auto call = std::make_shared<CallContext>();
  call->started = std::chrono::steady_clock::now();
  call->audit.at_us =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count();
  call->audit.method = std::string(policy.name);
  call->audit.request_id = RequestId(*context);
  // Until authentication on a worker, the call is the certificate's: the CA vouches for the name.
  call->queue_key = PeerCommonName(*context);
  if (!call->queue_key.empty()) call->audit.principal = call->queue_key;
  metrics_.MemberCallStarted(call->queue_key);
  // In the trailers: gRPC clients retry only answers that came without response headers, so an
  // id sent as initial metadata made every UNAVAILABLE from here final.
  context->AddTrailingMetadata("x-request-id", call->audit.request_id);
  metrics_.CallStarted(policy.name);
  return call;
}

void CallGuard::Submit(grpc::CallbackServerContext* context, const MethodPolicy& policy, Handler handler,
                       Finish finish) {
  auto call = Begin(context, policy);
  const std::string member = call->queue_key;
  const MemberBounds bounds = BoundsFor(member);
  Scheduler::Job job;
  job.deadline = context->deadline();
  job.cancelled = [context] { return context->IsCancelled(); };
  job.run = [this, context, &policy, call, handler = std::move(handler), finish] {
    std::string detail;
    auto status = Execute(context, policy, *call, handler, /*stream=*/false, detail);
    Complete(call, policy, std::move(status), std::move(detail), finish);
  };
  job.drop = [this, &policy, call, finish](Dropped why) {
    const auto answer = AnswerFor(why);
    call->dropped = answer.reason;
    Complete(call, policy, grpc::Status(answer.code, answer.message), "", finish);
  };
  const Refused refused = scheduler_.Submit(member, bounds, std::move(job));
  if (refused == Refused::kNone) return;

  const auto delay = scheduler_.EstimatedWait();
  std::string message;
  switch (refused) {
    case Refused::kQueueFull:
      metrics_.CallThrottled(policy.name, "queue");
      message = "the server is at capacity: its queue holds " + std::to_string(scheduler_.depth()) +
                " calls; retry after the delay in RetryInfo";
      break;
    case Refused::kMemberQueueFull:
      metrics_.CallThrottled(policy.name, "member_queue");
      message = "member " + member + " already has " + std::to_string(bounds.queued) +
                " calls waiting, the most one member may queue; retry after the delay in RetryInfo";
      break;
    case Refused::kStopping:
    case Refused::kNone:
      message = "the server is shutting down; retry (on another replica)";
      break;
  }
  const auto code =
      refused == Refused::kStopping ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::RESOURCE_EXHAUSTED;
  Complete(call, policy, RetryLater(code, message, delay), "", finish);
}

void CallGuard::StartStream(grpc::CallbackServerContext* context, const MethodPolicy& policy, Handler handler,
                            Finish finish) {
  auto call = Begin(context, policy);
  bool admitted = false;
  {
    std::lock_guard lock(mu_);
    admitted = stream_threads_ < options_.max_streams;
    if (admitted) metrics_.SetStreamsOpen(++stream_threads_);
  }
  if (!admitted) {
    metrics_.CallThrottled(policy.name, "streams");
    Complete(call, policy,
             RetryLater(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "the server already has " + std::to_string(options_.max_streams) +
                            " streams open, the most it serves; retry after the delay in RetryInfo",
                        std::chrono::seconds(1)),
             "", finish);
    return;
  }
  // A stream lives as long as its client keeps it open: it runs on a thread of its own, never on
  // a worker, and the bounds on streams (per member and in all) bound these threads.
  std::thread([this, context, &policy, call, handler = std::move(handler), finish = std::move(finish)] {
    NameThisThread("cs-stream");
    std::string detail;
    auto status = Execute(context, policy, *call, handler, /*stream=*/true, detail);
    Complete(call, policy, std::move(status), std::move(detail), finish);
    std::lock_guard lock(mu_);
    metrics_.SetStreamsOpen(--stream_threads_);
    streams_ended_.notify_all();
  }).detach();
}

void CallGuard::RecordDisclosure(CallContext& call) {
  audit_.Write(call.AuditForTransaction());  // throws UnavailableError: no message goes out unrecorded
}

void CallGuard::WaitForStreams() {
  std::unique_lock lock(mu_);
  streams_ended_.wait(lock, [this] { return stream_threads_ == 0; });
}

grpc::Status CallGuard::Execute(grpc::CallbackServerContext* context, const MethodPolicy& policy, CallContext& call,
                                const Handler& handler, bool stream, std::string& detail) {
  try {
    if (auto refused = Authenticate(context, call)) return ToStatus(*refused);
    const auto type = call.member.type;
    {
      std::lock_guard lock(mu_);
      member_types_[call.member.code] = type;
    }
    const bool allowed =
        domain::IsLender(type) ? policy.lenders : (type == domain::MemberType::kRegulator && policy.regulators);
    if (!allowed)
      return ToStatus({ErrorCode::kPermissionDenied, "",
                       "members of type " + std::string(domain::ToString(type)) + " may not call " +
                           std::string(policy.name)});
    const auto bounds = options_.limits.For(call.member.code, type);
    if (policy.rate != RateClass::kNone) {
      const bool inquiry = policy.rate == RateClass::kInquiry;
      const int per_minute = inquiry ? bounds.inquiries_per_minute : bounds.reports_per_minute;
      if (per_minute > 0) {
        if (const auto wait = (inquiry ? inquiry_rate_ : report_rate_).TryTake(call.member.id, per_minute)) {
          metrics_.CallThrottled(policy.name, inquiry ? "inquiry_rate" : "report_rate");
          return RetryLater(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "member " + call.member.code + " reached its bound of " + std::to_string(per_minute) +
                                (inquiry ? " inquiries" : " reports") +
                                " a minute; retry after the delay in RetryInfo",
                            std::chrono::duration_cast<std::chrono::milliseconds>(*wait));
        }
      }
    }
    const int bound = bounds.streams;
    // Holds the member's stream slot through the handler.
    const auto ticket = stream ? streams_.TryAdmit(call.member.id, bound) : std::nullopt;
    if (stream) {
      if (!ticket) {
        metrics_.CallThrottled(policy.name, "member_streams");
        return RetryLater(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "member " + call.member.code + " already has " + std::to_string(bound) +
                              " streams open, the most one member may hold; retry when one ends",
                          std::chrono::seconds(1));
      }
    }
    if (auto error = handler(call)) return ToStatus(*error);
    return grpc::Status::OK;
  } catch (const storage::PoolExhaustedError& e) {
    detail = e.what();
    return RetryLater(grpc::StatusCode::UNAVAILABLE,
                      "the server is busy: no database connection came free in time; retry later",
                      std::chrono::milliseconds(200));
  } catch (const storage::UnavailableError& e) {
    detail = e.what();
    return RetryLater(grpc::StatusCode::UNAVAILABLE, "the database is unavailable; retry later",
                      std::chrono::seconds(1));
  } catch (const storage::DeadlineExceededError& e) {
    detail = e.what();
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the call's deadline passed before it finished");
  } catch (const std::exception& e) {
    detail = e.what();
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  } catch (...) {
    detail = "a non-standard exception";
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
}

void CallGuard::Complete(std::shared_ptr<CallContext> call, const MethodPolicy& policy, grpc::Status status,
                         std::string detail, Finish finish) {
  // A record written inside a change's transaction stands only if the change succeeded; any
  // other outcome is recorded here. Without a durable record the caller gets no data.
  if (!status.ok()) {
    call->audit_written = false;
    call->inquiry.reset();  // nothing was shown: no inquiry to record
  }
  if (call->audit_written) {
    metrics_.AuditRecordsWritten(1);
    Record(*call, policy, status, detail);
    finish(status);
    return;
  }
  call->audit.result_code = static_cast<int>(status.error_code());
  call->audit.latency_us = MicrosSince(call->started);
  auto finish_once = std::make_shared<Finish>(std::move(finish));
  try {
    Queue(std::move(call), policy, std::move(status), std::move(detail), finish_once);
  } catch (...) {
    // Queueing the record failed (memory): the call is still answered, as not recorded.
    if (*finish_once) {
      auto f = std::move(*finish_once);
      *finish_once = nullptr;
      f(RetryLater(grpc::StatusCode::UNAVAILABLE, "the call could not be recorded; retry later",
                   std::chrono::seconds(1)));
    }
  }
}

void CallGuard::Queue(std::shared_ptr<CallContext> call, const MethodPolicy& policy, grpc::Status status,
                      std::string detail, std::shared_ptr<Finish> finish_once) {
  auto inquiry = std::move(call->inquiry);
  const bool with_inquiry = inquiry != nullptr;
  audit_.WriteAsync(call->audit, [this, call, &policy, status = std::move(status), detail = std::move(detail),
                                  finish_once, with_inquiry](const std::string& error) mutable {
    if (error.empty()) {
      metrics_.AuditRecordsWritten(1);
    } else {
      detail += std::string(detail.empty() ? "" : "; ") + "audit write failed: " + error;
      status = RetryLater(grpc::StatusCode::UNAVAILABLE, "the call could not be recorded; retry later",
                          std::chrono::seconds(1));
      if (with_inquiry) {
        // The query's records went together: the call is still owed its own record, of the refusal.
        call->audit.result_code = static_cast<int>(status.error_code());
        try {
          Queue(call, policy, status, detail, finish_once);
          return;
        } catch (...) {
          // Could not even queue it (memory): answer below, unrecorded, rather than never.
        }
      }
    }
    Record(*call, policy, status, detail);
    if (*finish_once) {
      auto f = std::move(*finish_once);
      *finish_once = nullptr;
      f(status);
    }
  }, std::move(inquiry));
}

void CallGuard::Record(const CallContext& call, const MethodPolicy& policy, const grpc::Status& status,
                       const std::string& detail) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - call.started).count();
  metrics_.CallFinished(policy.name, CodeName(status.error_code()), seconds);
  metrics_.MemberCallFinished(call.queue_key);
  if (!call.dropped.empty()) metrics_.CallDropped(call.dropped);
  if (policy.record_business != nullptr) policy.record_business(metrics_, call, status.error_code());

  const std::string latency = std::to_string(MicrosSince(call.started));
  std::vector<log::Field> fields = {{"request_id", call.audit.request_id},
                                    {"method", policy.name},
                                    {"member", call.audit.principal},
                                    {"code", CodeName(status.error_code())},
                                    {"latency_us", latency}};
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && !status.error_message().empty() && detail.empty())
    fields.emplace_back("message", status.error_message());
  if (detail.empty()) {
    log::Info("rpc", fields);
  } else {
    fields.emplace_back("detail", detail);
    log::Error("rpc", fields);
  }
}

}  // namespace creditshare::api
