#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace creditshare::domain {

// What a regulator member supervises: the whole country, a province (two digits of the region
// code, "12") or a prefecture (four, "1201"). Every report it asks for covers only borrowers
// whose region code starts with `prefix`.
struct ReportScope {
  std::string prefix;  // "" for national

  bool national() const { return prefix.empty(); }
  // "national", "12" or "1201": how it is stored and shown.
  std::string ToString() const { return national() ? std::string(kNational) : prefix; }
  bool operator==(const ReportScope&) const = default;

  static constexpr std::string_view kNational = "national";
};

// Parses "national", a 2-digit province or a 4-digit prefecture code; INVALID_ARGUMENT naming
// `field` otherwise. Province codes run 11..82 as in GB/T 2260.
Result<ReportScope> ParseScope(std::string_view text, const std::string& field);

// The scope a new regulator gets: its registered region, as a province when the code names a
// province ("120000") and as a prefecture otherwise ("120100", "120101"). National scope is only
// ever granted explicitly.
ReportScope DefaultScope(std::string_view member_region_code);

// The region prefix a report covers: `requested` ("" for the whole scope, else 2 or 4 digits)
// when it lies inside `scope`. A region outside the scope, or larger than it, is
// PERMISSION_DENIED naming `field`; a malformed one INVALID_ARGUMENT.
Result<std::string> ReportRegion(const ReportScope& scope, std::string_view requested, const std::string& field);

}  // namespace creditshare::domain
