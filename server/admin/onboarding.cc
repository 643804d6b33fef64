#include "admin/onboarding.h"

#include "domain/jurisdiction.h"
#include "domain/privacy.h"

#include "storage/alert_repository.h"
#include "storage/member_repository.h"
#include "storage/transaction.h"

namespace creditshare::admin {

using domain::Error;
using domain::ErrorCode;
using storage::AdminActionRepository;
using storage::Connection;
using storage::CredentialRepository;
using storage::MemberRepository;

namespace {
Error UnknownMember(const std::string& code) { return {ErrorCode::kNotFound, "member", "no member with code " + code}; }
}  // namespace

domain::Result<domain::Member> Onboarding::CreateMember(const domain::Member& requested) {
  domain::Member member = requested;
  member.status = domain::MemberStatus::kActive;  // members start active; suspension is a separate act
  if (auto e = domain::ValidateNewMember(member)) return *e;
  // A regulator sees its registered region; national scope is granted with `member scope`.
  member.report_scope =
      member.type == domain::MemberType::kRegulator ? domain::DefaultScope(member.region_code).ToString() : "";
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<domain::Member> {
    if (!MemberRepository::Insert(conn, member))
      return Error{ErrorCode::kAlreadyExists, "code", "a member with code " + member.code + " already exists"};
    AdminActionRepository::Record(conn, actor_, "member.create", member.code,
                                  "type=" + std::string(domain::ToString(member.type)) + " region=" + member.region_code);
    return *MemberRepository::Lookup(conn, member.code, MemberRepository::RowLock::kNone);
  });
}

domain::Result<domain::Member> Onboarding::SetMemberStatus(const std::string& code, domain::MemberStatus status) {
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<domain::Member> {
    auto member = MemberRepository::Lookup(conn, code, MemberRepository::RowLock::kForUpdate);
    if (!member) return UnknownMember(code);
    const bool suspend = status == domain::MemberStatus::kSuspended;
    if (member->status == status)
      return Error::FailedPrecondition("member", "member " + code + " is already " + (suspend ? "suspended" : "active"));
    MemberRepository::SetStatus(conn, member->id, status);
    AdminActionRepository::Record(conn, actor_, suspend ? "member.suspend" : "member.resume", code, "");
    member->status = status;
    return *member;
  });
}

domain::Result<MemberDetails> Onboarding::ShowMember(const std::string& code) {
  return storage::WithConnection(pool_, [&](Connection& conn) -> domain::Result<MemberDetails> {
    auto member = MemberRepository::Lookup(conn, code, MemberRepository::RowLock::kNone);
    if (!member) return UnknownMember(code);
    return MemberDetails{*member, CredentialRepository::ListForMember(conn, member->id)};
  });
}

domain::Result<domain::Member> Onboarding::SetReciprocityExempt(const std::string& code, bool exempt) {
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<domain::Member> {
    auto member = MemberRepository::Lookup(conn, code, MemberRepository::RowLock::kForUpdate);
    if (!member) return UnknownMember(code);
    MemberRepository::SetReciprocityExempt(conn, member->id, exempt);
    AdminActionRepository::Record(conn, actor_, exempt ? "member.reciprocity_exempt" : "member.reciprocity_required",
                                  code, "");
    return *member;
  });
}

