#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "domain/alert.h"
#include "domain/error.h"
#include "domain/member.h"
#include "security/pki.h"
#include "storage/connection_pool.h"
#include "storage/credential_repository.h"

namespace creditshare::admin {

struct MemberDetails {
  domain::Member member;
  std::vector<storage::CredentialRecord> credentials;
};

struct IssuedCredential {
  security::Credential credential;  // includes the private key: hand it to the member, never store it
  storage::CredentialRecord record;
};

// What operators do to members and their credentials. Each change and its admin_actions
// record are written in one transaction; `actor` names the operator.
class Onboarding {
 public:
  Onboarding(storage::ConnectionPool& pool, std::string actor) : pool_(pool), actor_(std::move(actor)) {}

  domain::Result<domain::Member> CreateMember(const domain::Member& member);
  domain::Result<domain::Member> SetMemberStatus(const std::string& code, domain::MemberStatus status);
  domain::Result<MemberDetails> ShowMember(const std::string& code);
  // The alert kinds a lender receives; with `kinds`, sets them first (recorded as an admin action).
  // Exempts a member from reciprocity, or ends the exemption (recorded as an admin action).
  domain::Result<domain::Member> SetReciprocityExempt(const std::string& code, bool exempt);
  // A regulator's report scope and privacy budget ("default": the server's); with either set,
  // changes it first (recorded as an admin action). Takes effect on the regulator's next report.
  domain::Result<domain::Member> RegulatorSettings(const std::string& code, const std::optional<std::string>& scope,
                                                   const std::optional<std::string>& budget);
  domain::Result<domain::AlertKindSet> MemberAlertKinds(const std::string& code,
                                                        std::optional<domain::AlertKindSet> kinds);
  std::vector<domain::Member> ListMembers();

  // Generates a key and certificate (CN = member code) signed by `ca` and records it.
  domain::Result<IssuedCredential> IssueCredential(const std::string& code, const security::Credential& ca,
                                                   std::chrono::seconds validity);
  // Revokes by fingerprint or serial; the server refuses it within its auth cache time.
  domain::Result<storage::CredentialRecord> RevokeCredential(const std::string& fingerprint_or_serial,
                                                            const std::string& reason);

 private:
  storage::ConnectionPool& pool_;
  const std::string actor_;
};

}  // namespace creditshare::admin
