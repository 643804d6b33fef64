#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "domain/clock.h"
#include "domain/error.h"
#include "domain/member.h"
#include "storage/credential_repository.h"

namespace creditshare::api {

// Turns a TLS-verified client certificate into an active member. The TLS layer has checked the
// chain to the member CA and the validity period; here the certificate must also be a credential
// the operators issued, not revoked, unexpired by the service clock, with a common name equal to
// its member's code, and the member must be active.
//
// Answers (including refusals) are cached per certificate for at most `ttl`, so a revocation or a
// suspension takes effect within that time without a database read on every call.
class Authenticator {
 public:
  Authenticator(storage::CredentialRepository& credentials, const domain::Clock& clock, std::chrono::milliseconds ttl)
      : credentials_(credentials), clock_(clock), ttl_(ttl) {}

  struct Answer {
    std::string fingerprint;  // SHA-256 of the certificate, empty when unreadable
    domain::Result<domain::Member> member;
  };
  Answer Authenticate(const std::string& peer_cert_pem, const std::string& common_name);

 private:
  Answer Decide(const std::string& peer_cert_pem, const std::string& common_name);

  struct Entry {
    Answer answer;
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr std::size_t kMaxEntries = 100'000;

  storage::CredentialRepository& credentials_;
  const domain::Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // keyed by the certificate PEM
};

}  // namespace creditshare::api
