#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/authenticator.h"
#include "api/member_admission.h"
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
struct MethodPolicy {
  std::string_view name;
  bool lenders = false;
  bool regulators = false;
  void (*record_business)(metrics::Metrics&, const CallContext&, grpc::StatusCode) = nullptr;
  bool stream = false;  // a streaming call: bounded per member by streams, not by calls
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

  // For repositories that write the audit record inside the transaction of a change: returns
  // the record as a successful call's and marks it written.
  domain::AuditEvent AuditForTransaction();
};

grpc::Status ToStatus(const domain::Error& error);
std::string_view CodeName(grpc::StatusCode code);

// The one wrapper every RPC goes through: request id, authentication from the verified client
// certificate, authorisation by role, the member's bound on calls and streams in flight, the
// handler, error mapping (never leaking internal text),
// one audit record per call (accepted or refused), metrics, and one log line.
class CallGuard {
 public:
  using Handler = std::function<domain::MaybeError(CallContext&)>;

  CallGuard(Authenticator& authenticator, storage::GroupCommitWriter& audit, metrics::Metrics& metrics,
            const domain::Clock& clock, AdmissionLimits limits = {})
      : authenticator_(authenticator), audit_(audit), metrics_(metrics), clock_(clock), admission_(limits) {}

  grpc::Status Run(grpc::ServerContext* context, const MethodPolicy& policy, const Handler& handler);

 private:
  domain::MaybeError Authenticate(grpc::ServerContext* context, CallContext& call);

  Authenticator& authenticator_;
  storage::GroupCommitWriter& audit_;
  metrics::Metrics& metrics_;
  const domain::Clock& clock_;
  MemberAdmission admission_;
};

}  // namespace creditshare::api
