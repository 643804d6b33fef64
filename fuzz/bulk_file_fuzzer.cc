// Fuzzes the lender client's bulk file reader (client/bulk_file.h): the input is the content of
// a file, read once as CSV and once as JSONL, every record to the end. The only exception the
// reader may throw is std::runtime_error for a CSV header it refuses; every bad record must come
// back as a Record with an error, and every good one with a request_id.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bulk_file.h"

namespace {

using creditshare::client::LineFileReader;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

void ReadAll(const std::string& content, LineFileReader::Format format) {
  std::istringstream in(content);
  std::optional<LineFileReader> reader;
  try {
    reader.emplace(in, format);
  } catch (const std::runtime_error&) {
    Require(format == LineFileReader::Format::kCsv, "only a CSV header may be refused");
    return;
  }
  LineFileReader::Record record;
  long last_line = 0;
  while (reader->Next(&record)) {
    Require(record.line_number > last_line, "line numbers increase");
    last_line = record.line_number;
    if (record.record) {
      Require(record.error.empty(), "a parsed record has no error");
      Require(!record.record->request_id().empty(), "a parsed record has a request_id");
      Require(record.record->sequence() == record.line_number, "sequence is the line number");
    } else {
      Require(!record.error.empty(), "an unparsed record says why");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  ReadAll(content, LineFileReader::Format::kCsv);
  ReadAll(content, LineFileReader::Format::kJsonl);
  return 0;
}
