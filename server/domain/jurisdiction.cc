#include "domain/jurisdiction.h"

#include <algorithm>

namespace creditshare::domain {

namespace {
bool Digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A region prefix of 2 or 4 digits whose province is a real one (11..82).
bool ValidPrefix(std::string_view s) {
  if ((s.size() != 2 && s.size() != 4) || !Digits(s)) return false;
  const int province = (s[0] - '0') * 10 + (s[1] - '0');
  if (province < 11 || province > 82) return false;
  return s.size() == 2 || s.substr(2, 2) != "00";
}
}  // namespace

Result<ReportScope> ParseScope(std::string_view text, const std::string& field) {
  if (text == ReportScope::kNational) return ReportScope{};
  if (!ValidPrefix(text))
    return Error::InvalidArgument(field, "a scope is 'national', a province code (e.g. 12) or a prefecture code "
                                         "(e.g. 1201)");
  return ReportScope{std::string(text)};
}

ReportScope DefaultScope(std::string_view region) {
  if (region.size() < 4 || !Digits(region.substr(0, 4))) return ReportScope{std::string(region.substr(0, 2))};
  if (region.substr(2, 2) == "00") return ReportScope{std::string(region.substr(0, 2))};
  return ReportScope{std::string(region.substr(0, 4))};
}

Result<std::string> ReportRegion(const ReportScope& scope, std::string_view requested, const std::string& field) {
  if (requested.empty()) return scope.prefix;
  if (!ValidPrefix(requested))
    return Error::InvalidArgument(field, "a region is a province code (e.g. 12) or a prefecture code (e.g. 1201)");
  if (requested.substr(0, std::min(requested.size(), scope.prefix.size())) != scope.prefix ||
      requested.size() < scope.prefix.size())
    return Error{ErrorCode::kPermissionDenied, field,
                 "region " + std::string(requested) + " is outside this regulator's scope (" + scope.ToString() + ")"};
  return std::string(requested);
}

}  // namespace creditshare::domain
