#include "api/authenticator.h"

#include "security/pki.h"

namespace creditshare::api {

using domain::Error;
using domain::ErrorCode;

domain::Result<domain::Member> Authenticator::Authenticate(const std::string& pem, const std::string& common_name) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(pem);
    if (it != cache_.end() && it->second.expires > now) return it->second.answer;
  }
  auto answer = Decide(pem, common_name);
  // Database failures throw and are never cached; definite answers are.
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxEntries) cache_.clear();
  cache_.insert_or_assign(pem, Entry{answer, now + ttl_});
  return answer;
}

domain::Result<domain::Member> Authenticator::Decide(const std::string& pem, const std::string& common_name) {
  const std::string fingerprint = security::CertificateFingerprint(pem);
  if (fingerprint.empty()) return Error{ErrorCode::kUnauthenticated, "", "the client certificate cannot be read"};
  auto peer = credentials_.FindPeer(fingerprint);
  if (!peer) return Error{ErrorCode::kUnauthenticated, "", "the client certificate is not a registered credential"};
  if (peer->revoked) return Error{ErrorCode::kUnauthenticated, "", "the client certificate has been revoked"};
  if (peer->not_after <= clock_.Now()) return Error{ErrorCode::kUnauthenticated, "", "the client certificate has expired"};
  if (peer->member.code != common_name)
    return Error{ErrorCode::kUnauthenticated, "", "the certificate's common name does not match its member"};
  if (peer->member.status != domain::MemberStatus::kActive)
    return Error{ErrorCode::kPermissionDenied, "", "the member is suspended"};
  return peer->member;
}

}  // namespace creditshare::api