domain::Result<domain::Member> Onboarding::RegulatorSettings(const std::string& code,
                                                             const std::optional<std::string>& scope,
                                                             const std::optional<std::string>& budget) {
  std::optional<domain::ReportScope> parsed_scope;
  if (scope) {
    auto p = domain::ParseScope(*scope, "scope");
    if (!p.ok()) return p.error();
    parsed_scope = p.value();
  }
  std::optional<std::int64_t> parsed_budget;
  if (budget && *budget != "default") {
    auto p = domain::ParseEpsilon(*budget, "budget");
    if (!p.ok()) return p.error();
    parsed_budget = p.value();
  }
  const bool change = scope || budget;
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<domain::Member> {
    auto member = MemberRepository::Lookup(conn, code, change ? MemberRepository::RowLock::kForUpdate
                                                              : MemberRepository::RowLock::kNone);
    if (!member) return UnknownMember(code);
    if (member->type != domain::MemberType::kRegulator)
      return Error::FailedPrecondition("member", "member " + code + " is not a regulator");
    if (parsed_scope) {
      MemberRepository::SetReportScope(conn, member->id, parsed_scope->ToString());
      AdminActionRepository::Record(conn, actor_, "member.report_scope", code,
                                    member->report_scope + " -> " + parsed_scope->ToString());
      member->report_scope = parsed_scope->ToString();
    }
    if (budget) {
      MemberRepository::SetPrivacyBudget(conn, member->id, parsed_budget);
      AdminActionRepository::Record(conn, actor_, "member.privacy_budget", code,
                                    parsed_budget ? domain::FormatEpsilon(*parsed_budget) : "default");
      member->privacy_budget_milli = parsed_budget;
    }
    return *member;
  });
}

domain::Result<domain::AlertKindSet> Onboarding::MemberAlertKinds(const std::string& code,
                                                                  std::optional<domain::AlertKindSet> kinds) {
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<domain::AlertKindSet> {
    auto member = MemberRepository::Lookup(conn, code, MemberRepository::RowLock::kForUpdate);
    if (!member) return UnknownMember(code);
    if (!domain::IsLender(member->type))
      return Error::FailedPrecondition("member", "member " + code + " is a regulator: it receives no alerts");
    if (kinds) {
      storage::AlertRepository::SetKinds(conn, member->id, *kinds);
      AdminActionRepository::Record(conn, actor_, "member.alerts", code, domain::FormatAlertKinds(*kinds));
    }
    return storage::AlertRepository::KindsOf(conn, member->id);
  });
}

std::vector<domain::Member> Onboarding::ListMembers() { return MemberRepository(pool_).List(); }

domain::Result<IssuedCredential> Onboarding::IssueCredential(const std::string& code, const security::Credential& ca,
                                                             std::chrono::seconds validity) {
  security::CertificateSpec spec;
  spec.usage = security::CertificateSpec::Usage::kClient;
  spec.common_name = code;
  spec.validity = validity;
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<IssuedCredential> {
    auto member = MemberRepository::Lookup(conn, code, MemberRepository::RowLock::kForUpdate);
    if (!member) return UnknownMember(code);
    if (member->status != domain::MemberStatus::kActive)
      return Error::FailedPrecondition("member", "member " + code + " is suspended; resume it before issuing credentials");
    IssuedCredential out{security::IssueCertificate(ca, spec), {}};
    out.record.member_id = member->id;
    out.record.member_code = code;
    out.record.serial_hex = out.credential.serial_hex;
    out.record.fingerprint_sha256 = out.credential.sha256_fingerprint_hex;
    out.record.not_after = out.credential.not_after;
    out.record.issued_by = actor_;
    CredentialRepository::Insert(conn, out.record);
    AdminActionRepository::Record(conn, actor_, "credential.issue", code,
                                  "serial=" + out.record.serial_hex + " sha256=" + out.record.fingerprint_sha256);
    return out;
  });
}

domain::Result<storage::CredentialRecord> Onboarding::RevokeCredential(const std::string& key, const std::string& reason) {
  return storage::RunTransaction(pool_, [&](Connection& conn) -> domain::Result<storage::CredentialRecord> {
    auto record = CredentialRepository::FindForUpdate(conn, key);
    if (!record) return Error{ErrorCode::kNotFound, "credential", "no credential with fingerprint or serial " + key};
    if (record->revoked_at) return Error::FailedPrecondition("credential", "credential " + key + " is already revoked");
    CredentialRepository::MarkRevoked(conn, record->id, actor_, reason);
    AdminActionRepository::Record(conn, actor_, "credential.revoke", record->member_code,
                                  "serial=" + record->serial_hex + " reason=" + reason);
    return *CredentialRepository::FindForUpdate(conn, key);
  });
}

}  // namespace creditshare::admin
