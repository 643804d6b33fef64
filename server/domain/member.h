#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/types.h"

namespace creditshare::domain {

// A member institution. Its code is the common name on its client certificates.
struct Member {
  std::uint64_t id = 0;
  std::string code;
  std::string name;
  MemberType type = MemberType::kUnspecified;
  std::string region_code;
  MemberStatus status = MemberStatus::kActive;
  // Regulators: what their reports cover ("national", "12", "1201"; domain/jurisdiction.h) and
  // their ε per data month in thousandths, when set for the member.
  std::string report_scope;
  std::optional<std::int64_t> privacy_budget_milli;
};

}  // namespace creditshare::domain

#include "domain/error.h"

namespace creditshare::domain {

// A member code is 2..64 characters of [a-z0-9._-], starting with a letter or digit: it becomes
// a certificate common name and a file name.
MaybeError ValidateNewMember(const Member& member);

}  // namespace creditshare::domain
