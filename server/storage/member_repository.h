#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/member.h"
#include "domain/reciprocity.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

class MemberRepository {
 public:
  explicit MemberRepository(ConnectionPool& pool) : pool_(pool) {}

  std::optional<domain::Member> FindByCode(const std::string& code);
  std::vector<domain::Member> List();

  // Building blocks for transactions composed by the admin service.
  enum class RowLock { kNone, kForUpdate };
  static std::optional<domain::Member> Lookup(Connection& conn, const std::string& code, RowLock lock);
  // False when the code is taken.
  static bool Insert(Connection& conn, const domain::Member& member);
  static void SetStatus(Connection& conn, std::uint64_t id, domain::MemberStatus status);
  // Regulators: the scope of their reports (already validated) and their own privacy budget
  // (nullopt: the server's default).
  static void SetReportScope(Connection& conn, std::uint64_t id, const std::string& scope);
  static void SetPrivacyBudget(Connection& conn, std::uint64_t id, std::optional<std::int64_t> milli);

  // Reciprocity: the member's onboarding day, latest report day and exemption.
  domain::ReciprocityStanding Standing(std::uint64_t member_id);
  static void SetReciprocityExempt(Connection& conn, std::uint64_t id, bool exempt);
  // Inside a report's transaction: the member reported on `day`.
  static void RecordReportDay(Connection& conn, std::uint64_t member_id, const domain::Date& day);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
