#pragma once

#include <cstdint>
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
};

}  // namespace creditshare::domain
