#include "storage/report_result_codec.h"

#include <sstream>

namespace creditshare::storage {

std::string EncodeReportResult(const domain::ReportResult& r) {
  return "v2|" + std::to_string(static_cast<int>(r.outcome)) + "|" + r.stored_as_of_date.ToString() + "|" +
         std::to_string(r.version) + "|" + (r.month_corrected ? "1" : "0");
}

domain::Result<domain::ReportResult> DecodeReportResult(const std::string& s) {
  std::istringstream in(s);
  std::string tag, outcome, date, version, corrected;
  if (std::getline(in, tag, '|') && tag == "v2" && std::getline(in, outcome, '|') && std::getline(in, date, '|') &&
      std::getline(in, version, '|') && std::getline(in, corrected)) {
    if (const auto d = domain::Date::Parse(date))
      return domain::ReportResult{static_cast<domain::ReportOutcome>(std::stoi(outcome)), *d, std::stoll(version),
                                  corrected == "1"};
  }
  return domain::Error{domain::ErrorCode::kInternal, "", "stored response is unreadable"};
}

}  // namespace creditshare::storage
