#include "api/authenticator.h"

#include "security/pki.h"

namespace creditshare::api {

using domain::Error;
using domain::ErrorCode;

Authenticator::Answer Authenticator::Authenticate(const std::string& pem, const std::string& common_name) {
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

Authenticator::Answer Authenticator::Decide(const std::string& pem, const std::string& common_name) {
  const std::string fingerprint = security::CertificateFingerprint(pem);
  auto refuse = [&](ErrorCode code, const char* why) { return Answer{fingerprint, Error{code, "", why}}; };
  if (fingerprint.empty()) return refuse(ErrorCode::kUnauthenticated, "the client certificate cannot be read");
  auto peer = credentials_.FindPeer(fingerprint);
  if (!peer) return refuse(ErrorCode::kUnauthenticated, "the client certificate is not a registered credential");
  if (peer->revoked) return refuse(ErrorCode::kUnauthenticated, "the client certificate has been revoked");
  if (peer->not_after <= clock_.Now()) return refuse(ErrorCode::kUnauthenticated, "the client certificate has expired");
  if (peer->member.code != common_name)
    return refuse(ErrorCode::kUnauthenticated, "the certificate's common name does not match its member");
  if (peer->member.status != domain::MemberStatus::kActive)
    return refuse(ErrorCode::kPermissionDenied, "the member is suspended");
  return Answer{fingerprint, peer->member};
}

}  // namespace creditshare::api
