#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/error.h"
#include "domain/member.h"
#include "storage/member_repository.h"

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

// Resolves certificate common names to members, caching each answer for at most `ttl` so a
// suspension takes effect within that time without a database read on every call.
class MemberDirectory {
 public:
  MemberDirectory(storage::MemberRepository& repo, std::chrono::milliseconds ttl) : repo_(repo), ttl_(ttl) {}
  std::optional<domain::Member> Find(const std::string& code);

 private:
  struct Entry {
    std::optional<domain::Member> member;
    std::chrono::steady_clock::time_point expires;
  };
  storage::MemberRepository& repo_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

grpc::Status ToStatus(const domain::Error& error);

// The one wrapper every RPC goes through: authenticates the peer from its verified client
// certificate, authorises the method for the member's role, runs the handler, maps errors and
// exceptions to grpc::Status (never leaking internal text) and logs one line per call.
class CallGuard {
 public:
  using Handler = std::function<domain::MaybeError(const Caller&)>;

  explicit CallGuard(MemberDirectory& members) : members_(members) {}

  grpc::Status Run(grpc::ServerContext* context, const MethodPolicy& policy, const Handler& handler);

 private:
  domain::Result<Caller> Authenticate(grpc::ServerContext* context);
  MemberDirectory& members_;
};

}  // namespace creditshare::api
