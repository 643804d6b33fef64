#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string_view>

#include "domain/error.h"
#include "domain/member.h"
#include "api/authenticator.h"

namespace creditshare::api {

// Who may call a method. Checked before the handler runs.
struct MethodPolicy {
  std::string_view name;
  bool lenders = false;
  bool regulators = false;
};

struct Caller {
  domain::Member member;
};

grpc::Status ToStatus(const domain::Error& error);

// The one wrapper every RPC goes through: authenticates the peer from its verified client
// certificate, authorises the method for the member's role, runs the handler, maps errors and
// exceptions to grpc::Status (never leaking internal text) and logs one line per call.
class CallGuard {
 public:
  using Handler = std::function<domain::MaybeError(const Caller&)>;

  explicit CallGuard(Authenticator& authenticator) : authenticator_(authenticator) {}

  grpc::Status Run(grpc::ServerContext* context, const MethodPolicy& policy, const Handler& handler);

 private:
  domain::Result<Caller> Authenticate(grpc::ServerContext* context);
  Authenticator& authenticator_;
};

}  // namespace creditshare::api
