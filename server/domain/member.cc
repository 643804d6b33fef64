#include "domain/member.h"

#include <algorithm>

#include "domain/resident_id.h"

namespace creditshare::domain {

namespace {
bool IsCodeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

MaybeError ValidateNewMember(const Member& m) {
  if (m.code.size() < 2 || m.code.size() > 64 || !std::all_of(m.code.begin(), m.code.end(), IsCodeChar) ||
      m.code.front() == '-' || m.code.front() == '.' || m.code.front() == '_')
    return Error::InvalidArgument("code", "must be 2-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
  if (m.name.empty() || m.name.size() > 255) return Error::InvalidArgument("name", "must be 1-255 characters");
  if (m.type == MemberType::kUnspecified) return Error::InvalidArgument("type", "is required");
  if (m.region_code.size() != 6 || !std::all_of(m.region_code.begin(), m.region_code.end(), IsDigit) ||
      !IsKnownProvinceCode(m.region_code.substr(0, 2)))
    return Error::InvalidArgument("region", "must be a 6-digit region code of a known province, e.g. 120000");
  return std::nullopt;
}

}  // namespace creditshare::domain
