#include "storage/report_result_codec.h"

#include <sstream>

namespace creditshare::storage {

// v3 adds the quality warnings ("rule:field" separated by ','); v2 responses (before them) still
// decode, with none.
std::string EncodeReportResult(const domain::ReportResult& r) {
  std::string warnings;
  for (const auto& w : r.warnings)
    warnings += (warnings.empty() ? "" : ",") + std::to_string(static_cast<int>(w.rule)) + ":" + w.field;
  return "v3|" + std::to_string(static_cast<int>(r.outcome)) + "|" + r.stored_as_of_date.ToString() + "|" +
         std::to_string(r.version) + "|" + (r.month_corrected ? "1" : "0") + "|" + warnings;
}

domain::Result<domain::ReportResult> DecodeReportResult(const std::string& s) {
  std::istringstream in(s);
  std::string tag, outcome, date, version, corrected, warnings;
  const bool head = std::getline(in, tag, '|') && (tag == "v2" || tag == "v3") && std::getline(in, outcome, '|') &&
                    std::getline(in, date, '|') && std::getline(in, version, '|');
  const bool rest = head && (tag == "v2" ? static_cast<bool>(std::getline(in, corrected))
                                         : std::getline(in, corrected, '|') && (std::getline(in, warnings), true));
  if (rest) {
    if (const auto d = domain::Date::Parse(date)) {
      domain::ReportResult r{static_cast<domain::ReportOutcome>(std::stoi(outcome)), *d, std::stoll(version),
                             corrected == "1"};
      std::istringstream list(warnings);
      for (std::string item; std::getline(list, item, ',');) {
        const auto colon = item.find(':');
        if (colon == std::string::npos) continue;
        r.warnings.push_back({static_cast<domain::QualityRule>(std::stoi(item.substr(0, colon))), item.substr(colon + 1)});
      }
      return r;
    }
  }
  return domain::Error{domain::ErrorCode::kInternal, "", "stored response is unreadable"};
}

}  // namespace creditshare::storage
