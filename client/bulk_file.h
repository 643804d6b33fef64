#pragma once

#include <istream>
#include <optional>
#include <string>

#include "creditshare/v1/reporting_service.pb.h"

namespace creditshare::client {

// Reads credit-line records from a CSV file (header row of CreditLineReport field names) or a
// JSONL file (one CreditLineReport as protobuf JSON per line; dates may be "YYYY-MM-DD"). Each
// record's request_id is derived from its content, so re-running the same file replays it
// exactly once and a corrected line is a new request.
class LineFileReader {
 public:
  enum class Format { kCsv, kJsonl };
  // Throws std::runtime_error when the CSV header names an unknown field.
  LineFileReader(std::istream& in, Format format);

  struct Record {
    long line_number = 0;
    std::string raw;
    std::optional<v1::BulkLineRecord> record;  // empty when the line cannot be parsed
    std::string field;                         // the offending field, when unparsable
    std::string error;
  };
  // The next data record; false at the end of the file.
  bool Next(Record* out);

  static Format FormatOf(const std::string& path);

 private:
  std::istream& in_;
  Format format_;
  long line_number_ = 0;
  std::vector<std::string> header_;
};

// Splits one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes).
std::vector<std::string> SplitCsv(const std::string& line);

}  // namespace creditshare::client
