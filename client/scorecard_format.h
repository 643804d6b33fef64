#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "creditshare/v1/reporting_service.pb.h"

namespace creditshare::client {

// Writes scorecards as `format`: "table" (aligned, one row per member and month), "csv" (the same
// columns, a header row) or "json" (one object per line). Shared by the lender CLI and the
// operators' creditshare-admin.
void WriteScorecards(const std::vector<v1::MemberScorecard>& cards, const std::string& format, std::ostream& out);

}  // namespace creditshare::client
